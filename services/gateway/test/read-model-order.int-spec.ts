import type { EventEnvelope } from '@outpost/messaging';
import { eventually } from '@outpost/testing';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ReadModelConsumer } from '../src/read-model/read-model.consumer';
import { assigned, GatewayHarness, registered } from './support/gateway-harness';

interface Row {
  status: string | null;
  status_at: Date | null;
  closed_at: Date | null;
  reference: string | null;
  outcome: string | null;
  breach_count: number;
  breaches: number;
}

/**
 * The read model folds each lead change into one statement (fields, status guard, updated_at, NOTIFY): these are the
 * orders of arrival where the status guard, closed_at and the first-seen row insert meet.
 */
describe('gateway read model: status and closure whatever the order of arrival', () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await GatewayHarness.start();
  });
  afterAll(async () => h?.stop());

  const row = async (id: string): Promise<Row | undefined> =>
    (
      await h.query<Row>(
        `SELECT status, status_at, closed_at, reference, outcome, breach_count,
                jsonb_array_length(COALESCE(facts -> 'breaches', '[]'::jsonb))::int AS breaches
           FROM lead_view WHERE id = $1`,
        [id],
      )
    )[0];

  it('closes a lead and the lead linked into it, ignores older events arriving after, and reopens', async () => {
    const main = `lead-${randomUUID()}`;
    const linked = `lead-${randomUUID()}`;
    const t0 = Date.now();
    const at = (s: number) => new Date(t0 + s * 1000);

    // The events go to three topics and several partitions, each consumed on its own: they are applied in no set
    // order, whatever the order they were produced in. The view must come out the same.
    const events = [
      await h.produce('intake.lead-registered.v1', registered(main), { occurredAt: at(0) }),
      // The linked lead is first seen through the closure (its own registration arrives later, and is older).
      await h.produce(
        'escalation.lead-closed.v1',
        {
          leadId: main,
          caseId: null,
          status: 'CLOSED',
          outcome: 'NO_VIOLATION',
          summary: '经核查未发现违法',
          reporterFeedback: null,
          linkedLeadIds: [linked],
        },
        { occurredAt: at(3) },
      ),
      await h.produce(
        'assessment.lead-transitioned.v1',
        { leadId: main, status: 'IN_REVIEW', from: 'ASSIGNED', action: 'CLAIM', reason: null },
        { occurredAt: at(2) },
      ),
      await h.produce('intake.lead-registered.v1', registered(linked), { occurredAt: at(1) }),
    ];
    for (const step of [1, 2])
      events.push(
        await h.produce(
          'assessment.deadline-breached.v1',
          {
            leadId: main,
            deadlineId: 'dl-1',
            kind: 'ASSESSMENT_SLA',
            dueAt: at(0).toISOString(),
            step,
            notify: [],
            legalBasis: null,
          },
          { occurredAt: at(4) },
        ),
      );

    await h.applied(events);
    const [m, l] = [(await row(main))!, (await row(linked))!];
    expect(m).toMatchObject({ status: 'CLOSED', outcome: 'NO_VIOLATION', breach_count: 2, breaches: 2 });
    expect(m.closed_at?.getTime()).toBe(at(3).getTime());
    expect(m.status_at?.getTime()).toBe(at(3).getTime());
    expect(l).toMatchObject({ status: 'CLOSED', outcome: 'NO_VIOLATION' });
    expect(l.reference).not.toBeNull();
    expect(l.closed_at?.getTime()).toBe(at(3).getTime());

    await h.produce(
      'escalation.lead-reopened.v1',
      { leadId: main, caseId: null, status: 'REOPENED', reason: '举报人补充材料' },
      { occurredAt: at(5) },
    );
    const reopened = await eventually(async () => {
      const m = await row(main);
      return m?.status === 'REOPENED' ? m : undefined;
    }, 40000);
    expect(reopened.closed_at).toBeNull();
    expect(reopened.status_at?.getTime()).toBe(at(5).getTime());
  });
  it('shows what a linked report said, from its link event, and still links one whose event carries no facts', async () => {
    const primary = `lead-${randomUUID()}`;
    const linked = `lead-${randomUUID()}`;
    const older = `lead-${randomUUID()}`; // linked by an event published before the link carried the report's facts
    const own = registered(linked, {
      title: '又有居民反映鑫汇财富养老项目',
      description: '居民反映母亲被要求先交定金才能参加养老项目',
      sourceName: '12345 政务服务热线',
      sourceChannel: 'PUBLIC_REPORT',
    });
    const { leadId: _id, reference: _ref, estimates, screening, ...report } = own;
    const link = (id: string, facts?: typeof report) => ({
      leadId: primary,
      linkedLeadId: id,
      linkedReference: `TH-20260302-${id.slice(-6)}`,
      matchedOn: [{ key: 'name' as const, value: '广州鑫汇财富投资咨询有限公司' }],
      reportCount: 2,
      screening,
      newHits: [],
      estimates,
      ...(facts ? { report: facts } : {}),
    });
    const totals = async () =>
      (
        (
          await h.app.inject({
            method: 'GET',
            url: '/api/v1/dashboard',
            headers: { authorization: `Bearer ${await h.token('officer1')}` },
          })
        ).json() as { totals: { total: number; open: number; linked: number } }
      ).totals;
    const before = await totals();
    await h.applied([
      await h.produce('intake.lead-registered.v1', registered(primary)),
      await h.produce('intake.lead-linked.v1', link(linked, report)),
      await h.produce('intake.lead-linked.v1', link(older)),
    ]);
    // Three reports, one matter in progress: the linked ones are counted, but not as open work.
    const after = await totals();
    expect([after.total - before.total, after.open - before.open, after.linked - before.linked]).toEqual([3, 1, 2]);

    const view = async (id: string) =>
      (
        await h.query<Record<string, unknown>>(
          `SELECT status, linked_to, reference, title, description, source_name, source_channel, subject_names,
                  reported_at IS NOT NULL AS dated, facts -> 'placement' ->> 'streetName' AS street
             FROM lead_view WHERE id = $1`,
          [id],
        )
      )[0];
    expect(await view(linked)).toEqual({
      status: 'LINKED',
      linked_to: primary,
      reference: `TH-20260302-${linked.slice(-6)}`,
      title: '又有居民反映鑫汇财富养老项目',
      description: '居民反映母亲被要求先交定金才能参加养老项目',
      source_name: '12345 政务服务热线',
      source_channel: 'PUBLIC_REPORT',
      subject_names: '广州鑫汇财富投资咨询有限公司',
      dated: true,
      street: '沙河街',
    });
    // Found by what it said.
    expect(
      (await h.query<{ id: string }>(`SELECT id FROM lead_search WHERE search_text LIKE '%先交定金%'`)).map(
        (r) => r.id,
      ),
    ).toEqual([linked]);
    expect(await view(older)).toMatchObject({ status: 'LINKED', linked_to: primary, title: null });
    const [p] = await h.query<{ n: number }>(
      `SELECT jsonb_array_length(facts -> 'linkedReports')::int AS n FROM lead_view WHERE id = $1`,
      [primary],
    );
    expect(p!.n).toBe(2);
  });

  it("lists the cases in a given state (a head's approval queue) from escalation's case-state events", async () => {
    const waiting = `lead-${randomUUID()}`;
    const approved = `lead-${randomUUID()}`;
    const state = (leadId: string, action: string, from: string | null, to: string) =>
      h.produce('escalation.case-state-changed.v1', {
        leadId,
        caseId: `case-${leadId}`,
        caseNo: `TH-AJ-${leadId.slice(-6)}`,
        action,
        from,
        to,
        status: 'DISPOSING',
      });
    await h.applied([
      await h.produce('intake.lead-registered.v1', registered(waiting)),
      await h.produce('intake.lead-registered.v1', registered(approved)),
      await state(waiting, 'case-opened', null, 'REFERRAL_PENDING_APPROVAL'),
      await state(approved, 'case-opened', null, 'REFERRAL_PENDING_APPROVAL'),
      await state(approved, 'approve-referral', 'REFERRAL_PENDING_APPROVAL', 'REFERRAL_APPROVED'),
    ]);
    const list = async (query: string) =>
      h.app.inject({
        method: 'GET',
        url: `/api/v1/leads?${query}`,
        headers: { authorization: `Bearer ${await h.token('supervisor1')}` },
      });
    const pending = await list('caseState=REFERRAL_PENDING_APPROVAL');
    expect(pending.statusCode).toBe(200);
    expect((pending.json() as { items: Array<{ id: string; status: string }> }).items).toEqual([
      expect.objectContaining({ id: waiting, status: 'DISPOSING' }),
    ]);
    // A measure waiting for approval (the state stays ADMIN_CASE_FILED) is a head's work too, until approved.
    const measured = `lead-${randomUUID()}`;
    const step = (pendingApprovals: number) =>
      h.produce('escalation.case-state-changed.v1', {
        leadId: measured,
        caseId: `case-${measured}`,
        caseNo: 'TH-AJ-000002',
        action: pendingApprovals ? 'request-measure' : 'approve-measure',
        from: 'ADMIN_CASE_FILED',
        to: 'ADMIN_CASE_FILED',
        status: 'DISPOSING',
        handlerId: 'p-officer-1',
        pendingApprovals,
      });
    const awaiting = async () =>
      ((await list('approval=pending')).json() as { items: Array<{ id: string }> }).items.map((l) => l.id).sort();
    await h.applied([await h.produce('intake.lead-registered.v1', registered(measured)), await step(1)]);
    expect(await awaiting()).toEqual([waiting, measured].sort());
    await h.applied([await step(0)]);
    expect(await awaiting()).toEqual([waiting]);
    const bad = await list('caseState=pending;drop');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ errors: [expect.objectContaining({ path: 'caseState/0' })] });
  });

  it("hands a lead from its assessor to the case's handler: 我的任务 (holder=me) follows who holds it now", async () => {
    const id = `lead-${randomUUID()}`;
    const t0 = Date.now();
    const at = (s: number) => new Date(t0 + s * 1000);
    const state = (action: string, from: string | null, to: string, handlerId: string, s: number) =>
      h.produce(
        'escalation.case-state-changed.v1',
        { leadId: id, caseId: `case-${id}`, caseNo: 'TH-AJ-000001', action, from, to, status: 'DISPOSING', handlerId },
        { occurredAt: at(s) },
      );
    const mine = async (login: string) => {
      const res = await h.app.inject({
        method: 'GET',
        url: '/api/v1/leads?holder=me&stage=intake,assessment,escalation&pageSize=200',
        headers: { authorization: `Bearer ${await h.token(login)}` },
      });
      expect(res.statusCode).toBe(200);
      return (res.json() as { items: Array<{ id: string; holder: { id: string; name: string } | null }> }).items.filter(
        (l) => l.id === id,
      );
    };
    const detail = async () =>
      (
        await h.app.inject({
          method: 'GET',
          url: `/api/v1/leads/${id}`,
          headers: { authorization: `Bearer ${await h.token('officer1')}` },
        })
      ).json() as Record<string, { id: string; name: string } | null>;

    await h.applied([
      await h.produce('intake.lead-registered.v1', registered(id), { occurredAt: at(0) }),
      await h.produce('assessment.lead-assigned.v1', assigned(id, { dueAt: at(86400).toISOString() }), {
        occurredAt: at(1),
      }),
    ]);
    expect(await mine('volunteer1')).toEqual([
      expect.objectContaining({ holder: { id: 'p-volunteer-1', name: '李志愿' } }),
    ]);
    expect(await mine('officer1')).toEqual([]);

    // Decided: officer1's case; then officer2 proposes the referral and handles the case from there.
    await h.applied([await state('case-opened', null, 'INTERVIEW', 'p-officer-1', 2)]);
    expect(await mine('volunteer1')).toEqual([]);
    expect(await mine('officer1')).toEqual([
      expect.objectContaining({ holder: { id: 'p-officer-1', name: '钱办案' } }),
    ]);
    await h.applied([await state('refer-police', 'INTERVIEW', 'REFERRAL_PENDING_APPROVAL', 'p-officer-2', 3)]);
    expect(await mine('officer1')).toEqual([]);
    expect(await mine('officer2')).toHaveLength(1);
    expect(await detail()).toMatchObject({
      holder: { id: 'p-officer-2', name: '吴监管' },
      handler: { id: 'p-officer-2', name: '吴监管' },
      assignee: { id: 'p-volunteer-1', name: '李志愿' },
    });

    // Reopened and assessed again: the assessor holds it again.
    await h.applied([
      await h.produce(
        'escalation.lead-reopened.v1',
        { leadId: id, caseId: `case-${id}`, status: 'REOPENED', reason: '举报人补充材料' },
        { occurredAt: at(4) },
      ),
    ]);
    expect(await mine('volunteer1')).toHaveLength(1);
    expect(await mine('officer2')).toEqual([]);
  });

  it("办理期限 follows the stage: the assignment's, none once decided, then the case's clocks, whatever the order", async () => {
    const id = `lead-${randomUUID()}`;
    const t0 = Date.now();
    const at = (s: number) => new Date(t0 + s * 1000);
    const assessmentDue = at(3 * 86400).toISOString();
    const clockDue = at(30 * 86400).toISOString();
    const assign = () =>
      h.produce('assessment.lead-assigned.v1', assigned(id, { dueAt: assessmentDue }), { occurredAt: at(1) });
    const due = async () =>
      (await h.query<{ due_at: Date | null }>(`SELECT due_at FROM lead_view WHERE id = $1`, [id]))[0]?.due_at ?? null;
    await h.applied([
      await h.produce('intake.lead-registered.v1', registered(id), { occurredAt: at(0) }),
      await assign(),
    ]);
    expect((await due())?.toISOString()).toBe(assessmentDue);
    // The decision meets the assessment deadline: no 办理期限 until the case's clocks say.
    await h.applied([
      await h.produce(
        'assessment.lead-decided.v1',
        {
          leadId: id,
          assessmentId: `as-${id}`,
          status: 'DECIDED',
          decidedBy: 'p-officer-1',
          decision: 'FILE_ADMIN_CASE',
          category: 'IF',
          band: 'orange',
          legalBasis: ['条例第二十一条'],
          reasoning: '行政立案调查',
          feedback: null,
          gridIds: ['G-440106001-C01'],
          streetCode: '440106001',
          subjectRegisteredAddress: null,
        },
        { occurredAt: at(2) },
      ),
    ]);
    expect(await due()).toBeNull();
    await h.applied([
      await h.produce(
        'escalation.case-state-changed.v1',
        {
          leadId: id,
          caseId: `case-${id}`,
          caseNo: 'CZ-2026-000007',
          action: 'case-opened',
          from: null,
          to: 'ADMIN_CASE_FILED',
          status: 'DISPOSING',
          handlerId: 'p-officer-1',
          pendingApprovals: 0,
          dueAt: clockDue,
        },
        { occurredAt: at(3) },
      ),
    ]);
    expect((await due())?.toISOString()).toBe(clockDue);
    // The assignment arriving again, late (it is older), changes nothing.
    await h.applied([await assign()]);
    expect((await due())?.toISOString()).toBe(clockDue);
  });

  it('registers a lead whose row a concurrent batch (another partition) inserted after the statement began', async () => {
    const id = `lead-${randomUUID()}`;
    const dataSource = h.app.get(DataSource);
    const consumer = h.app.get(ReadModelConsumer);
    const event = <T extends 'intake.lead-registered.v1' | 'assessment.lead-triaged.v1'>(
      type: T,
      payload: EventEnvelope<T>['payload'],
      occurredAt: Date,
    ) => ({ id: randomUUID(), type, occurredAt: occurredAt.toISOString(), payload }) as unknown as EventEnvelope<T>;
    const t0 = Date.now();

    // Batch B (the triage topic) sees the lead first: it inserts the row and holds it uncommitted.
    const b = dataSource.createQueryRunner();
    await b.connect();
    await b.startTransaction();
    await consumer.onTriaged(
      event(
        'assessment.lead-triaged.v1',
        {
          leadId: id,
          assessmentId: 'as-race',
          status: 'TRIAGED',
          score: 71,
          band: 'red',
          previousBand: 'orange',
          checklist: { I: 'suspected', P: 'evidenced', Ind: 'evidenced', S: 'suspected' },
          explanation: [],
          gridIds: ['G-440106001-C01'],
          streetCode: '440106001',
        },
        new Date(t0 + 1000),
      ),
      b.manager,
    );
    // Batch A (the registration topic) meanwhile: its insert waits for B's row, then finds it taken.
    const a = dataSource.transaction((tx) =>
      consumer.onRegistered(event('intake.lead-registered.v1', registered(id), new Date(t0)), tx),
    );
    await new Promise((r) => setTimeout(r, 300));
    await b.commitTransaction();
    await b.release();
    await a;

    const [v] = await h.query<{ reference: string; status: string; band: string; search: string | null }>(
      `SELECT v.reference, v.status, v.band, s.search_text AS search
         FROM lead_view v LEFT JOIN lead_search s ON s.id = v.id WHERE v.id = $1`,
      [id],
    );
    expect(v).toEqual({
      reference: registered(id).reference,
      status: 'TRIAGED', // the newer event's
      band: 'red', // triage wins over the registration's screening band
      search: expect.stringContaining('广州鑫汇财富投资咨询有限公司') as unknown,
    });
  });
});
