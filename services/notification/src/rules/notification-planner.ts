import type { Actor } from '@outpost/contracts';
import type { Contact, DeliveryChannel, LeadRef, Recipient, Rule, RuleCondition } from './rule.types';
import { recipientKey } from './rule.types';

/** The roster copy as the planner sees it (loaded from `contact`/`pairing`; an in-memory one in unit tests). */
export interface Directory {
  person(id: string): Contact | undefined;
  withRole(role: string): Contact[];
  /** The other member of an active pairing of `personId` (on one of `gridIds` when given). */
  partnerOf(personId: string, gridIds: string[]): string | null;
}

export interface PlannedDelivery {
  recipient: Recipient;
  channel: DeliveryChannel;
  urgent: boolean;
  digest: boolean;
  ruleIds: string[];
}

export interface NotificationPlan {
  deliveries: PlannedDelivery[];
  /** A REPORTER rule matched and the lead has a contactable reporter: hand the feedback to intake. */
  reporterFeedback: boolean;
}

type Payload = Record<string, unknown>;

function field(payload: Payload, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Payload)[k] : undefined), payload);
}

/** Every listed field must hold one of its listed values (an absent field counts as null). */
export function conditionHolds(condition: RuleCondition, payload: Payload): boolean {
  return Object.entries(condition).every(([path, accepted]) => {
    const v = field(payload, path);
    return accepted.includes((v === undefined ? null : v) as string | number | boolean | null);
  });
}

export function matchingRules(rules: Rule[], eventType: string, payload: Payload): Rule[] {
  return rules.filter((r) => r.active && r.eventType === eventType && conditionHolds(r.condition, payload));
}

const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

/** The people (or source system) a rule addresses for this event. */
export function resolveAudience(rule: Rule, payload: Payload, lead: LeadRef | null, dir: Directory): Recipient[] {
  const people = (ids: Array<string | null>): Recipient[] =>
    ids.filter((id): id is string => !!id).map((personId) => ({ kind: 'person', personId }));
  const assignee = str(payload.assigneeId) ?? lead?.assigneeId ?? null;
  switch (rule.audience) {
    case 'ASSIGNEE':
      return people([assignee]);
    case 'PAIR_PARTNER': {
      const partner =
        str(payload.partnerId) ??
        (assignee ? dir.partnerOf(assignee, lead?.gridIds ?? []) : null) ??
        lead?.partnerId ??
        null;
      return people([partner]);
    }
    case 'STREET_RESPONSIBLE': {
      const street = str(payload.poolStreetCode) ?? str(payload.streetCode) ?? lead?.streetCode ?? null;
      if (!street) return [];
      return people(
        dir
          .withRole('STREET_RESPONSIBLE')
          .filter((c) => c.streetCodes.includes(street))
          .map((c) => c.personId),
      );
    }
    case 'SUPERVISORS':
      return people(dir.withRole('SUPERVISOR').map((c) => c.personId));
    case 'NOTIFY_LIST': {
      const list = Array.isArray(payload.notify) ? (payload.notify as Array<{ personId?: unknown }>) : [];
      return people(list.map((n) => str(n.personId)));
    }
    case 'SOURCE_SYSTEM':
      return lead?.sourceId ? [{ kind: 'source', sourceId: lead.sourceId }] : [];
    case 'FILER':
      return people([lead?.filedBy ?? null]);
    case 'PERSON_FIELD':
      return people([rule.audienceParam ? str(field(payload, rule.audienceParam)) : null]);
    case 'ROLE':
      return people(rule.audienceParam ? dir.withRole(rule.audienceParam).map((c) => c.personId) : []);
    case 'REPORTER':
      return []; // never a recipient of ours: see NotificationPlan.reporterFeedback
  }
}

/**
 * Decides who hears of an event by which channel: matching rules → audiences → recipients, merged per
 * (recipient, channel) (urgent if any rule says so; digested only if every rule says so and none is urgent). People
 * who are inactive, unknown, lack the address a channel needs, or caused the event themselves are left out; webhooks go
 * only to source systems and person channels only to people.
 */
export function planNotifications(
  rules: Rule[],
  event: { type: string; payload: unknown; actor: Actor },
  lead: LeadRef | null,
  dir: Directory,
): NotificationPlan {
  const payload = (event.payload ?? {}) as Payload;
  const merged = new Map<string, PlannedDelivery>();
  let reporterFeedback = false;
  for (const rule of matchingRules(rules, event.type, payload)) {
    if (rule.audience === 'REPORTER') {
      reporterFeedback ||= !!lead?.reporterContactable && rule.channels.includes('INTAKE_RELAY');
      continue;
    }
    for (const recipient of resolveAudience(rule, payload, lead, dir)) {
      if (recipient.kind === 'person') {
        if (event.actor.type === 'user' && event.actor.userId === recipient.personId) continue;
        const c = dir.person(recipient.personId);
        if (!c || !c.active) continue;
      }
      for (const channel of rule.channels) {
        if (channel === 'INTAKE_RELAY') continue;
        if ((channel === 'WEBHOOK') !== (recipient.kind === 'source')) continue;
        if (recipient.kind === 'person') {
          const c = dir.person(recipient.personId)!;
          if (channel === 'EMAIL' && !c.email) continue;
          if (channel === 'SMS' && !c.phone) continue;
        }
        const key = `${recipientKey(recipient)}|${channel}`;
        const prev = merged.get(key);
        if (!prev) {
          merged.set(key, {
            recipient,
            channel,
            urgent: rule.urgent,
            digest: rule.digest && !rule.urgent,
            ruleIds: [rule.id],
          });
        } else {
          prev.urgent ||= rule.urgent;
          prev.digest = prev.digest && rule.digest && !prev.urgent;
          prev.ruleIds.push(rule.id);
        }
      }
    }
  }
  // Only interruptive channels are digested; an inbox item or a webhook is never held back.
  for (const d of merged.values()) if (d.channel !== 'EMAIL' && d.channel !== 'SMS') d.digest = false;
  return { deliveries: [...merged.values()], reporterFeedback };
}

/** A Directory over plain arrays (the consumer loads the roster copy; unit tests pass literals). */
export function memoryDirectory(
  contacts: Contact[],
  pairings: Array<{ volunteerId: string; sentinelId: string; gridIds: string[]; status: string }>,
): Directory {
  const byId = new Map(contacts.map((c) => [c.personId, c]));
  return {
    person: (id) => byId.get(id),
    withRole: (role) => contacts.filter((c) => c.active && c.roles.includes(role)),
    partnerOf: (personId, gridIds) => {
      const active = pairings.filter(
        (p) => p.status === 'ACTIVE' && (p.volunteerId === personId || p.sentinelId === personId),
      );
      const onGrid = active.find((p) => gridIds.length === 0 || p.gridIds.some((g) => gridIds.includes(g))) ?? null;
      if (!onGrid) return null;
      return onGrid.volunteerId === personId ? onGrid.sentinelId : onGrid.volunteerId;
    },
  };
}
