import { eventually } from '@outpost/testing';
import { CaseStateAnnouncer } from '../src/cases/case-state-announcer';
import { Harness, newLeadId, OFFICER, OFFICER2, SUPERVISOR, T0 } from './escalation.harness';

jest.setTimeout(120_000);

describe('escalation: decided → disposal → closed with feedback, over HTTP only, every step audited', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start();
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  it('runs a 约谈 case with a merged lead to closure; the trail shows every step and the chain verifies', async () => {
    h.clock.set(T0);
    const leadId = newLeadId();
    const other = newLeadId();
    await h.registered(leadId, { publicReport: true });
    await h.decide(leadId, { decision: 'WARNING_INTERVIEW', category: 'IF-YL' });
    await h.decide(other, { decision: 'MONITOR', category: 'IF-YL' });

    const steps: Array<[string, unknown]> = [
      [
        'record-action',
        { actionType: 'INTERVIEW', summary: '约谈某养老服务公司负责人', dueAt: '2026-03-20T17:00:00+08:00' },
      ],
    ];
    const tick = () => h.clock.advance(60_000); // audit entries are ordered by time: let time pass between steps
    tick();
    for (const [action, body] of steps) expect((await h.command(leadId, action, OFFICER, body)).statusCode).toBe(200);
    tick();
    // The second lead (same subject) joins this case.
    const merged = await h.command(other, 'merge', OFFICER2, { intoLeadId: leadId });
    expect(merged.json()).toMatchObject({ state: 'CLOSED' });
    const view = await h.caseView(other);
    expect(view.leads.map((l) => l.leadId).sort()).toEqual([leadId, other].sort());
    for (const t of view.tasks) {
      tick();
      expect(
        (await h.command(leadId, 'complete-task', OFFICER, { taskId: t.id, result: '已约谈，责令停止宣传' }))
          .statusCode,
      ).toBe(200);
    }
    tick();
    const closed = await h.command(leadId, 'close', OFFICER, {
      outcome: 'RECTIFIED',
      summary: '约谈后停止以养老名义吸收资金，已退还 12 名老人款项',
      reporterFeedback: '您反映的情况已核查处理：相关公司已被约谈并整改。感谢您的反映。',
    });
    expect(closed.json()).toMatchObject({ status: 'CLOSED' });

    const closedEvents = [
      ...(await h.published('escalation.lead-closed.v1', leadId)),
      ...(await h.published('escalation.lead-closed.v1', other)),
    ];
    expect(closedEvents).toHaveLength(2);
    expect(closedEvents.find((e) => e.leadId === leadId)).toMatchObject({
      outcome: 'RECTIFIED',
      linkedLeadIds: [other],
      reporterFeedback: expect.stringContaining('已被约谈'),
    });
    expect(closedEvents.find((e) => e.leadId === other)!.linkedLeadIds).toEqual([leadId]);

    const trail = (await h.http('GET', `/v1/audit/leads/${leadId}`, OFFICER)).json() as {
      entries: Array<{ action: string; toState: string; reason: string }>;
    };
    expect(trail.entries.map((e) => e.action)).toEqual([
      'escalation.case-opened',
      'escalation.record-action',
      'escalation.merge',
      'escalation.complete-task',
      'escalation.complete-task',
      'escalation.close',
    ]);
    // Decisions, categories, tasks and outcomes in words, as the case officer reads the timeline.
    const reasonOf = (action: string) => trail.entries.find((e) => e.action === action)!.reason;
    expect(reasonOf('escalation.case-opened')).toBe('处置决定：约谈警示，养老领域非法集资（IF-YL）');
    expect(reasonOf('escalation.record-action')).toBe('约谈：约谈某养老服务公司负责人');
    expect(reasonOf('escalation.close')).toBe('办结：已整改');
    const otherTrail = (await h.http('GET', `/v1/audit/leads/${other}`, OFFICER)).json() as {
      entries: Array<{ action: string }>;
    };
    expect(otherTrail.entries.map((e) => e.action)).toEqual(
      expect.arrayContaining(['escalation.case-opened', 'escalation.merge', 'escalation.close']),
    );

    tick();
    // Reopen the closed case: back to assessment.
    const reopened = await h.command(leadId, 'reopen', OFFICER, { reason: '群众再次反映仍在宣传' });
    expect(reopened.json()).toMatchObject({ status: 'REOPENED' });
    expect(await h.published('escalation.lead-reopened.v1', leadId)).toHaveLength(1);

    expect((await h.http('POST', '/v1/audit/checkpoints', OFFICER)).statusCode).toBe(201);
    const verify = await eventually(async () => {
      const r = await h.http('GET', '/v1/audit/verify', OFFICER);
      return r.statusCode === 200 && (r.json() as { ok: boolean }).ok ? r.json() : undefined;
    }, 30_000);
    expect(verify).toMatchObject({ ok: true });
  });

  it('a head hands the case to another officer (转办): the new handler is announced, the state kept', async () => {
    h.clock.set(T0);
    const leadId = newLeadId();
    await h.decide(leadId, { decision: 'WARNING_INTERVIEW', category: 'IF-YL' });
    const body = { handlerId: 'p-officer-2', reason: '原承办人调岗，转金融监管支局办理' };
    // Only a head may: the handler's own officer cannot hand it on.
    expect((await h.command(leadId, 'assign-handler', OFFICER, body)).statusCode).toBe(403);
    // Only to an officer on duty: not to someone who left, nor to a volunteer, nor to an unknown id.
    for (const handlerId of ['p-officer-9', 'p-volunteer-1', 'p-nobody']) {
      const refused = await h.command(leadId, 'assign-handler', SUPERVISOR, { ...body, handlerId });
      expect([refused.statusCode, refused.json().code, refused.json().errors]).toEqual([
        400,
        'VALIDATION_FAILED',
        [expect.objectContaining({ path: 'handlerId' })],
      ]);
    }
    // An investigator must be an officer on duty too, named by its place in the list.
    const adminCase = newLeadId();
    await h.decide(adminCase, { decision: 'FILE_ADMIN_CASE' });
    const investigators = await h.command(adminCase, 'assign-investigators', OFFICER, {
      investigators: [
        { personId: 'p-officer-1', name: '张三', badgeNo: 'GD-44010601' },
        { personId: 'p-street-1', name: '街道负责人', badgeNo: 'GD-44010699' },
      ],
    });
    expect([investigators.statusCode, investigators.json().errors]).toEqual([
      400,
      [expect.objectContaining({ path: 'investigators/1/personId' })],
    ]);
    expect((await h.caseView(adminCase)).investigators).toEqual([]);
    const moved = await h.command(leadId, 'assign-handler', SUPERVISOR, body);
    expect(moved.json()).toMatchObject({ state: 'INTERVIEW' });
    expect((await h.caseView(leadId)).handlerId).toBe('p-officer-2');
    expect((await h.published('escalation.case-state-changed.v1', leadId)).at(-1)).toMatchObject({
      action: 'assign-handler',
      from: 'INTERVIEW',
      to: 'INTERVIEW',
      handlerId: 'p-officer-2',
    });
    const again = await h.command(leadId, 'assign-handler', SUPERVISOR, body);
    expect([again.statusCode, again.json().code]).toEqual([409, 'ALREADY_HANDLER']);
  });

  it('announces the state of every open case once, for cases opened before their changes were announced', async () => {
    h.clock.set(T0);
    const open = newLeadId();
    const closed = newLeadId();
    await h.decide(open, { decision: 'REFER_POLICE' });
    await h.decide(closed, { decision: 'CLOSE_NOT_ILLEGAL' });
    // As an upgraded deployment finds it: the one-time announcement not done yet.
    await h.sql(`UPDATE case_state_announcement SET done_at = NULL`);
    const announcer = h.app.get(CaseStateAnnouncer);
    const [first, second] = [await announcer.announceOpenCases(), await announcer.announceOpenCases()];
    expect(first).toBeGreaterThanOrEqual(1);
    expect(second).toBeNull();
    const announced = async (leadId: string) =>
      (await h.published('escalation.case-state-changed.v1', leadId)).filter((e) => e.action === 'state-announced');
    expect((await announced(open)).map((e) => [e.from, e.to, e.status])).toEqual([
      ['REFERRAL_PENDING_APPROVAL', 'REFERRAL_PENDING_APPROVAL', 'DISPOSING'],
    ]);
    expect(await announced(closed)).toEqual([]);
    const [{ n }] = await h.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM outbox WHERE topic = 'escalation.case-state-changed.v1' AND value::jsonb->'payload'->>'action' = 'state-announced'`,
    );
    expect(n).toBe(first);
  });
});
