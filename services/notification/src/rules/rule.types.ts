/** Who a rule addresses. Resolved per event against the lead's routing facts and the roster copy. */
export const AUDIENCES = [
  'ASSIGNEE', // the lead's assignee (from lead-assigned, kept in lead_ref)
  'PAIR_PARTNER', // the assignee's pairing partner (结对)
  'STREET_RESPONSIBLE', // 街道防非负责人 of the lead's (or pool's) street
  'SUPERVISORS', // every active SUPERVISOR (区打非办督办)
  'NOTIFY_LIST', // the people the event itself names in `notify` (deadline ladders, alerts)
  'SOURCE_SYSTEM', // the system that reported the lead, by signed webhook
  'REPORTER', // a contactable public reporter: handed to intake, which alone knows who they are
  'FILER', // the sentinel/volunteer who filed the lead through the gateway
  'PERSON_FIELD', // a person id carried in the payload field named by audience_param (e.g. askedOf)
  'ROLE', // every active person with the role in audience_param
] as const;
export type Audience = (typeof AUDIENCES)[number];

export const DELIVERY_CHANNELS = ['INBOX', 'EMAIL', 'SMS', 'WEBHOOK'] as const;
export type DeliveryChannel = (typeof DELIVERY_CHANNELS)[number];
/** INTAKE_RELAY: not a delivery of ours; the reporter's feedback goes to intake as an event. */
export const RULE_CHANNELS = [...DELIVERY_CHANNELS, 'INTAKE_RELAY'] as const;
export type RuleChannel = (typeof RULE_CHANNELS)[number];

/** Payload field → accepted values; every listed field must match (AND), any listed value (OR). */
export type RuleCondition = Record<string, Array<string | number | boolean | null>>;

export interface Rule {
  id: string;
  eventType: string;
  audience: Audience;
  audienceParam: string | null;
  channels: RuleChannel[];
  /** Urgent items bypass quiet hours and the digest (breaches, red band). */
  urgent: boolean;
  /** Non-urgent e-mail/SMS goes into the person's daily digest instead of being sent at once. */
  digest: boolean;
  condition: RuleCondition;
  active: boolean;
  description: string;
}

/** Routing facts about a lead, kept from earlier events (lead_ref). */
export interface LeadRef {
  leadId: string;
  reference: string | null;
  sourceId: string | null;
  sourceChannel: string | null;
  streetCode: string | null;
  gridIds: string[];
  band: string | null;
  assigneeId: string | null;
  partnerId: string | null;
  filedBy: string | null;
  reporterContactable: boolean;
  status: string | null;
}

export interface Contact {
  personId: string;
  name: string;
  email: string | null;
  phone: string | null;
  roles: string[];
  streetCodes: string[];
  gridIds: string[];
  active: boolean;
  locale: 'zh-CN' | 'en';
}

export type Recipient = { kind: 'person'; personId: string } | { kind: 'source'; sourceId: string };

/** The delivery log's recipient key: `person:<id>` or `source:<id>`. */
export function recipientKey(r: Recipient): string {
  return r.kind === 'person' ? `person:${r.personId}` : `source:${r.sourceId}`;
}

export function parseRecipientKey(key: string): Recipient {
  const i = key.indexOf(':');
  const kind = key.slice(0, i);
  const id = key.slice(i + 1);
  if (kind === 'person') return { kind, personId: id };
  if (kind === 'source') return { kind, sourceId: id };
  throw new Error(`bad recipient key ${key}`);
}
