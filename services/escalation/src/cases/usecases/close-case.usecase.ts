import type { Actor } from '@outpost/contracts';
import type { EntityManager } from 'typeorm';
import type { CaseRepository, CaseRow } from '../case.repository';
import type { AnyPublish } from '../case-writer';

/** One escalation.lead-closed.v1 per lead of the case, each naming the others (intake's status view and notification read them). */
export async function closeEvents(
  cases: CaseRepository,
  tx: EntityManager,
  c: CaseRow,
  actor: Actor,
): Promise<AnyPublish[]> {
  const leadIds = (await cases.leads(tx, c.id)).map((l) => l.leadId);
  return leadIds.map((leadId) => ({
    topic: 'escalation.lead-closed.v1' as const,
    leadId,
    actor,
    payload: {
      leadId,
      caseId: c.id,
      status: 'CLOSED' as const,
      outcome: c.outcome ?? 'CLOSED',
      summary: c.summary ?? '',
      reporterFeedback: c.reporterFeedback,
      linkedLeadIds: leadIds.filter((id) => id !== leadId),
    },
  }));
}
