import type { Actor } from '@outpost/contracts';
import { conditionHolds, memoryDirectory, planNotifications } from './notification-planner';
import type { Contact, LeadRef, Rule } from './rule.types';

const person = (personId: string, roles: string[], o: Partial<Contact> = {}): Contact => ({
  personId,
  name: personId,
  email: `${personId}@example.cn`,
  phone: '13800000000',
  roles,
  streetCodes: [],
  gridIds: [],
  active: true,
  locale: 'zh-CN',
  ...o,
});
const dir = memoryDirectory(
  [
    person('p-sentinel-1', ['SENTINEL'], { gridIds: ['G-440106001-C01'] }),
    person('p-volunteer-1', ['VOLUNTEER'], { phone: null }),
    person('p-street-1', ['STREET_RESPONSIBLE'], { streetCodes: ['440106001'] }),
    person('p-street-2', ['STREET_RESPONSIBLE'], { streetCodes: ['440106002'] }),
    person('p-supervisor-1', ['SUPERVISOR']),
    person('p-supervisor-2', ['SUPERVISOR'], { active: false }),
    person('p-officer-1', ['OFFICER'], { email: null }),
  ],
  [{ volunteerId: 'p-volunteer-1', sentinelId: 'p-sentinel-1', gridIds: ['G-440106001-C01'], status: 'ACTIVE' }],
);
const lead: LeadRef = {
  leadId: 'L1',
  reference: 'TH-20260316-000001',
  sourceId: 'src-1',
  sourceChannel: 'PATROL',
  streetCode: '440106001',
  gridIds: ['G-440106001-C01'],
  band: 'red',
  assigneeId: 'p-sentinel-1',
  partnerId: null,
  filedBy: null,
  reporterContactable: true,
  status: 'ASSIGNED',
};
const rule = (id: string, o: Partial<Rule>): Rule => ({
  id,
  eventType: 'assessment.lead-assigned.v1',
  audience: 'ASSIGNEE',
  audienceParam: null,
  channels: ['INBOX'],
  urgent: false,
  digest: false,
  condition: {},
  active: true,
  description: '',
  ...o,
});
const system: Actor = { type: 'system', name: 'router' };
const keys = (plan: ReturnType<typeof planNotifications>) =>
  plan.deliveries
    .map(
      (d) => `${d.recipient.kind === 'person' ? d.recipient.personId : `source:${d.recipient.sourceId}`}|${d.channel}`,
    )
    .sort();

describe('rule conditions', () => {
  it('matches every listed field against any of its values; absent fields count as null', () => {
    expect(conditionHolds({ band: ['red'] }, { band: 'red' })).toBe(true);
    expect(conditionHolds({ band: ['red'], pool: ['STREET'] }, { band: 'red', pool: 'PAIR' })).toBe(false);
    expect(conditionHolds({ priority: [true] }, {})).toBe(false);
    expect(conditionHolds({ priority: [null, false] }, {})).toBe(true);
    expect(conditionHolds({ 'placement.streetCode': ['440106001'] }, { placement: { streetCode: '440106001' } })).toBe(
      true,
    );
  });
});

