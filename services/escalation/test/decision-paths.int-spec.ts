import { eventually, handledByConsumer } from '@outpost/testing';
import { Harness, newLeadId, OFFICER, STREET_WUSHAN, SUPERVISOR, T0 } from './escalation.harness';

jest.setTimeout(90_000);

describe('escalation: a case per officer decision (real Postgres, Redis, Kafka)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start();
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  it('CLOSE_NOT_ILLEGAL closes the lead at once with outcome and reply to the reporter', async () => {
    const leadId = newLeadId();
    await h.registered(leadId, { publicReport: true });
    const payload = h.decidedPayload(leadId, {
      decision: 'CLOSE_NOT_ILLEGAL',
      category: 'OT',
      band: 'none',
      feedback: '经核查未发现非法集资行为，感谢您的反映。',
    });
    await h.produce('assessment.lead-decided.v1', payload, leadId);
    await eventually(async () => ((await h.published('escalation.lead-closed.v1', leadId)).length ? true : undefined));
    const [closed] = await h.published('escalation.lead-closed.v1', leadId);
    expect(closed).toMatchObject({
      leadId,
      status: 'CLOSED',
      outcome: 'NOT_ILLEGAL',
      reporterFeedback: '经核查未发现非法集资行为，感谢您的反映。',
      linkedLeadIds: [],
    });
    const view = await h.caseView(leadId);
    expect([view.state, view.status, view.path]).toEqual(['CLOSED', 'CLOSED', 'CLOSE_NOT_ILLEGAL']);
    expect((await h.published('escalation.case-opened.v1', leadId))[0]).toMatchObject({
      status: 'CLOSED',
      path: 'CLOSE_NOT_ILLEGAL',
    });
  });

  it('a redelivered decision envelope opens no second case', async () => {
    const leadId = newLeadId();
    const { caseId } = await h.decide(leadId, { decision: 'MONITOR' });
    const [row] = await h.sql<{ value: string }>(
      `SELECT value FROM outbox WHERE topic = 'escalation.case-opened.v1' AND key = $1`,
      [leadId],
    );
    expect(row).toBeDefined();
    // Find the consumed envelope id in the inbox and send the same envelope again.
    const inbox = await h.sql<{ event_id: string }>(
      `SELECT event_id FROM inbox WHERE topic = 'assessment.lead-decided.v1' ORDER BY handled_at DESC LIMIT 1`,
    );
    const env = new (await import('@outpost/messaging')).Outbox({
      schema: 'x',
      producer: 'assessment',
      now: () => h.clock.now(),
    }).build({
      topic: 'assessment.lead-decided.v1',
      payload: h.decidedPayload(leadId, { decision: 'MONITOR' }),
      leadId,
      actor: { type: 'user', userId: 'p-officer-1', role: 'OFFICER' },
    });
    await h.produceRaw('assessment.lead-decided.v1', { ...env, id: inbox[0]!.event_id }, leadId);
    await handledByConsumer((text, params) => h.sql(text, params), [inbox[0]!.event_id]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await h.sql(`SELECT id FROM disposal_case WHERE primary_lead_id = $1`, [leadId])).toEqual([{ id: caseId }]);
    expect(await h.published('escalation.case-opened.v1', leadId)).toHaveLength(1);
  });

  it('MONITOR schedules a 回头看 that reopens assessment when due', async () => {
    const leadId = newLeadId();
    h.clock.set(T0);
    await h.decide(leadId, { decision: 'MONITOR' });
    expect((await h.caseView(leadId)).state).toBe('MONITORING');
    await h.advanceTo(new Date('2026-04-20T09:00:00+08:00')); // > 30 days later
    const [reopened] = await eventually(async () => {
      const r = await h.published('escalation.lead-reopened.v1', leadId);
      return r.length ? r : undefined;
    });
    expect(reopened).toMatchObject({ leadId, status: 'REOPENED', reason: '回头看到期，重新研判' });
    expect((await h.caseView(leadId)).state).toBe('REOPENED');
    h.clock.set(T0);
  });

  it('MONITOR: a new signal linked to the lead reopens assessment; the linked lead joins the case', async () => {
    const leadId = newLeadId();
    await h.decide(leadId, { decision: 'MONITOR' });
    const linked = newLeadId();
    await h.produce(
      'intake.lead-linked.v1',
      {
        leadId,
        linkedLeadId: linked,
        linkedReference: 'TH-20260316-000777',
        matchedOn: [{ key: 'uscc', value: '91440106MA5XXXXX' }],
        reportCount: 2,
        screening: { catalogVersion: '1', score: 60, band: 'orange', hits: [] },
        newHits: [],
        estimates: {
          promisedYieldPct: null,
          amountYuan: null,
          participants: null,
          lossYuan: null,
          elderlyInvolved: null,
        },
      },
      leadId,
      { type: 'source', sourceId: 'src-1' },
    );
    const [reopened] = await eventually(async () => {
      const r = await h.published('escalation.lead-reopened.v1', leadId);
      return r.length ? r : undefined;
    });
    expect(reopened!.reason).toContain('TH-20260316-000777');
    const view = await h.caseView(leadId);
    expect(view.leads.map((l) => l.relation).sort()).toEqual(['LINKED', 'PRIMARY']);
    // Assessment decides again: the same case takes the new path (cycle 2).
    await h.produce('assessment.lead-decided.v1', h.decidedPayload(leadId, { decision: 'WARNING_INTERVIEW' }), leadId);
    await eventually(async () => ((await h.caseView(leadId)).state === 'INTERVIEW' ? true : undefined));
    expect((await h.caseView(leadId)).cycle).toBe(2);
  });

  it('WARNING_INTERVIEW: tasks with due dates and results, then closure with feedback', async () => {
    const leadId = newLeadId();
    await h.registered(leadId, { publicReport: true });
    await h.decide(leadId, {
      decision: 'WARNING_INTERVIEW',
      category: 'IF-AD',
      streetCode: '440106002',
      gridIds: ['G-440106002-C01'],
    });
    let view = await h.caseView(leadId);
    expect(view.state).toBe('INTERVIEW');
    expect(view.tasks).toHaveLength(1);
    expect(view.clocks.find((c) => c.kind === 'TASK_DUE')).toMatchObject({
      status: 'RUNNING',
      subjectRef: view.tasks[0]!.id,
    });
    const rec = await h.command(leadId, 'record-action', STREET_WUSHAN, {
      actionType: 'RECTIFICATION_ORDER',
      summary: '责令下架理财宣传单',
      dueAt: '2026-03-20T18:00:00+08:00',
    });
    expect(rec.statusCode).toBe(200);
    const { taskId } = rec.json() as { taskId: string };
    expect(
      (await h.command(leadId, 'complete-task', STREET_WUSHAN, { taskId, result: '已下架并书面承诺整改' })).statusCode,
    ).toBe(200);
    expect(
      (await h.command(leadId, 'complete-task', OFFICER, { taskId: view.tasks[0]!.id, result: '已约谈法定代表人' }))
        .statusCode,
    ).toBe(200);
    view = await h.caseView(leadId);
    expect(view.tasks.every((t) => t.status === 'DONE')).toBe(true);
    expect(view.clocks.filter((c) => c.kind === 'TASK_DUE').map((c) => c.status)).toEqual(['MET', 'MET']);
    // Closure without feedback for a reported lead is refused, naming the field.
    const noFeedback = await h.command(leadId, 'close', OFFICER, { outcome: 'RECTIFIED', summary: '约谈后整改完毕' });
    expect(noFeedback.statusCode).toBe(400);
    expect(noFeedback.json().errors[0].path).toBe('reporterFeedback');
    const closed = await h.command(leadId, 'close', OFFICER, {
      outcome: 'RECTIFIED',
      summary: '约谈后整改完毕',
      reporterFeedback: '您反映的问题已处理，相关机构已整改。',
    });
    expect(closed.json()).toMatchObject({ status: 'CLOSED', state: 'CLOSED' });
    expect((await h.published('escalation.lead-closed.v1', leadId))[0]).toMatchObject({
      outcome: 'RECTIFIED',
      reporterFeedback: '您反映的问题已处理，相关机构已整改。',
    });
  });

  it('TRANSFER_AUTHORITY routes by category (DOMAIN §4) and, outside Tianhe, to the registration place (Art. 20)', async () => {
    const local = newLeadId();
    await h.decide(local, { decision: 'TRANSFER_AUTHORITY', category: 'ZQ' });
    const v1 = await h.caseView(local);
    expect(v1).toMatchObject({
      state: 'TRANSFERRED',
      jurisdiction: 'LEAD',
      authority: { system: 'FINANCIAL_REGULATOR', agency: '中国证监会派出机构' },
    });
    expect(v1.reports.map((r) => [r.system, r.purpose]).sort()).toEqual([
      ['FINANCIAL_REGULATOR', 'HANDOVER'],
      ['SUISUIAN', 'REPORT'],
    ]);

    const remote = newLeadId();
    await h.decide(remote, {
      decision: 'FILE_ADMIN_CASE',
      category: 'IF-XS',
      subjectRegisteredAddress: '广州市越秀区中山五路1号',
    });
    const v2 = await h.caseView(remote);
    expect(v2).toMatchObject({
      state: 'TRANSFERRED',
      jurisdiction: 'ASSISTING',
      authority: { system: 'LEAD_DEPARTMENT' },
    });
    expect(v2.clocks.find((c) => c.kind === 'PENALTY_DECISION')).toBeUndefined();
  });

  it('FILE_ADMIN_CASE: ≥ 2 investigators, 主要负责人 approval for account query and seal/seize, 90-day clock', async () => {
    const leadId = newLeadId();
    await h.decide(leadId, { decision: 'FILE_ADMIN_CASE' });
    let view = await h.caseView(leadId);
    expect(view.state).toBe('ADMIN_CASE_FILED');
    expect(view.clocks.find((c) => c.kind === 'PENALTY_DECISION')).toMatchObject({
      legalBasis: expect.stringContaining('行政处罚法》第60条'),
      status: 'RUNNING',
    });

    const early = await h.command(leadId, 'request-measure', OFFICER, {
      measureType: 'ACCOUNT_QUERY',
      description: '查询涉案账户',
    });
    expect([early.statusCode, early.json().code]).toEqual([409, 'INVESTIGATORS_REQUIRED']);
    const one = await h.command(leadId, 'assign-investigators', OFFICER, {
      investigators: [{ personId: 'p-officer-1', name: '张三', badgeNo: 'GD-44010601' }],
    });
    expect(one.statusCode).toBe(400);
    expect(
      (
        await h.command(leadId, 'assign-investigators', OFFICER, {
          investigators: [
            { personId: 'p-officer-1', name: '张三', badgeNo: 'GD-44010601' },
            { personId: 'p-officer-2', name: '李四', badgeNo: 'GD-44010602' },
          ],
        })
      ).statusCode,
    ).toBe(200);

    const req = await h.command(leadId, 'request-measure', OFFICER, {
      measureType: 'SEAL_SEIZE',
      description: '扣押宣传资料及合同',
    });
    expect(req.json()).toMatchObject({ status: 'DISPOSING', state: 'ADMIN_CASE_FILED' });
    const { measureId } = req.json() as { measureId: string };
    // What is offered follows what the case holds: approval while a measure waits, extension and release once active.
    const offered = async (who: typeof OFFICER) =>
      ((await h.http('GET', `/v1/leads/${leadId}/allowed-actions`, who)).json().actions as Array<{ action: string }>)
        .map((a) => a.action)
        .filter((a) =>
          ['approve-measure', 'refuse-measure', 'extend-measure', 'release-measure', 'decide-preservation'].includes(a),
        );
    expect(await offered(SUPERVISOR)).toEqual(['approve-measure', 'refuse-measure']);
    expect(await offered(OFFICER)).toEqual([]);
    const byOfficer = await h.command(leadId, 'approve-measure', OFFICER, { measureId });
    expect([byOfficer.statusCode, byOfficer.json().code]).toEqual([403, 'ROLE_NOT_ALLOWED']);
    const approved = await h.command(leadId, 'approve-measure', SUPERVISOR, { measureId });
    expect(approved.statusCode).toBe(200);
    view = await h.caseView(leadId);
    expect(view.measures.find((m) => m.id === measureId)).toMatchObject({ status: 'ACTIVE' });
    expect(view.clocks.find((c) => c.kind === 'SEIZURE')).toMatchObject({ status: 'RUNNING', subjectRef: measureId });
    // A second request the head does not approve: refused with a reason, it stays on the record as refused.
    const second = (
      await h.command(leadId, 'request-measure', OFFICER, {
        measureType: 'SEAL_SEIZE',
        description: '扣押负责人个人车辆',
      })
    ).json() as { measureId: string };
    const noReason = await h.command(leadId, 'refuse-measure', SUPERVISOR, { measureId: second.measureId });
    expect([noReason.statusCode, noReason.json().errors[0].path]).toEqual([400, 'reason']);
    const refused = await h.command(leadId, 'refuse-measure', SUPERVISOR, {
      measureId: second.measureId,
      reason: '与涉案资金无关，不予批准',
    });
    expect(refused.statusCode).toBe(200);
    view = await h.caseView(leadId);
    expect(view.measures.find((m) => m.id === second.measureId)).toMatchObject({ status: 'REFUSED' });
    const late = await h.command(leadId, 'approve-measure', SUPERVISOR, { measureId: second.measureId });
    expect([late.statusCode, late.json().code]).toEqual([409, 'MEASURE_NOT_PENDING']);
    expect(await offered(SUPERVISOR)).toEqual(['extend-measure']); // the head extends (Art. 25), the officer releases
    expect(await offered(OFFICER)).toEqual(['release-measure']);

    // Closing with an active seizure is refused.
    const close = await h.command(leadId, 'close', OFFICER, {
      outcome: 'PENALIZED',
      summary: 'x',
      reporterFeedback: 'y',
    });
    expect(close.statusCode).toBe(409);
    expect(
      (await h.command(leadId, 'release-measure', OFFICER, { measureId, reason: '已作出处理决定' })).statusCode,
    ).toBe(200);
    expect(await offered(OFFICER)).toEqual([]);
    expect(await offered(SUPERVISOR)).toEqual([]);
    // 已处罚 needs a penalty decision on the record first; a measure still in force ends with the case.
    const unrecorded = await h.command(leadId, 'close', OFFICER, {
      outcome: 'PENALIZED',
      summary: 'x',
      reporterFeedback: 'y',
    });
    expect([unrecorded.statusCode, unrecorded.json().code, unrecorded.json().errors[0].path]).toEqual([
      409,
      'OUTCOME_NOT_RECORDED',
      'outcome',
    ]);
    const inspection = (
      await h.command(leadId, 'request-measure', OFFICER, {
        measureType: 'ENTER_PREMISES',
        description: '进入推介会现场检查',
      })
    ).json() as { measureId: string; measureStatus: string };
    expect(inspection.measureStatus).toBe('ACTIVE');
    expect(
      (
        await h.command(leadId, 'record-penalty-decision', OFFICER, {
          result: 'PENALTY',
          summary: '罚款并责令退赔',
          docNo: '穗天罚〔2026〕1号',
        })
      ).json(),
    ).toMatchObject({ state: 'PENALTY_DECIDED' });
    expect((await h.caseView(leadId)).clocks.find((c) => c.kind === 'PENALTY_DECISION')!.status).toBe('MET');
    const closed = await h.command(leadId, 'close', OFFICER, {
      outcome: 'PENALIZED',
      summary: '已罚款并责令退赔',
      reporterFeedback: '相关主体已被依法处罚。',
    });
    expect(closed.json()).toMatchObject({ state: 'CLOSED' });
    expect((await h.caseView(leadId)).measures.find((m) => m.id === inspection.measureId)).toMatchObject({
      status: 'RELEASED',
    });
    // The trail names the measure and the result in words.
    const trail = (await h.http('GET', `/v1/audit/leads/${leadId}`, OFFICER)).json() as {
      entries: Array<{ action: string; reason: string }>;
    };
    const reasons = trail.entries.map((e) => e.reason);
    expect(reasons).toEqual(
      expect.arrayContaining([
        '申请措施「查封、扣押」：扣押宣传资料及合同',
        '主要负责人批准措施「查封、扣押」',
        '解除措施「查封、扣押」：已作出处理决定',
        '处理决定（给予行政处罚）：罚款并责令退赔',
      ]),
    );
  });

  it('answers 403 out of scope, 409 with a Chinese reason, lists allowed actions and the transition table', async () => {
    const leadId = newLeadId();
    await h.decide(leadId, { decision: 'REFER_POLICE' });
    const scope = await h.command(leadId, 'record-action', STREET_WUSHAN, { actionType: 'OTHER', summary: 'x' });
    expect([scope.statusCode, scope.json().code]).toEqual([403, 'OUT_OF_SCOPE']);
    const wrong = await h.command(leadId, 'send-referral', OFFICER, {
      materials: ['TRANSFER_LETTER', 'INVESTIGATION_REPORT'],
    });
    expect(wrong.statusCode).toBe(409);
    expect(wrong.headers['content-type']).toContain('application/problem+json');
    expect(wrong.json()).toMatchObject({ code: 'TRANSITION_NOT_ALLOWED', status: 409 });
    expect(wrong.json().detail).toContain('移送待负责人审批');
    const allowed = await h.http('GET', `/v1/leads/${leadId}/allowed-actions`, SUPERVISOR);
    expect(allowed.json().actions.map((a: { action: string }) => a.action)).toEqual([
      'approve-referral',
      'refuse-referral',
      'assign-handler',
    ]);
    const table = await h.http('GET', '/v1/transitions', OFFICER);
    expect(table.json().transitions.length).toBeGreaterThan(20);
    expect(table.json().clocks.find((c: { kind: string }) => c.kind === 'REFERRAL_TRANSFER')).toMatchObject({
      period: '24h',
      legalBasis: expect.stringContaining('第5条'),
    });
    expect((await h.command('no-such-lead', 'close', OFFICER, { outcome: 'OTHER', summary: 'x' })).statusCode).toBe(
      404,
    );
  });
});
