import { z } from 'zod';

export const deliveryFailedV1 = z.object({
  leadId: z.string().nullable(),
  deliveryId: z.string(),
  channel: z.enum(['INBOX', 'EMAIL', 'SMS', 'WEBHOOK']),
  recipient: z.string(),
  sourceEventId: z.string(),
  attempts: z.number().int(),
  error: z.string(),
  deadLettered: z.boolean(),
});
export type DeliveryFailedV1 = z.infer<typeof deliveryFailedV1>;

/**
 * HOOK for the public reporter (DOMAIN: reporter identity never leaves intake). Notification decides THAT a contactable
 * reporter should hear the outcome and WHAT they may read (the officer's reporterFeedback text only, never internal
 * detail); intake, which alone holds the encrypted contact details, consumes this event and sends it (SMS/e-mail) to
 * the reporter. Notification never sees, stores or logs who the reporter is.
 */
export const reporterFeedbackRequestedV1 = z.object({
  leadId: z.string(),
  /** Public lead reference, e.g. TH-20261127-000123 (null when notification never saw the registration). */
  reference: z.string().nullable(),
  /** The event that carried the outcome (escalation.lead-closed.v1 id): intake dedupes on it. */
  sourceEventId: z.string(),
  outcome: z.string(),
  /** Text written for the reporter by the closing officer. */
  feedback: z.string(),
});
export type ReporterFeedbackRequestedV1 = z.infer<typeof reporterFeedbackRequestedV1>;

/**
 * A new in-app inbox item for one person (written in the same transaction as the item). The gateway pushes it live to
 * that person's open browser sessions. Only the item's structured title travels: never the body, reporter identity or
 * bank-sensitive fields. Key = leadId when there is one (else the item id).
 */
export const inboxItemAddedV1 = z.object({
  itemId: z.string(),
  /** Roster person id of the recipient (the only person who may see the item). */
  personId: z.string(),
  /** Type of the domain event the item tells about, e.g. assessment.lead-assigned.v1. */
  eventType: z.string(),
  leadId: z.string().nullable(),
  title: z.string(),
  urgent: z.boolean(),
  createdAt: z.string(),
});
export type InboxItemAddedV1 = z.infer<typeof inboxItemAddedV1>;
