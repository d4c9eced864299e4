import type { Actor, PayloadOf } from '@outpost/contracts';
import { eventually, handledByConsumer, leadAssignedPayload } from '@outpost/testing';
import { v7 as uuidv7 } from 'uuid';
import { ADMIN, Harness, personPrincipal, referenceOf } from './support/notification.harness';
import { HttpReceiver } from './support/http-receiver';
import { SmtpSink } from './support/smtp-sink';

jest.setTimeout(120_000);

const VOLUNTEER: Actor = { type: 'user', userId: 'p-volunteer-1', role: 'VOLUNTEER' };
const OFFICER: Actor = { type: 'user', userId: 'p-officer-1', role: 'OFFICER' };
const SUPERVISOR: Actor = { type: 'user', userId: 'p-supervisor-1', role: 'SUPERVISOR' };
const ROUTER: Actor = { type: 'system', name: 'router' };

type Assigned = PayloadOf<'assessment.lead-assigned.v1'>;

/**
 * assessment.lead-assigned.v1 travels on every change of a lead's holder, with its reason. Only a new holder is news:
 * the walk found the pair's sentinel told 「新线索 … 已分派」 twice (first with the claim deadline, then with the opinion
 * deadline) because the volunteer claimed the lead the routing had given them.
 */
describe('notification: who hears of a lead-assigned event depends on why the holder changed (real stack)', () => {
  const smtp = new SmtpSink();
  const sms = new HttpReceiver();
  let h: Harness;

  beforeAll(async () => {
    await Promise.all([smtp.start(), sms.start()]);
    h = await Harness.start({ smtp, sms });
    await h.seedRosterAndWait();
  });

  afterAll(async () => {
    await h?.close();
    await Promise.all([smtp.stop(), sms.stop()]);
  });

  /** The lead-assigned items in `personId`'s inbox about the lead, oldest first. */
  const assignmentItems = async (personId: string, role: 'SENTINEL' | 'VOLUNTEER' | 'OFFICER', leadId: string) => {
    const res = await h.request('GET', '/v1/inbox?limit=100', personPrincipal(personId, [role]));
    expect(res.statusCode).toBe(200);
    return (res.json() as { items: Array<{ leadId: string; eventType: string; title: string; body: string }> }).items
      .filter((i) => i.leadId === leadId && i.eventType === 'assessment.lead-assigned.v1')
      .reverse();
  };

  /** Publishes the event as assessment does, and waits until notification has handled it (its inbox row committed). */
  const assigned = async (leadId: string, o: Partial<Assigned>, actor: Actor) => {
    const env = await h.produce(
      'assessment.lead-assigned.v1',
      leadAssignedPayload(leadId, {
        reference: referenceOf(leadId),
        status: 'ASSIGNED',
        assigneeId: 'p-volunteer-1',
        assigneeName: '林二',
        pairingId: 'pair-1',
        partnerId: 'p-sentinel-1',
        pool: 'PAIR',
        ...o,
      }),
      { actor },
    );
    await handledByConsumer((text, params) => h.sql(text, params), [env.id]);
    return env;
  };

  it('seeds the assignment rules with the reasons that are news to their audience', async () => {
    const res = await h.request('GET', '/v1/rules?eventType=assessment.lead-assigned.v1', ADMIN);
    const rules = (res.json() as { items: Array<{ id: string; condition: Record<string, unknown[]> }> }).items;
    expect(Object.fromEntries(rules.map((r) => [r.id, r.condition]))).toEqual({
      'assigned-assignee': { reason: ['ROUTED', 'REASSIGNED', 'REOPENED'] },
      'assigned-assignee-priority': { priority: [true], reason: ['ROUTED', 'REASSIGNED', 'REOPENED'] },
      'assigned-partner': { reason: ['ROUTED', 'REASSIGNED', 'REOPENED'] },
      'assigned-street-pool': { pool: ['STREET'], reason: ['ROUTED', 'RELEASED', 'REOPENED'] },
    });
  });

  it('after a claim the sentinel has no second 已分派 item; a reassignment still reaches the new assignee', async () => {
    const leadId = `lead-${uuidv7()}`;
    const reference = referenceOf(leadId);
    await h.registeredAndKnown(leadId);

    // Routed to pair-1 with the claim deadline: volunteer and sentinel are told.
    await assigned(leadId, { reason: 'ROUTED', dueAt: '2026-12-01T02:00:00Z' }, ROUTER);
    const first = await assignmentItems('p-sentinel-1', 'SENTINEL', leadId);
    expect(first.map((i) => i.title)).toEqual([`新线索 ${reference} 已分派`]);
    expect(first[0]!.body).toContain('办理期限：2026-12-01 10:00');
    expect((await assignmentItems('p-volunteer-1', 'VOLUNTEER', leadId)).map((i) => i.title)).toEqual([
      `新线索 ${reference} 已分派`,
    ]);

    // The volunteer claims it (same holder, now with the opinion deadline): nobody is told of a new assignment.
    const claim = await assigned(
      leadId,
      { reason: 'CLAIMED', status: 'IN_REVIEW', dueAt: '2026-12-03T02:00:00Z' },
      VOLUNTEER,
    );
    // An opinion returned for more work moves the deadline again, the holder stays: no assignment news either.
    const back = await assigned(
      leadId,
      { reason: 'RETURNED', status: 'IN_REVIEW', dueAt: '2026-12-05T02:00:00Z' },
      OFFICER,
    );
    expect((await assignmentItems('p-sentinel-1', 'SENTINEL', leadId)).map((i) => i.title)).toEqual([
      `新线索 ${reference} 已分派`,
    ]);
    expect((await assignmentItems('p-volunteer-1', 'VOLUNTEER', leadId)).map((i) => i.title)).toEqual([
      `新线索 ${reference} 已分派`,
    ]);
    // Nor by any other channel: neither event planned a delivery at all.
    expect(
      await h.sql(`SELECT recipient, channel FROM delivery WHERE event_id = ANY($1::uuid[])`, [[claim.id, back.id]]),
    ).toEqual([]);

    // A supervisor reassigns it to an officer: the new assignee hears of it by inbox and e-mail, in words.
    await assigned(
      leadId,
      {
        reason: 'REASSIGNED',
        status: 'ASSIGNED',
        assigneeId: 'p-officer-1',
        assigneeName: '张三',
        pairingId: null,
        partnerId: null,
        dueAt: '2026-12-06T02:00:00Z',
      },
      SUPERVISOR,
    );
    const officer = await assignmentItems('p-officer-1', 'OFFICER', leadId);
    expect(officer.map((i) => [i.title, i.body])).toEqual([
      [`线索 ${reference} 已改派`, `线索 ${reference} 已改派，请及时核查处理。办理期限：2026-12-06 10:00。`],
    ]);
    const mail = await eventually(
      () => smtp.to('p-officer-1@outpost.test').find((m) => m.subject.includes(reference)),
      30_000,
    );
    expect(mail.subject).toBe(`【前哨】线索 ${reference} 已改派`);
    // Still one 已分派 for the sentinel, whatever followed.
    expect((await assignmentItems('p-sentinel-1', 'SENTINEL', leadId)).map((i) => i.title)).toEqual([
      `新线索 ${reference} 已分派`,
    ]);
  });

  it('a lead released to the street pool reaches the street responsible person, not the pair', async () => {
    const leadId = `lead-${uuidv7()}`;
    const reference = referenceOf(leadId);
    await h.registeredAndKnown(leadId);
    await assigned(leadId, { reason: 'ROUTED', dueAt: '2026-12-01T02:00:00Z' }, ROUTER);
    await assigned(
      leadId,
      {
        reason: 'RELEASED',
        status: 'TRIAGED',
        assigneeId: null,
        assigneeName: null,
        pool: 'STREET',
        poolStreetCode: '440106001',
        dueAt: '2026-12-02T02:00:00Z',
      },
      VOLUNTEER,
    );
    const street = await h.request('GET', '/v1/inbox?limit=100', personPrincipal('p-street-1', ['STREET_RESPONSIBLE']));
    expect(
      (street.json() as { items: Array<{ leadId: string; eventType: string; title: string }> }).items
        .filter((i) => i.leadId === leadId && i.eventType === 'assessment.lead-assigned.v1')
        .map((i) => i.title),
    ).toEqual([`线索 ${reference} 退回队列待认领`]);
    // The released event still names the old partner (assessment keeps the pairing): the sentinel hears nothing new.
    expect((await assignmentItems('p-sentinel-1', 'SENTINEL', leadId)).map((i) => i.title)).toEqual([
      `新线索 ${reference} 已分派`,
    ]);
  });
});
