/** The reporter identity intake seals in lead.reporter_sealed (register-lead usecase). */
export interface ReporterIdentity {
  name: string | null;
  phone: string | null;
  contact: string | null;
  firstReport?: boolean | null;
}

export const FEEDBACK_CHANNELS = ['SMS', 'EMAIL'] as const;
export type FeedbackChannel = (typeof FEEDBACK_CHANNELS)[number];

/** Where the outcome can reach the reporter. `to` is personal data: never log it, never store it in clear. */
export interface ReporterAddress {
  channel: FeedbackChannel;
  to: string;
}

export type NotReachable = 'ANONYMOUS' | 'NO_USABLE_CONTACT';

export type ReporterReach = { reachable: true; address: ReporterAddress } | { reachable: false; why: NotReachable };

const EMAIL = /^[^\s@<>()[\],;:"]+@[^\s@<>()[\],;:"]+\.[^\s@<>()[\],;:".]{2,}$/;
/** Mainland mobile numbers (11 digits, 13x–19x), optionally written with +86 / 0086 / 86. */
const CN_MOBILE = /^(?:(?:\+|00)?86)?(1[3-9]\d{9})$/;
/** Other countries' numbers only in international form (+ and 8–15 digits); a landline cannot take an SMS. */
const INTERNATIONAL = /^\+(?!86)[1-9]\d{7,14}$/;

/** A number that can receive an SMS, normalised for the gateway (mainland: 11 digits), or null. */
export function smsNumberOf(text: string | null | undefined): string | null {
  if (!text) return null;
  const compact = text.trim().replace(/[\s()-]/g, '');
  const cn = CN_MOBILE.exec(compact);
  if (cn) return cn[1]!;
  return INTERNATIONAL.test(compact) ? compact : null;
}

export function emailOf(text: string | null | undefined): string | null {
  const t = text?.trim() ?? '';
  return EMAIL.test(t) ? t : null;
}

/**
 * How to tell the reporter the outcome, decided from what they left: a mobile number (the phone field, else a
 * phone-like contact field) → SMS; an e-mail-like contact → e-mail; anything else (WeChat id, landline, address
 * text) is not a channel we can send on.
 */
export function reachOf(identity: ReporterIdentity | null): ReporterReach {
  if (!identity) return { reachable: false, why: 'ANONYMOUS' };
  const sms = smsNumberOf(identity.phone) ?? smsNumberOf(identity.contact);
  if (sms) return { reachable: true, address: { channel: 'SMS', to: sms } };
  const email = emailOf(identity.contact) ?? emailOf(identity.phone);
  if (email) return { reachable: true, address: { channel: 'EMAIL', to: email } };
  return { reachable: false, why: 'NO_USABLE_CONTACT' };
}

/** Replaces every occurrence of the reporter's contact (as stored and as normalised) in a provider's error text. */
export function scrubContact(text: string, identity: ReporterIdentity | null): string {
  const secrets = [
    identity?.phone,
    identity?.contact,
    identity?.name,
    smsNumberOf(identity?.phone),
    smsNumberOf(identity?.contact),
  ]
    .map((s) => s?.trim())
    .filter((s): s is string => !!s && s.length >= 3)
    .sort((a, b) => b.length - a.length);
  let out = text;
  for (const s of secrets) out = out.split(s).join('[redacted]');
  // A mobile number the provider reformatted (e.g. +86 13800001234 → 8613800001234) still ends with the 11 digits.
  return out.replace(/1[3-9]\d{9}/g, '[redacted]').replace(/[^\s@<>"']+@[^\s@<>"']+/g, '[redacted]');
}
