import { EventConsumer } from '@outpost/messaging';
import { DataSource } from 'typeorm';
import { TriageLeadUsecase } from '../src/triage/usecases/triage-lead.usecase';
import { AssessmentRepository } from '../src/workflow/assessment.repository';
import { as, RED_ESTIMATES, registered, startHarness, type Harness } from './support/harness';

jest.setTimeout(120_000);

const MONDAY_10AM = new Date('2026-03-16T10:00:00+08:00');

/**
 * A consumer batch routes its leads in one pass at the end of the batch (RoutingService.routeMany). Each lead must get
 * exactly the pair it would get if the leads were routed one at a time in the same order: two copies of one roster
 * (same shape, fresh pairings) take the same lead sequence, one lead per transaction on one copy, one batch on the other.
 */
describe('assessment: routing a consumer batch at once (real Postgres, Redis, Kafka)', () => {
  let h: Harness;
  let ds: DataSource;
  let triage: TriageLeadUsecase;
  let consumer: EventConsumer;
  let assessments: AssessmentRepository;

  beforeAll(async () => {
    h = await startHarness('batch-routing', { start: MONDAY_10AM });
    ds = h.app.get(DataSource);
    triage = h.app.get(TriageLeadUsecase);
    consumer = h.app.get(EventConsumer);
    assessments = h.app.get(AssessmentRepository);
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Three pairings over two grids of one street: x-1 on the first, x-2 on both, x-3 on the second. */
  async function roster(prefix: string, street: string) {
    const [g1, g2] = [`G-440106${street}-C07`, `G-440106${street}-C08`];
    const admin = await as('p-admin-1');
    const pairings = [
      { n: 1, volunteerId: 'p-volunteer-1', gridIds: [g1] },
      { n: 2, volunteerId: 'p-volunteer-2', gridIds: [g1, g2] },
      { n: 3, volunteerId: 'p-volunteer-3', gridIds: [g2] },
    ];
    for (const p of pairings) {
      const res = await h.app.inject({
        method: 'POST',
        url: '/v1/roster/pairings',
        headers: { authorization: admin },
        payload: { id: `${prefix}-${p.n}`, volunteerId: p.volunteerId, sentinelId: 'p-sentinel-1', gridIds: p.gridIds },
      });
      expect(res.statusCode).toBe(201);
    }
    return { g1, g2 };
  }

  /** The same sequence of leads for either copy: which grids each lies on, and one red lead (priority, same rule). */
  const SEQUENCE: Array<{ grids: Array<'g1' | 'g2'>; red?: boolean }> = [
    { grids: ['g1'] },
    { grids: ['g2'] },
    { grids: ['g1', 'g2'] },
    { grids: ['g1'] },
    { grids: ['g1'], red: true },
    { grids: ['g2'] },
    { grids: ['g2'] },
    { grids: ['g1', 'g2'] },
    { grids: ['g1'] },
    { grids: ['g2'] },
    { grids: ['g1'] },
    { grids: ['g1', 'g2'] },
  ];

  function leads(prefix: string, g: { g1: string; g2: string }) {
    return SEQUENCE.map((s, i) => {
      const lead = registered(`lead-${prefix}-${i}`, g[s.grids[0]!], s.red ? { estimates: RED_ESTIMATES } : {});
      return { ...lead, placement: { ...lead.placement, gridIds: s.grids.map((k) => g[k]) } };
    });
  }

  async function routed(prefix: string, n: number) {
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const a = await assessments.find(ds.manager, `lead-${prefix}-${i}`);
      out.push(`${a?.status}:${a?.pool}:${a?.pairingId?.replace(`${prefix}-`, '') ?? '-'}:${a?.priority}`);
    }
    return out;
  }

  it('gives every lead of a batch the pair one-at-a-time routing in the same order gives it', async () => {
    const one = leads('seq', await roster('seq', '006'));
    for (const lead of one) {
      await ds.transaction((tx) => triage.registered(tx, lead));
      h.clock.advance(1); // one at a time, each routing sees a later clock
    }
    const batch = leads('bat', await roster('bat', '005'));
    await ds.transaction((tx) =>
      consumer.withBatchEnd(tx, async () => {
        for (const lead of batch) await triage.registered(tx, lead);
        await triage.registered(tx, batch[0]!); // the same lead registered again (another event id): ignored
      }),
    );

    const expected = await routed('seq', SEQUENCE.length);
    expect(await routed('bat', SEQUENCE.length)).toEqual(expected);
    // The sequence exercised the rule: every pairing was chosen, and a red lead kept its priority.
    expect(new Set(expected.map((x) => x.split(':')[2]))).toEqual(new Set(['1', '2', '3']));
    expect(expected[4]).toMatch(/^ASSIGNED:PAIR:\d:true$/);
    // The batch was one routing pass: one assignment time, spaced by a microsecond in routing order.
    const times: Array<{ us: string }> = await ds.query(
      `SELECT (extract(epoch FROM assigned_at) * 1000000)::bigint::text AS us FROM assessment
       WHERE lead_id LIKE 'lead-bat-%' ORDER BY assigned_at`,
    );
    const first = BigInt(times[0]!.us);
    expect(times.map((t) => BigInt(t.us) - first)).toEqual(SEQUENCE.map((_, i) => BigInt(i)));
    // One CLAIM deadline per lead, with the same timers armed as one at a time.
    const armed = async (prefix: string) =>
      ds.query(
        `SELECT (SELECT count(*) FROM deadline WHERE lead_id LIKE $1 AND stage = 'CLAIM' AND status = 'RUNNING')::int AS deadlines,
                (SELECT count(*) FROM timer WHERE subject_id LIKE $1 AND status = 'PENDING')::int AS timers`,
        [`lead-${prefix}-%`],
      );
    expect(await armed('bat')).toEqual(await armed('seq'));
    expect((await armed('bat'))[0]).toMatchObject({ deadlines: SEQUENCE.length });
    // Every lead's trail, in order, as one at a time (the repeated registration left nothing).
    const trail = async (prefix: string) =>
      (
        (await ds.query(
          `SELECT string_agg(action, ',' ORDER BY chain, seq) AS actions FROM audit_log WHERE lead_id LIKE $1
           GROUP BY lead_id ORDER BY split_part(lead_id, '-', 3)::int`,
          [`lead-${prefix}-%`],
        )) as Array<{ actions: string }>
      ).map((r) => r.actions);
    expect(await trail('bat')).toEqual(await trail('seq'));
    expect((await trail('bat'))[4]).toBe('lead.triaged,lead.assigned,lead.alerted');
  });
});
