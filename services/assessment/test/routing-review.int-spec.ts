import { eventually } from '@outpost/testing';
import { v7 as uuidv7 } from 'uuid';
import {
  as,
  command,
  envelopeOf,
  type AssessmentView,
  events,
  getAssessment,
  produce,
  RED_ESTIMATES,
  registered,
  resend,
  sendAll,
  startHarness,
  type Harness,
} from './support/harness';

jest.setTimeout(120_000);

const MONDAY_10AM = new Date('2026-03-16T10:00:00+08:00');
const SHAHE_C01 = 'G-440106001-C01';

describe('assessment: triage, routing and review (real Postgres, Redis, Kafka)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness('review', { start: MONDAY_10AM });
  });
  afterAll(async () => {
    await h?.close();
  });

  async function triaged(leadId: string) {
    return eventually<AssessmentView>(async () => {
      const res = await getAssessment(h, leadId);
      return res.statusCode === 200 ? (res.json() as AssessmentView) : undefined;
    });
  }

  async function newLead(gridId: string, o: Parameters<typeof registered>[2] = {}) {
    const leadId = `lead-${uuidv7()}`;
    await produce(h, 'intake.lead-registered.v1', registered(leadId, gridId, o), leadId);
    return { leadId, view: await triaged(leadId) };
  }

  it('seeds exactly the demo roster of docs/SHARED-FACTS.md and publishes it', async () => {
    const people = await h.app.inject({
      method: 'GET',
      url: '/v1/roster/people',
      headers: { authorization: await as('p-admin-1') },
    });
    expect(
      people
        .json()
        .items.map((p: { id: string }) => p.id)
        .sort(),
    ).toEqual(
      [
        'p-admin-1',
        'p-officer-1',
        'p-officer-2',
        'p-operator-1',
        'p-sentinel-1',
        'p-sentinel-2',
        'p-street-1',
        'p-supervisor-1',
        'p-volunteer-1',
        'p-volunteer-2',
        'p-volunteer-3',
      ].sort(),
    );
    const pairings = await h.app.inject({
      method: 'GET',
      url: '/v1/roster/pairings',
      headers: { authorization: await as('p-admin-1') },
    });
    expect(
      pairings
        .json()
        .items.map(
          (p: { id: string; volunteerId: string; sentinelId: string }) => `${p.id}:${p.volunteerId}:${p.sentinelId}`,
        ),
    ).toEqual([
      'pair-1:p-volunteer-1:p-sentinel-1',
      'pair-2:p-volunteer-2:p-sentinel-2',
      'pair-3:p-volunteer-3:p-sentinel-1',
    ]);
    await eventually(() => (events(h, 'assessment.roster-changed.v1').length === 14 ? true : undefined));
    // Idempotent: a restart with DEMO_DATA=true writes nothing new.
    await h.restart();
    await new Promise((r) => setTimeout(r, 1500));
    expect(events(h, 'assessment.roster-changed.v1')).toHaveLength(14);
  });

  it('assigns a lead in a paired grid to the pair volunteer, with the sentinel as partner, and explains the score', async () => {
    const { leadId, view } = await newLead('G-440106002-C01');
    expect(view).toMatchObject({
      status: 'ASSIGNED',
      pool: 'PAIR',
      assigneeId: 'p-volunteer-2',
      pairingId: 'pair-2',
      partnerId: 'p-sentinel-2',
    });
    expect(view.explanation).toEqual([
      expect.objectContaining({ indicator: 'B1', weight: 15, evidence: expect.stringContaining('保本保息') }),
    ]);
    expect(view.checklist.Ind).toBe('evidenced');
    expect(view.deadlines).toEqual([expect.objectContaining({ stage: 'CLAIM', status: 'RUNNING' })]);
    await eventually(() => (events(h, 'assessment.lead-assigned.v1', leadId).length ? true : undefined));
    // Both carry the lead's public reference: a consumer may see them before the registration (another topic).
    expect(view.reference).toMatch(/^TH-/);
    expect(events(h, 'assessment.lead-triaged.v1', leadId)).toEqual([
      expect.objectContaining({ band: view.band, previousBand: null, reference: view.reference }),
    ]);
    expect(events(h, 'assessment.lead-assigned.v1', leadId)).toEqual([
      expect.objectContaining({ assigneeId: 'p-volunteer-2', reference: view.reference }),
    ]);
  });

  it('spreads leads of one grid across its two pairs (fewest open, then round robin)', async () => {
    const a = await newLead(SHAHE_C01);
    const b = await newLead(SHAHE_C01);
    const c = await newLead(SHAHE_C01);
    expect([a.view.pairingId, b.view.pairingId]).toEqual(expect.arrayContaining(['pair-1', 'pair-3']));
    expect(a.view.pairingId).not.toBe(b.view.pairingId);
    expect(c.view.pairingId).toBe(a.view.pairingId);
    expect(new Set([a.view.assigneeId, b.view.assigneeId])).toEqual(new Set(['p-volunteer-1', 'p-volunteer-3']));
  });

  it('applies a burst of leads in shared batch transactions: each triaged and assigned once, audit trail and chain intact', async () => {
    const ids = Array.from({ length: 25 }, () => `lead-${uuidv7()}`);
    await sendAll(
      h,
      ids.map((id) => envelopeOf('intake.lead-registered.v1', registered(id, 'G-440106002-C01'), id)),
    );
    for (const id of ids) await triaged(id);
    await eventually(async () =>
      ids.every((id) => events(h, 'assessment.lead-assigned.v1', id).length === 1) ? true : undefined,
    );
    const supervisor = await as('p-supervisor-1');
    for (const id of ids.slice(0, 5)) {
      const trail = await h.app.inject({
        method: 'GET',
        url: `/v1/audit/leads/${id}`,
        headers: { authorization: supervisor },
      });
      expect((trail.json().entries as Array<{ action: string }>).map((e) => e.action)).toEqual([
        'lead.triaged',
        'lead.assigned',
      ]);
    }
    const verify = await h.app.inject({
      method: 'GET',
      url: '/v1/audit/verify',
      headers: { authorization: supervisor },
    });
    expect(verify.json()).toMatchObject({ ok: true });
  });

  it('stamps what a registration causes with its correlation, also what a batch routes at its end', async () => {
    // Several registrations in one batch transaction; one red (alerted as well). Routing runs once, after the handlers.
    const ids = Array.from({ length: 6 }, () => `lead-${uuidv7()}`);
    const sent = ids.map((id, i) =>
      envelopeOf(
        'intake.lead-registered.v1',
        registered(id, 'G-440106002-C01', i === 3 ? { estimates: RED_ESTIMATES } : {}),
        id,
      ),
    );
    await sendAll(h, sent);
    const caused = ['assessment.lead-triaged.v1', 'assessment.lead-assigned.v1', 'assessment.lead-alerted.v1'];
    const seenFor = (leadId: string) =>
      h.seen.filter((s) => caused.includes(s.topic) && s.envelope.leadId === leadId).map((s) => s.envelope);
    await eventually(async () =>
      seenFor(ids[3]!).length === 3 && ids.every((id) => seenFor(id).length >= 2) ? true : undefined,
    );
    for (const registration of sent) {
      const envelopes = seenFor(registration.leadId!);
      expect(
        envelopes.map((e) => ({ type: e.type, correlationId: e.correlationId, causationId: e.causationId })),
      ).toEqual(
        envelopes.map((e) => ({
          type: e.type,
          correlationId: registration.correlationId,
          causationId: registration.id,
        })),
      );
    }
    // A command over HTTP: what it writes carries the request's correlation id (the gateway forwards its own).
    const assignee = events(h, 'assessment.lead-assigned.v1', ids[0]).at(0)!.assigneeId!;
    const claimed = await h.app.inject({
      method: 'POST',
      url: `/v1/leads/${ids[0]}/commands/claim`,
      headers: { authorization: await as(assignee), 'x-correlation-id': 'corr-claim-1' },
      payload: {},
    });
    expect(claimed.json()).toMatchObject({ status: 'IN_REVIEW' });
    const byClaim = await eventually(() => {
      const found = h.seen.filter((s) => s.envelope.leadId === ids[0] && s.envelope.correlationId === 'corr-claim-1');
      return found.length >= 2 ? found : undefined;
    });
    expect(byClaim.map((s) => [s.topic, s.envelope.causationId]).sort()).toEqual([
      ['assessment.lead-assigned.v1', null],
      ['assessment.lead-transitioned.v1', null],
    ]);
  });

  it('without a pair routes to the street pool, and without a street responsible person to the district pool', async () => {
    const street = await newLead('G-440106001-C02');
    expect(street.view).toMatchObject({ status: 'TRIAGED', pool: 'STREET', assigneeId: null });
    const district = await newLead('G-440106005-C01');
    expect(district.view).toMatchObject({ status: 'TRIAGED', pool: 'DISTRICT', assigneeId: null });
    await eventually(() => (events(h, 'assessment.lead-assigned.v1', street.leadId).length ? true : undefined));
    expect(events(h, 'assessment.lead-assigned.v1', street.leadId)[0]).toMatchObject({
      pool: 'STREET',
      poolStreetCode: '440106001',
    });
    // The street responsible person may claim from the street pool; a volunteer of another street may not.
    expect((await command(h, street.leadId, 'claim', 'p-volunteer-2')).json()).toMatchObject({
      status: 403,
      code: 'OUT_OF_SCOPE',
    });
    expect((await command(h, street.leadId, 'claim', 'p-street-1')).json()).toMatchObject({
      status: 'IN_REVIEW',
      assigneeId: 'p-street-1',
    });
  });

  it('names on every lead-assigned why the holder changed: only a routing or a reassignment gives it a new holder', async () => {
    // Notification announces a new assignment from the reason: a claim of one's own lead must not read as one.
    const { leadId } = await newLead('G-440106002-C01');
    const assigned = async (n: number) =>
      eventually(() => {
        const all = events(h, 'assessment.lead-assigned.v1', leadId);
        return all.length >= n ? all : undefined;
      });
    const routed = (await assigned(1))[0]!;
    expect(routed).toMatchObject({ reason: 'ROUTED', assigneeId: 'p-volunteer-2', partnerId: 'p-sentinel-2' });

    expect((await command(h, leadId, 'claim', 'p-volunteer-2')).json()).toMatchObject({ status: 'IN_REVIEW' });
    const claimed = (await assigned(2))[1]!;
    // Same holder, the opinion deadline instead of the claim deadline: read models need it, people do not.
    expect(claimed).toMatchObject({
      reason: 'CLAIMED',
      status: 'IN_REVIEW',
      assigneeId: 'p-volunteer-2',
      partnerId: 'p-sentinel-2',
    });
    expect(claimed.dueAt).not.toBe(routed.dueAt);

    await command(h, leadId, 'submit-opinion', 'p-volunteer-2', {
      recommendation: 'MONITOR',
      category: 'IF',
      legalBasis: ['《防范和处置非法集资条例》第18条'],
      reasoning: '尚无吸收资金的证据，持续关注',
    });
    expect((await command(h, leadId, 'return', 'p-officer-1', { reason: '请补充资金规模' })).json()).toMatchObject({
      status: 'IN_REVIEW',
    });
    expect((await assigned(3))[2]).toMatchObject({ reason: 'RETURNED', assigneeId: 'p-volunteer-2' });

    expect(
      (await command(h, leadId, 'reassign', 'p-supervisor-1', { assigneeId: 'p-officer-2' })).json(),
    ).toMatchObject({ status: 'ASSIGNED', assigneeId: 'p-officer-2' });
    expect((await assigned(4))[3]).toMatchObject({ reason: 'REASSIGNED', assigneeId: 'p-officer-2' });

    expect((await command(h, leadId, 'release', 'p-officer-2')).json()).toMatchObject({ status: 'TRIAGED' });
    expect((await assigned(5))[4]).toMatchObject({ reason: 'RELEASED', assigneeId: null });
  });

  it('a lead a head hands to a volunteer of another grid is theirs to work on (not refused as out of scope)', async () => {
    const { leadId } = await newLead('G-440106002-C01');
    expect(
      (await command(h, leadId, 'reassign', 'p-supervisor-1', { assigneeId: 'p-volunteer-1' })).json(),
    ).toMatchObject({ status: 'ASSIGNED', assigneeId: 'p-volunteer-1' });
    const claimed = await command(h, leadId, 'claim', 'p-volunteer-1');
    expect([claimed.statusCode, claimed.json().status]).toEqual([200, 'IN_REVIEW']);
    // Another volunteer of that other grid still may not touch it.
    expect((await command(h, leadId, 'release', 'p-volunteer-3')).statusCode).toBe(403);
    const sentinel = await command(h, leadId, 'reassign', 'p-supervisor-1', { assigneeId: 'p-sentinel-1' });
    expect([sentinel.statusCode, sentinel.json().detail]).toEqual([
      422,
      expect.stringMatching(/^\S+ 不是在岗的志愿者/),
    ]);
    expect(sentinel.json().detail).not.toContain('p-sentinel-1');
  });

  it('alerts a supervisor at once for a red-band lead, which skips the queue', async () => {
    const { leadId, view } = await newLead('G-440106005-C01', { estimates: RED_ESTIMATES });
    expect(view).toMatchObject({ band: 'red', priority: true, pool: 'DISTRICT' });
    expect(view.explanation.map((l: { indicator: string }) => l.indicator)).toEqual(
      expect.arrayContaining(['B1', 'B5', 'D1', 'D2']),
    );
    const alert = await eventually(() => events(h, 'assessment.lead-alerted.v1', leadId)[0]);
    expect(alert).toMatchObject({ kind: 'RED_BAND', band: 'red', reference: view.reference });
    expect(alert.notify).toContainEqual({ personId: 'p-supervisor-1', role: 'SUPERVISOR' });
    const queue = await h.app.inject({
      method: 'GET',
      url: '/v1/assessments?status=TRIAGED',
      headers: { authorization: await as('p-supervisor-1') },
    });
    expect(queue.json().items[0]).toMatchObject({ leadId, priority: true });
  });

  it('runs the review to a decision that is on Kafka as lead-decided and in the audit trail', async () => {
    const { leadId } = await newLead('G-440106002-C01');
    expect((await command(h, leadId, 'claim', 'p-volunteer-2')).json()).toMatchObject({ status: 'IN_REVIEW' });
    const asked = await command(h, leadId, 'request-verification', 'p-volunteer-2', {
      question: '请实地确认推介会是否仍在举办',
    });
    expect(asked.json()).toMatchObject({ status: 'VERIFYING' });
    const paused = (await getAssessment(h, leadId)).json();
    expect(paused.deadlines.find((d: { stage: string }) => d.stage === 'OPINION')).toMatchObject({ status: 'PAUSED' });
    expect(
      (
        await command(h, leadId, 'answer-verification', 'p-sentinel-1', {
          requestId: asked.json().requestId,
          answer: 'x',
        })
      ).json(),
    ).toMatchObject({ code: 'OUT_OF_SCOPE' });
    const answered = await command(h, leadId, 'answer-verification', 'p-sentinel-2', {
      requestId: asked.json().requestId,
      answer: '现场确认每周三举办，约40名老人参加',
      evidenceIds: ['ev-1'],
    });
    expect(answered.json()).toMatchObject({ status: 'IN_REVIEW' });
    const opinion = {
      recommendation: 'WARNING_INTERVIEW',
      category: 'IF',
      legalBasis: ['《防范和处置非法集资条例》第18条'],
      reasoning: '承诺保本保息，面向老年人公开宣传',
    };
    expect((await command(h, leadId, 'submit-opinion', 'p-volunteer-2', opinion)).json()).toMatchObject({
      status: 'OPINION_SUBMITTED',
    });
    const decided = await command(h, leadId, 'decide', 'p-officer-1', {
      decision: 'WARNING_INTERVIEW',
      reasoning: '同意专业意见，约谈整改',
      feedback: '您反映的情况已处理',
    });
    expect(decided.json()).toMatchObject({ status: 'DECIDED' });

    const event = await eventually(() => events(h, 'assessment.lead-decided.v1', leadId)[0]);
    expect(event).toMatchObject({
      decision: 'WARNING_INTERVIEW',
      decidedBy: 'p-officer-1',
      category: 'IF',
      feedback: '您反映的情况已处理',
      gridIds: ['G-440106002-C01'],
      streetCode: '440106002',
      subjectRegisteredAddress: '广州市天河区沙河街某路1号',
    });
    const view = (await getAssessment(h, leadId)).json();
    expect(view.opinion).toMatchObject({ kind: '专业意见', official: false, authorId: 'p-volunteer-2' });
    expect(view.verificationRequests).toEqual([
      expect.objectContaining({ status: 'ANSWERED', askedOf: 'p-sentinel-2', evidenceIds: ['ev-1'] }),
    ]);

    const trail = await h.app.inject({
      method: 'GET',
      url: `/v1/audit/leads/${leadId}`,
      headers: { authorization: await as('p-supervisor-1') },
    });
    const entries = trail.json().entries as Array<{
      action: string;
      fromState: string;
      toState: string;
      actor: { userId?: string };
      reason: string | null;
    }>;
    expect(entries.map((e) => e.action)).toEqual([
      'lead.triaged',
      'lead.assigned',
      'lead.claimed',
      'verification.requested',
      'verification.answered',
      'opinion.submitted',
      'lead.decided',
    ]);
    expect(entries.at(-1)).toMatchObject({
      fromState: 'OPINION_SUBMITTED',
      toState: 'DECIDED',
      actor: { userId: 'p-officer-1' },
    });
    // The trail names things as people read them: bands, people, opinions and categories in words, not codes.
    expect(entries.map((e) => e.reason)).toEqual([
      expect.stringMatching(/^评分 \d+，(红色|橙色|黄色|未达预警)档$/),
      expect.stringMatching(/^分派给结对志愿者 志愿者二（结对 [\w-]+）$/),
      null,
      '请前哨员 前哨员二 实地核实：请实地确认推介会是否仍在举办',
      '实地核实答复：现场确认每周三举办，约40名老人参加（附证据 1 份）',
      '专业意见（非认定）：约谈警示，非法集资（IF）',
      '认定：约谈警示，非法集资（IF）',
    ]);

    // Reopen (escalation's event) routes it again; the new assignment is caused by that event.
    const reopened = await produce(
      h,
      'escalation.lead-reopened.v1',
      { leadId, caseId: null, status: 'REOPENED', reason: '回头看发现新情况' },
      leadId,
    );
    await eventually(async () => ((await getAssessment(h, leadId)).json().status === 'ASSIGNED' ? true : undefined));
    const reassigned = await eventually(() =>
      h.seen.find(
        (s) =>
          s.topic === 'assessment.lead-assigned.v1' &&
          s.envelope.leadId === leadId &&
          (s.envelope.payload as { reason: string }).reason === 'REOPENED',
      ),
    );
    expect([reassigned.envelope.correlationId, reassigned.envelope.causationId]).toEqual([
      reopened.correlationId,
      reopened.id,
    ]);
  });

  it('never lets the opinion author decide, nor an officer without canCertify', async () => {
    const { leadId } = await newLead('G-440106002-C01');
    expect(
      (await command(h, leadId, 'reassign', 'p-supervisor-1', { assigneeId: 'p-officer-1' })).json(),
    ).toMatchObject({ status: 'ASSIGNED', assigneeId: 'p-officer-1' });
    await command(h, leadId, 'claim', 'p-officer-1');
    await command(h, leadId, 'submit-opinion', 'p-officer-1', {
      recommendation: 'REFER_POLICE',
      category: 'IF',
      legalBasis: ['《刑法》第176条'],
      reasoning: '达追诉标准',
    });
    const self = await command(h, leadId, 'decide', 'p-officer-1', { decision: 'REFER_POLICE', reasoning: '移送' });
    expect(self.statusCode).toBe(403);
    expect(self.json()).toMatchObject({ code: 'SEPARATION_OF_DUTIES', detail: expect.stringContaining('职责分离') });
    const noCert = await command(h, leadId, 'decide', 'p-officer-2', { decision: 'REFER_POLICE', reasoning: '移送' });
    expect(noCert.json()).toMatchObject({ status: 403, code: 'ROLE_NOT_ALLOWED' });
    const back = await command(h, leadId, 'return', 'p-officer-2', { reason: '请补充资金规模' });
    expect(back.json()).toMatchObject({ status: 'IN_REVIEW' });
  });

  it('refuses a forbidden transition with 409, the current status and the reason in Chinese; the UI gets the same table', async () => {
    const { leadId } = await newLead('G-440106002-C01');
    const res = await command(h, leadId, 'decide', 'p-officer-1', { decision: 'MONITOR', reasoning: '观察' });
    expect(res.statusCode).toBe(409);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({
      code: 'TRANSITION_NOT_ALLOWED',
      currentStatus: 'ASSIGNED',
      detail: expect.stringContaining('已分派待认领'),
    });
    const sentinel = await command(h, leadId, 'claim', 'p-sentinel-2');
    expect(sentinel.json()).toMatchObject({ status: 403, code: 'ROLE_NOT_ALLOWED' });
    const allowed = await h.app.inject({
      method: 'GET',
      url: `/v1/leads/${leadId}/allowed-actions`,
      headers: { authorization: await as('p-volunteer-2') },
    });
    expect(allowed.json()).toMatchObject({ status: 'ASSIGNED', actions: [{ action: 'claim' }, { action: 'release' }] });
    const table = await h.app.inject({
      method: 'GET',
      url: '/v1/transitions',
      headers: { authorization: await as('p-volunteer-2') },
    });
    expect(table.json().transitions.find((t: { action: string }) => t.action === 'decide')).toMatchObject({
      from: ['OPINION_SUBMITTED'],
      to: 'DECIDED',
      roles: ['OFFICER'],
    });
  });

  it('has no second triage for a redelivered event; a linked report raises the band and never lowers it', async () => {
    const leadId = `lead-${uuidv7()}`;
    const envelope = await produce(h, 'intake.lead-registered.v1', registered(leadId, 'G-440106002-C01'), leadId);
    await triaged(leadId);
    await resend(h, envelope);
    const screening = { catalogVersion: '2026.11-1', score: 0, band: 'none' as const, hits: [] };
    const none = {
      promisedYieldPct: null,
      amountYuan: null,
      participants: null,
      lossYuan: null,
      elderlyInvolved: null,
    };
    // Same key, same partition: once the link is applied, the redelivery before it has been handled too.
    await produce(
      h,
      'intake.lead-linked.v1',
      {
        leadId,
        linkedLeadId: 'lead-x1',
        linkedReference: 'TH-X1',
        matchedOn: [{ key: 'name', value: '广州某某投资咨询有限公司' }],
        reportCount: 2,
        screening,
        newHits: [],
        estimates: { ...none, participants: 600 },
      },
      leadId,
    );
    const raised = await eventually<AssessmentView>(async () => {
      const v = (await getAssessment(h, leadId)).json() as AssessmentView;
      return v.linkedLeadIds.length === 1 ? v : undefined;
    });
    expect(raised.band).toBe('red');
    await produce(
      h,
      'intake.lead-linked.v1',
      {
        leadId,
        linkedLeadId: 'lead-x2',
        linkedReference: 'TH-X2',
        matchedOn: [{ key: 'name', value: 'x' }],
        reportCount: 3,
        screening,
        newHits: [],
        estimates: none,
      },
      leadId,
    );
    const after = await eventually<AssessmentView>(async () => {
      const v = (await getAssessment(h, leadId)).json() as AssessmentView;
      return v.linkedLeadIds.length === 2 ? v : undefined;
    });
    expect(after.band).toBe('red');

    const trail = (
      await h.app.inject({
        method: 'GET',
        url: `/v1/audit/leads/${leadId}`,
        headers: { authorization: await as('p-supervisor-1') },
      })
    ).json();
    expect(trail.entries.filter((e: { action: string }) => e.action === 'lead.triaged')).toHaveLength(1);
    await eventually(() => (events(h, 'assessment.lead-alerted.v1', leadId).length === 1 ? true : undefined));
    expect(events(h, 'assessment.lead-alerted.v1', leadId)[0]).toMatchObject({ kind: 'BAND_RAISED' });
    const triagedEvents = events(h, 'assessment.lead-triaged.v1', leadId);
    expect(triagedEvents.map((e) => [e.band, e.previousBand])).toEqual([
      ['yellow', null],
      ['red', 'yellow'],
      ['red', 'red'],
    ]);
  });

  it('skips holidays and counts 调休 make-up days in working-day deadlines', async () => {
    h.clock.set(new Date('2026-09-30T10:00:00+08:00')); // 国庆 10-01..10-07
    const beforeHoliday = await newLead('G-440106002-C01');
    expect(beforeHoliday.view.deadlines[0]).toMatchObject({
      stage: 'CLAIM',
      period: '1wd',
      dueAt: '2026-10-08T15:59:59.999Z',
    });
    h.clock.set(new Date('2026-10-09T10:00:00+08:00')); // Friday; Saturday 10-10 is a 调休 working day
    const makeUp = await newLead('G-440106002-C01');
    expect(makeUp.view.deadlines[0]).toMatchObject({ dueAt: '2026-10-10T15:59:59.999Z' });
    h.clock.set(new Date('2026-09-24T16:00:00+08:00')); // red: 4 working hours; 中秋 09-25..09-27
    const red = await newLead('G-440106002-C01', {
      estimates: {
        promisedYieldPct: null,
        amountYuan: 5_000_000,
        participants: null,
        lossYuan: null,
        elderlyInvolved: null,
      },
    });
    expect(red.view.deadlines[0]).toMatchObject({ period: '4wh', dueAt: '2026-09-28T03:00:00.000Z' });
  });

  it('manages the roster (ADMIN/SUPERVISOR only) and imports CSV with per-row errors', async () => {
    expect(
      (
        await h.app.inject({
          method: 'GET',
          url: '/v1/roster/people',
          headers: { authorization: await as('p-volunteer-1') },
        })
      ).statusCode,
    ).toBe(403);
    const bad = await h.app.inject({
      method: 'POST',
      url: '/v1/roster/people',
      headers: { authorization: await as('p-admin-1') },
      payload: { id: 'p-x', name: 'X', roles: ['OFFICER'], unit: '金融监管支局', canCertify: true },
    });
    expect(bad.json()).toMatchObject({ status: 400, errors: [expect.objectContaining({ path: 'canCertify' })] });
    const csv = [
      'kind,id,name,roles,unit,institution,branch,volunteerRoles,streetCodes,gridIds,email,volunteerId,sentinelId,agreementSignedAt',
      'pairing,pair-9,,,,,,,,G-440106006-C01,,p-volunteer-9,p-sentinel-9,2026-04-01T00:00:00+08:00',
      'person,p-sentinel-9,前哨员九,SENTINEL,天河南街某居委会,,,,440106006,G-440106006-C01,s9@outpost.local,,,',
      'person,p-volunteer-9,志愿者九,VOLUNTEER,,广发银行,天河支行,MONITOR|SPEAKER,440106006,G-440106006-C01,v9@outpost.local,,,',
      'person,p-bad,,VOLUNTEER|WIZARD,,,,,,G-1,not-an-email,,,',
    ].join('\n');
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/roster/import',
      headers: { authorization: await as('p-supervisor-1'), 'content-type': 'text/csv' },
      payload: csv,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ imported: 3, failed: 1, errors: [{ line: 5, id: 'p-bad' }] });
    expect(res.json().errors[0].errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(['name', 'roles/1', 'gridIds/0', 'email']),
    );
    await eventually(() =>
      events(h, 'assessment.roster-changed.v1').some((e) => e.entity === 'pairing' && e.pairing.id === 'pair-9')
        ? true
        : undefined,
    );
    const ended = await h.app.inject({
      method: 'DELETE',
      url: '/v1/roster/pairings/pair-9',
      headers: { authorization: await as('p-admin-1') },
    });
    expect([ended.statusCode, ended.body]).toEqual([200, expect.stringContaining('"status":"ENDED"')]);
    const { view } = await newLead('G-440106006-C01');
    expect(view).toMatchObject({ pool: 'DISTRICT' }); // the ended pair no longer takes leads
  });

  it("stamps roster changes made over HTTP with the request's correlation id and trace context", async () => {
    const admin = await as('p-admin-1');
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const created = await h.app.inject({
      method: 'POST',
      url: '/v1/roster/people',
      headers: { authorization: admin, 'x-correlation-id': 'corr-roster-1' },
      payload: { id: 'p-corr-1', name: '关联测试一', roles: ['OPERATOR'] },
    });
    expect(created.statusCode).toBe(201);
    const imported = await h.app.inject({
      method: 'POST',
      url: '/v1/roster/import',
      headers: { authorization: admin, 'content-type': 'text/csv', 'x-correlation-id': 'corr-roster-2', traceparent },
      payload: 'kind,id,name,roles\nperson,p-corr-2,关联测试二,OPERATOR',
    });
    expect(imported.json()).toMatchObject({ imported: 1, failed: 0 });
    const ended = await h.app.inject({
      method: 'DELETE',
      url: '/v1/roster/people/p-corr-1',
      headers: { authorization: admin, 'x-correlation-id': 'corr-roster-3' },
    });
    expect(ended.statusCode).toBe(200);
    const changes = await eventually(() => {
      const found = h.seen.filter(
        (s) => s.topic === 'assessment.roster-changed.v1' && ['p-corr-1', 'p-corr-2'].includes(s.envelope.key),
      );
      return found.length === 3 ? found : undefined;
    });
    expect(
      changes.map(({ envelope: e }) => [e.key, e.correlationId, e.causationId, e.traceparent ?? null]).sort(),
    ).toEqual([
      ['p-corr-1', 'corr-roster-1', null, null],
      ['p-corr-1', 'corr-roster-3', null, null],
      ['p-corr-2', 'corr-roster-2', null, traceparent],
    ]);
  });
});
