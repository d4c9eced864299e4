/**
 * The JSON a source system receives: enough to update its own record (status, and the outcome when closed), nothing
 * internal (no reasoning, no people, no reporter identity, no bank-sensitive fields).
 */
export function webhookBody(
  e: { id: string; type: string; occurredAt: string; leadId: string | null; payload: unknown },
  reference: string | null,
): string {
  const p = (e.payload ?? {}) as Record<string, unknown>;
  const data: Record<string, unknown> = {};
  switch (e.type) {
    case 'assessment.lead-decided.v1':
      data.decision = p.decision;
      break;
    case 'escalation.case-opened.v1':
      data.path = p.path;
      break;
    case 'escalation.lead-closed.v1':
      data.outcome = p.outcome;
      data.feedback = p.reporterFeedback ?? null;
      break;
    default:
      break;
  }
  return JSON.stringify({
    eventId: e.id,
    eventType: e.type,
    occurredAt: e.occurredAt,
    lead: {
      id: e.leadId,
      reference,
      status: typeof p.status === 'string' ? p.status : e.type === 'intake.lead-registered.v1' ? 'REPORTED' : null,
    },
    data,
  });
}
