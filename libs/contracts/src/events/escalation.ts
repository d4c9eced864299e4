import { z } from 'zod';
import { RECOMMENDATIONS } from '../lead-status';
import { isoDate, leadStatusSchema } from './shared';
import { deadlineEventSchema } from './assessment';

export const caseOpenedV1 = z.object({
  leadId: z.string(),
  caseId: z.string(),
  caseNo: z.string(),
  status: leadStatusSchema,
  path: z.enum(RECOMMENDATIONS),
  leadIds: z.array(z.string()),
  handlerId: z.string().nullable(),
});

export const actionRecordedV1 = z.object({
  leadId: z.string(),
  caseId: z.string(),
  actionId: z.string(),
  status: leadStatusSchema,
  actionType: z.string(),
  summary: z.string(),
  dueAt: isoDate.nullable(),
  legalBasis: z.string().nullable(),
});

export const reportedUpstreamV1 = z.object({
  leadId: z.string(),
  caseId: z.string(),
  reportId: z.string(),
  system: z.string(),
  status: leadStatusSchema,
  externalRef: z.string().nullable(),
});

export const upstreamAcknowledgedV1 = z.object({
  leadId: z.string(),
  caseId: z.string(),
  reportId: z.string(),
  system: z.string(),
  status: leadStatusSchema,
  externalRef: z.string().nullable(),
  externalStatus: z.string(),
});

export const leadClosedV1 = z.object({
  leadId: z.string(),
  caseId: z.string().nullable(),
  status: z.literal('CLOSED'),
  outcome: z.string(),
  summary: z.string(),
  /** Text for whoever reported the lead: what was done, without internal detail. */
  reporterFeedback: z.string().nullable(),
  linkedLeadIds: z.array(z.string()),
});
export type LeadClosedV1 = z.infer<typeof leadClosedV1>;

export const leadReopenedV1 = z.object({
  leadId: z.string(),
  caseId: z.string().nullable(),
  status: z.literal('REOPENED'),
  reason: z.string(),
});

export const escalationDeadlineV1 = deadlineEventSchema.extend({ caseId: z.string().nullable() });

/**
 * A disposal case's own state (REFERRAL_PENDING_APPROVAL, INTERVIEW, …; escalation's transition table) after every step
 * of the case, alongside whatever else the step publishes (`from` equals `to` when the step kept the state): readers can
 * tell who must act next (a head approving a referral or a measure, the handler).
 */
export const caseStateChangedV1 = z.object({
  leadId: z.string(), // the case's primary lead; also the Kafka key
  caseId: z.string(),
  caseNo: z.string(),
  action: z.string(),
  from: z.string().nullable(),
  to: z.string(),
  status: leadStatusSchema,
  /** Who handles the case after the step (承办人); absent in events published before it travelled. */
  handlerId: z.string().nullable().optional(),
  /**
   * How many of the case's requests wait for a head's approval after the step (the referral, measures such as a
   * seizure); absent in events published before it travelled.
   */
  pendingApprovals: z.number().int().min(0).optional(),
  /** The step asked a head for an approval (a referral, a measure such as a seizure); absent before it travelled. */
  approvalRequested: z.boolean().optional(),
  /**
   * The earliest due time of the legal clocks that are ours to meet and still open after the step (null: none), the
   * lead's 办理期限 while it is in disposal; absent in events published before it travelled.
   */
  dueAt: isoDate.nullable().optional(),
});
export type CaseStateChangedV1 = z.infer<typeof caseStateChangedV1>;
