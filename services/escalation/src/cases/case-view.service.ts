import { Injectable } from '@nestjs/common';
import { ProblemException } from '@outpost/platform';
import { LegalClocks } from '../clocks/legal-clocks.service';
import { DispatchService } from '../connectors/dispatch.service';
import { CaseRepository, type CaseRow } from './case.repository';
import { leadStatusOf, STATE_LABELS } from './transition-table';

/** GET /v1/cases/…: the case with its path, steps, clocks (due times, legal basis), tasks, measures and reports. */
@Injectable()
export class CaseViewService {
  constructor(
    private readonly cases: CaseRepository,
    private readonly clocks: LegalClocks,
    private readonly dispatches: DispatchService,
  ) {}

  async byId(caseId: string) {
    if (!/^[0-9a-f-]{36}$/i.test(caseId)) throw new ProblemException(404, 'CASE_NOT_FOUND', `案件 ${caseId} 不存在。`);
    const c = await this.cases.byId(this.cases.db, caseId);
    if (!c) throw new ProblemException(404, 'CASE_NOT_FOUND', `案件 ${caseId} 不存在。`);
    return this.view(c);
  }

  async byLead(leadId: string) {
    const c = await this.cases.byLead(this.cases.db, leadId);
    if (!c) throw new ProblemException(404, 'CASE_NOT_FOUND', `线索 ${leadId} 尚无处置案件。`);
    return this.view(c);
  }

  private async view(c: CaseRow) {
    const db = this.cases.db;
    const [leads, steps, tasks, measures, clocks, reports] = await Promise.all([
      this.cases.leads(db, c.id),
      db.query(
        `SELECT action, from_state AS "from", to_state AS "to", actor, detail, at FROM case_step WHERE case_id = $1 ORDER BY at, id`,
        [c.id],
      ) as Promise<unknown[]>,
      db.query(
        `SELECT id, action_type AS "actionType", summary, assignee_id AS "assigneeId", due_at AS "dueAt", status, result, completed_at AS "completedAt" FROM task WHERE case_id = $1 ORDER BY created_at, id`,
        [c.id],
      ) as Promise<unknown[]>,
      db.query(
        `SELECT id, measure_type AS "measureType", description, requires_approval AS "requiresApproval", status, requested_by AS "requestedBy", approved_by AS "approvedBy", approved_at AS "approvedAt", extended, ends_at AS "endsAt", decision FROM measure WHERE case_id = $1 ORDER BY requested_at, id`,
        [c.id],
      ) as Promise<unknown[]>,
      this.clocks.forCase(c.id),
      this.dispatches.forCase(c.id),
    ]);
    return {
      caseId: c.id,
      caseNo: c.caseNo,
      primaryLeadId: c.primaryLeadId,
      leads: leads.map((l) => ({ leadId: l.leadId, relation: l.relation })),
      path: c.path,
      state: c.state,
      stateLabel: STATE_LABELS[c.state],
      status: leadStatusOf(c.state),
      cycle: c.cycle,
      jurisdiction: c.jurisdiction,
      category: c.category,
      band: c.band,
      authority: c.authority ? { system: c.authority, agency: c.authorityLabel } : null,
      handlerId: c.handlerId,
      decidedBy: c.decidedBy,
      legalBasis: c.decision.legalBasis,
      openedAt: c.openedAt,
      filedAt: c.filedAt,
      closedAt: c.closedAt,
      closure: c.closedAt ? { outcome: c.outcome, summary: c.summary, reporterFeedback: c.reporterFeedback } : null,
      investigators: c.investigators,
      mergedInto: c.mergedInto,
      steps,
      clocks: clocks.map((k) => {
        const def = this.clocks.definition(k.kind);
        return {
          id: k.id,
          kind: k.kind,
          label: def.label,
          period: k.period,
          legalBasis: k.legalBasis,
          workingDays: k.workingDays,
          startsAt: def.startsAt,
          owner: def.owner,
          startedAt: k.startedAt,
          dueAt: k.dueAt,
          status: k.status,
          breachStep: k.breachStep,
          stoppedAt: k.stoppedAt,
          subjectRef: k.subjectRef,
        };
      }),
      tasks,
      measures,
      reports: reports.map((d) => ({
        id: d.id,
        system: d.system,
        purpose: d.purpose,
        to: d.authorityLabel,
        status: d.status,
        attempts: d.attempts,
        lastError: d.lastError,
        createdAt: d.createdAt,
        sentAt: d.sentAt,
        externalRef: d.externalRef,
        acknowledgedAt: d.acknowledgedAt,
        externalStatus: d.externalStatus,
      })),
    };
  }
}
