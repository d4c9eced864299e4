import type { DeliveryChannel } from '../rules/rule.types';

/**
 * PENDING → SENDING → SENT; SENDING → RETRYING → SENDING …; the last failure → DEAD (operator may replay → PENDING).
 * DIGEST: held for the daily digest → DIGESTED (covered by the digest e-mail). SKIPPED: nothing to send to (no
 * endpoint). UNCERTAIN: an e-mail whose worker died mid-send (see EMAIL_UNCERTAIN_POLICY), replayable by an operator.
 */
export const DELIVERY_STATUSES = [
  'PENDING',
  'SENDING',
  'RETRYING',
  'SENT',
  'DEAD',
  'UNCERTAIN',
  'SKIPPED',
  'DIGEST',
  'DIGESTED',
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const REPLAYABLE: DeliveryStatus[] = ['DEAD', 'UNCERTAIN', 'SKIPPED'];

export interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  leadId: string | null;
  /** `person:<id>` or `source:<id>`. */
  recipient: string;
  channel: DeliveryChannel;
  ruleIds: string[];
  urgent: boolean;
  status: DeliveryStatus;
  subject: string | null;
  body: string;
  notBefore: Date | null;
  attempts: number;
  lastError: string | null;
  providerId: string | null;
  digestId: string | null;
  createdAt: Date;
  updatedAt: Date;
  sentAt: Date | null;
}

export interface DeliveryHistoryEntry {
  status: string;
  at: Date;
  detail: string | null;
}
