import { z } from 'zod';
import { ANCHORS, RECOMMENDATIONS } from '../lead-status';
import { bandSchema, categorySchema, isoDate, leadStatusSchema, roleSchema } from './shared';

const checklistLevel = z.enum(['none', 'suspected', 'evidenced']);
export const checklistSchema = z.object({
  I: checklistLevel,
  P: checklistLevel,
  Ind: checklistLevel,
  S: checklistLevel,
});

/** One line of the score explanation: every point of the score is accounted for. */
export const scoreLineSchema = z.object({
  indicator: z.string(),
  label: z.string(),
  anchor: z.enum(ANCHORS).nullable(),
  weight: z.number(),
  confidence: z.number(),
  points: z.number(),
  evidence: z.string(),
});

export const leadTriagedV1 = z.object({
  leadId: z.string(),
  assessmentId: z.string(),
  /**
   * The lead's public reference (TH-…): a consumer may see this event before the registration, which is on another
   * topic (optional, added after v1 was first published).
   */
  reference: z.string().nullable().optional(),
  status: leadStatusSchema,
  score: z.number(),
  band: bandSchema,
  previousBand: bandSchema.nullable(),
  checklist: checklistSchema,
  explanation: z.array(scoreLineSchema),
  gridIds: z.array(z.string()),
  streetCode: z.string().nullable(),
});
export type LeadTriagedV1 = z.infer<typeof leadTriagedV1>;

/**
 * Why the lead's holder (assignee, pool, deadline) changed. lead-assigned is published on every such change, for the
 * read models that show who holds a lead and by when; only some are news to people (notification's rules filter on it):
 * - ROUTED: triage routed the lead (to a pair, else the street or district pool); REOPENED: routed again after a reopen;
 * - REASSIGNED: a supervisor gave it to someone else;
 * - CLAIMED: someone took it up for review (its assignee, someone entitled from the pool, or a supervisor): the claimer
 *   holds it now, often the assignee it already had, with the opinion deadline;
 * - RELEASED: the assignee gave it back to the pool; RETURNED: the opinion was sent back for more work (same holder,
 *   new opinion deadline).
 */
export const ASSIGNMENT_REASONS = ['ROUTED', 'CLAIMED', 'RELEASED', 'REASSIGNED', 'RETURNED', 'REOPENED'] as const;
export type AssignmentReason = (typeof ASSIGNMENT_REASONS)[number];

export const leadAssignedV1 = z.object({
  leadId: z.string(),
  assessmentId: z.string(),
  /**
   * The lead's public reference (TH-…): a consumer may see this event before the registration, which is on another
   * topic (optional, added after v1 was first published).
   */
  reference: z.string().nullable().optional(),
  status: leadStatusSchema,
  assigneeId: z.string().nullable(),
  assigneeName: z.string().nullable(),
  pairingId: z.string().nullable(),
  partnerId: z.string().nullable(),
  pool: z.enum(['PAIR', 'STREET', 'DISTRICT']),
  reason: z.enum(ASSIGNMENT_REASONS),
  dueAt: isoDate.nullable(),
  /** Red band: the lead skips the queue (optional, added after v1 was first published). */
  priority: z.boolean().optional(),
  /** Street whose pool holds the lead when pool = STREET (optional). */
  poolStreetCode: z.string().nullable().optional(),
});
export type LeadAssignedV1 = z.infer<typeof leadAssignedV1>;

export const verificationRequestedV1 = z.object({
  leadId: z.string(),
  requestId: z.string(),
  status: leadStatusSchema,
  askedOf: z.string(),
  question: z.string(),
  dueAt: isoDate,
});
export const verificationAnsweredV1 = z.object({
  leadId: z.string(),
  requestId: z.string(),
  status: leadStatusSchema,
  answeredBy: z.string(),
  answer: z.string(),
  evidenceIds: z.array(z.string()),
});

export const opinionSubmittedV1 = z.object({
  leadId: z.string(),
  assessmentId: z.string(),
  status: leadStatusSchema,
  authorId: z.string(),
  recommendation: z.enum(RECOMMENDATIONS),
  category: categorySchema,
  legalBasis: z.array(z.string()),
  reasoning: z.string(),
});