describe('planNotifications', () => {
  it('sends an assignment to the assignee and the pair partner found through the pairing', () => {
    const plan = planNotifications(
      [rule('a', { channels: ['INBOX', 'EMAIL'] }), rule('b', { audience: 'PAIR_PARTNER' })],
      { type: 'assessment.lead-assigned.v1', payload: { assigneeId: 'p-sentinel-1', partnerId: null }, actor: system },
      lead,
      dir,
    );
    expect(keys(plan)).toEqual(['p-sentinel-1|EMAIL', 'p-sentinel-1|INBOX', 'p-volunteer-1|INBOX']);
  });

  it('sends breaches to active supervisors and to the notify list, merged per recipient and channel, urgent wins', () => {
    const plan = planNotifications(
      [
        rule('sup', {
          eventType: 'assessment.deadline-breached.v1',
          audience: 'SUPERVISORS',
          channels: ['INBOX', 'SMS'],
          urgent: true,
        }),
        rule('list', {
          eventType: 'assessment.deadline-breached.v1',
          audience: 'NOTIFY_LIST',
          channels: ['INBOX'],
          digest: true,
        }),
      ],
      {
        type: 'assessment.deadline-breached.v1',
        payload: {
          notify: [
            { personId: 'p-supervisor-1', role: 'SUPERVISOR' },
            { personId: 'p-street-1', role: null },
          ],
        },
        actor: system,
      },
      lead,
      dir,
    );
    expect(keys(plan)).toEqual(['p-street-1|INBOX', 'p-supervisor-1|INBOX', 'p-supervisor-1|SMS']);
    const supInbox = plan.deliveries.find(
      (d) => d.recipient.kind === 'person' && d.recipient.personId === 'p-supervisor-1' && d.channel === 'INBOX',
    )!;
    expect(supInbox).toMatchObject({ urgent: true, digest: false, ruleIds: ['sup', 'list'] });
  });

  it('applies conditions (red band only) and street scoping for the street responsible person', () => {
    const rules = [
      rule('red', { eventType: 'assessment.lead-triaged.v1', audience: 'SUPERVISORS', condition: { band: ['red'] } }),
      rule('street', { eventType: 'assessment.lead-triaged.v1', audience: 'STREET_RESPONSIBLE' }),
    ];
    const orange = planNotifications(
      rules,
      { type: 'assessment.lead-triaged.v1', payload: { band: 'orange', streetCode: '440106002' }, actor: system },
      lead,
      dir,
    );
    expect(keys(orange)).toEqual(['p-street-2|INBOX']);
    const red = planNotifications(
      rules,
      { type: 'assessment.lead-triaged.v1', payload: { band: 'red', streetCode: null }, actor: system },
      lead,
      dir,
    );
    expect(keys(red)).toEqual(['p-street-1|INBOX', 'p-supervisor-1|INBOX']);
  });

  it('reaches source systems only by webhook, people never by webhook, and skips missing addresses', () => {
    const plan = planNotifications(
      [
        rule('src', {
          eventType: 'escalation.lead-closed.v1',
          audience: 'SOURCE_SYSTEM',
          channels: ['WEBHOOK', 'EMAIL'],
        }),
        rule('off', {
          eventType: 'escalation.lead-closed.v1',
          audience: 'ROLE',
          audienceParam: 'OFFICER',
          channels: ['EMAIL', 'WEBHOOK', 'INBOX'],
        }),
      ],
      { type: 'escalation.lead-closed.v1', payload: { status: 'CLOSED' }, actor: system },
      lead,
      dir,
    );
    expect(keys(plan)).toEqual(['p-officer-1|INBOX', 'source:src-1|WEBHOOK']);
  });

  it('never notifies the person who caused the event, nor inactive people', () => {
    const claimed: Actor = { type: 'user', userId: 'p-sentinel-1', role: 'SENTINEL' };
    const plan = planNotifications(
      [rule('a', {}), rule('s', { audience: 'SUPERVISORS' })],
      { type: 'assessment.lead-assigned.v1', payload: { assigneeId: 'p-sentinel-1' }, actor: claimed },
      lead,
      dir,
    );
    expect(keys(plan)).toEqual(['p-supervisor-1|INBOX']);
  });

  it('hands reporter feedback to intake only for a contactable reporter and never makes the reporter a recipient', () => {
    const rules = [
      rule('rep', { eventType: 'escalation.lead-closed.v1', audience: 'REPORTER', channels: ['INTAKE_RELAY'] }),
    ];
    const e = { type: 'escalation.lead-closed.v1', payload: {}, actor: system };
    expect(planNotifications(rules, e, lead, dir)).toEqual({ deliveries: [], reporterFeedback: true });
    expect(planNotifications(rules, e, { ...lead, reporterContactable: false }, dir).reporterFeedback).toBe(false);
  });

  it('digests only e-mail/SMS, and a digest rule does not hold back an item another rule wants now', () => {
    const plan = planNotifications(
      [
        rule('d', { channels: ['INBOX', 'EMAIL'], digest: true }),
        rule('s', { audience: 'PERSON_FIELD', audienceParam: 'askedOf', channels: ['EMAIL'] }),
      ],
      {
        type: 'assessment.lead-assigned.v1',
        payload: { assigneeId: 'p-sentinel-1', askedOf: 'p-sentinel-1' },
        actor: system,
      },
      lead,
      dir,
    );
    expect(plan.deliveries.map((d) => [d.channel, d.digest])).toEqual([
      ['INBOX', false],
      ['EMAIL', false],
    ]);
    const digestOnly = planNotifications(
      [rule('d', { channels: ['INBOX', 'EMAIL'], digest: true })],
      { type: 'assessment.lead-assigned.v1', payload: {}, actor: system },
      lead,
      dir,
    );
    expect(digestOnly.deliveries.map((d) => [d.channel, d.digest])).toEqual([
      ['INBOX', false],
      ['EMAIL', true],
    ]);
  });
});