/** The decision of an officer with canCertify; escalation opens disposal from it. */
export const leadDecidedV1 = z.object({
  leadId: z.string(),
  assessmentId: z.string(),
  status: leadStatusSchema,
  decidedBy: z.string(),
  decision: z.enum(RECOMMENDATIONS),
  category: categorySchema,
  band: bandSchema,
  legalBasis: z.array(z.string()),
  reasoning: z.string(),
  /** Reply text for the reporter when the decision closes the lead. */
  feedback: z.string().nullable(),
  gridIds: z.array(z.string()),
  streetCode: z.string().nullable(),
  /** Registered address of the main subject: decides jurisdiction (Reg. Art. 20). */
  subjectRegisteredAddress: z.string().nullable(),
});
export type LeadDecidedV1 = z.infer<typeof leadDecidedV1>;

/** Any other workflow transition (return for more work, release, reopen…), for read models and audit timelines. */
export const leadTransitionedV1 = z.object({
  leadId: z.string(),
  status: leadStatusSchema,
  from: leadStatusSchema.nullable(),
  action: z.string(),
  reason: z.string().nullable(),
});

/**
 * Immediate alert to the people named in `notify` (e.g. a red-band lead alerts the district supervisors at once,
 * before anyone has claimed it). Notification delivers it; read models may flag the lead.
 */
export const leadAlertedV1 = z.object({
  leadId: z.string(),
  assessmentId: z.string(),
  /**
   * The lead's public reference (TH-…): a consumer may see this event before the registration, which is on another
   * topic (optional, added after v1 was first published).
   */
  reference: z.string().nullable().optional(),
  status: leadStatusSchema,
  kind: z.enum(['RED_BAND', 'BAND_RAISED']),
  band: bandSchema,
  score: z.number(),
  reason: z.string(),
  notify: z.array(z.object({ personId: z.string(), role: roleSchema.nullable() })),
  gridIds: z.array(z.string()),
  streetCode: z.string().nullable(),
});
export type LeadAlertedV1 = z.infer<typeof leadAlertedV1>;

/** Deadline reminder or breach, with the ladder step reached (0 = reminder to the assignee). */
export const deadlineEventSchema = z.object({
  leadId: z.string(),
  deadlineId: z.string(),
  kind: z.string(),
  dueAt: isoDate,
  step: z.number().int().nonnegative(),
  notify: z.array(z.object({ personId: z.string(), role: roleSchema.nullable() })),
  legalBasis: z.string().nullable(),
});
export type DeadlineEvent = z.infer<typeof deadlineEventSchema>;

export const personSchema = z.object({
  id: z.string(),
  name: z.string(),
  roles: z.array(roleSchema),
  canCertify: z.boolean(),
  unit: z.string().nullable(),
  institution: z.string().nullable(),
  /** Branch of the volunteer's institution (optional, added after v1). */
  branch: z.string().nullable().optional(),
  volunteerRoles: z.array(z.enum(['SPEAKER', 'MONITOR', 'ACTION', 'ASSISTANT'])),
  streetCodes: z.array(z.string()),
  gridIds: z.array(z.string()),
  phone: z.string().nullable(),
  email: z.string().nullable(),
  active: z.boolean(),
});
export type Person = z.infer<typeof personSchema>;

export const pairingSchema = z.object({
  id: z.string(),
  volunteerId: z.string(),
  sentinelId: z.string(),
  gridIds: z.array(z.string()),
  agreementSignedAt: isoDate.nullable(),
  status: z.enum(['ACTIVE', 'SUSPENDED', 'ENDED']),
});
export type Pairing = z.infer<typeof pairingSchema>;

/** Roster changes, event-carried state transfer for gateway and notification (key = person or pairing id). */
export const rosterChangedV1 = z.discriminatedUnion('entity', [
  z.object({ entity: z.literal('person'), person: personSchema, deleted: z.boolean() }),
  z.object({ entity: z.literal('pairing'), pairing: pairingSchema, deleted: z.boolean() }),
]);
export type RosterChangedV1 = z.infer<typeof rosterChangedV1>;
