import { ManualClock } from '@outpost/clock';
import { Harness, newLeadId, OFFICER, OFFICER2, SUPERVISOR, T0, type CaseView } from './escalation.harness';

jest.setTimeout(120_000);

/** End of a Guangzhou day as an ISO instant. */
const endOf = (day: string) => new Date(`${day}T23:59:59.999+08:00`).toISOString();
const at = (s: string) => new Date(`${s}+08:00`);
const clockOf = (v: CaseView, kind: string, n = 0) => v.clocks.filter((c) => c.kind === kind)[n];

describe('escalation: legal clocks from the catalogue, driven by a ManualClock', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start();
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  it('移送: approval 3 days, transfer 24 h, police 3 days, 补正 notice 24 h and correction 3 days, 复议 3 + 3, hand-over 3 days', async () => {
    h.clock.set(T0); // Mon 2026-03-16 09:00
    const leadId = newLeadId();
    await h.decide(leadId, { decision: 'REFER_POLICE' });
    let v = await h.caseView(leadId);
    expect(clockOf(v, 'REFERRAL_APPROVAL')).toMatchObject({
      dueAt: endOf('2026-03-19'),
      legalBasis: '《行政执法机关移送涉嫌犯罪案件的规定》第5条',
      workingDays: false,
    });

    h.clock.set(at('2026-03-17T10:00:00'));
    const approve = await h.command(leadId, 'approve-referral', SUPERVISOR, { note: '同意移送' });
    expect(approve.json()).toMatchObject({ state: 'REFERRAL_APPROVED' });
    v = await h.caseView(leadId);
    expect(clockOf(v, 'REFERRAL_APPROVAL')!.status).toBe('MET');
    expect(clockOf(v, 'REFERRAL_TRANSFER')!.dueAt).toBe(at('2026-03-18T10:00:00').toISOString());

    h.clock.set(at('2026-03-17T15:00:00'));
    const missing = await h.command(leadId, 'send-referral', OFFICER, { materials: ['TRANSFER_LETTER'] });
    expect([missing.statusCode, missing.json().errors[0].path]).toEqual([400, 'materials']);
    expect(
      (
        await h.command(leadId, 'send-referral', OFFICER, {
          materials: ['TRANSFER_LETTER', 'INVESTIGATION_REPORT', 'ITEM_LIST'],
        })
      ).json(),
    ).toMatchObject({ state: 'REFERRED' });
    v = await h.caseView(leadId);
    expect(clockOf(v, 'POLICE_DECISION')!.dueAt).toBe(endOf('2026-03-20'));
    expect(clockOf(v, 'MATERIALS_NOTICE')!.dueAt).toBe(at('2026-03-18T15:00:00').toISOString());

    // Police say materials are incomplete (within 24 h): correction within 3 days; Sat 21st → ends Monday 23rd.
    h.clock.set(at('2026-03-18T11:00:00'));
    expect(
      (
        await h.command(leadId, 'record-police-decision', OFFICER, {
          decision: 'MATERIALS_INCOMPLETE',
          note: '缺涉案物品清单原件',
        })
      ).json(),
    ).toMatchObject({ state: 'MATERIALS_REQUESTED' });
    v = await h.caseView(leadId);
    expect(clockOf(v, 'MATERIALS_CORRECTION')!.dueAt).toBe(endOf('2026-03-23'));
    expect(clockOf(v, 'POLICE_DECISION')!.status).toBe('CANCELLED');

    h.clock.set(at('2026-03-19T09:00:00'));
    expect(
      (await h.command(leadId, 'supplement-materials', OFFICER, { materials: ['ITEM_LIST'] })).json(),
    ).toMatchObject({ state: 'REFERRED' });
    v = await h.caseView(leadId);
    expect(clockOf(v, 'POLICE_DECISION', 1)!.dueAt).toBe(endOf('2026-03-23')); // 22nd is a Sunday

    h.clock.set(at('2026-03-20T10:00:00'));
    expect((await h.command(leadId, 'record-police-decision', OFFICER, { decision: 'DECLINED' })).json()).toMatchObject(
      { state: 'POLICE_DECLINED' },
    );
    v = await h.caseView(leadId);
    expect(clockOf(v, 'RECONSIDERATION_REQUEST')!.dueAt).toBe(endOf('2026-03-23'));

    h.clock.set(at('2026-03-23T09:00:00'));
    expect(
      (await h.command(leadId, 'request-reconsideration', OFFICER, { reason: '已达追诉标准' })).json(),
    ).toMatchObject({ state: 'RECONSIDERATION' });
    expect(clockOf(await h.caseView(leadId), 'RECONSIDERATION_ANSWER')!.dueAt).toBe(endOf('2026-03-26'));

    h.clock.set(at('2026-03-24T09:00:00'));
    expect(
      (await h.command(leadId, 'record-reconsideration', OFFICER, { upheld: false, note: '复议后立案' })).json(),
    ).toMatchObject({ state: 'POLICE_FILED' });
    expect(clockOf(await h.caseView(leadId), 'MATERIALS_HANDOVER')!.dueAt).toBe(endOf('2026-03-27'));
    expect(
      (await h.command(leadId, 'hand-over-materials', OFFICER, { items: ['宣传单 120 份', '合同 35 份'] })).statusCode,
    ).toBe(200);
    v = await h.caseView(leadId);
    expect(v.clocks.filter((c) => c.status === 'RUNNING')).toEqual([]);
    expect(v.reports.filter((r) => r.system === 'POLICE').map((r) => r.purpose)).toEqual([
      'REFERRAL',
      'MATERIALS',
      'REFERRAL',
      'MATERIALS',
    ]);
  });

  it('police decline → back to the admin case (移送规定 Art. 10) with the 90-day clock from then', async () => {
    h.clock.set(T0);
    const leadId = newLeadId();
    await h.decide(leadId, { decision: 'REFER_POLICE' });
    await h.command(leadId, 'approve-referral', SUPERVISOR, {});
    await h.command(leadId, 'send-referral', OFFICER, { materials: ['TRANSFER_LETTER', 'INVESTIGATION_REPORT'] });
    await h.command(leadId, 'record-police-decision', OFFICER, { decision: 'DECLINED' });
    const back = await h.command(leadId, 'return-to-admin', OFFICER, { reason: '公安不予立案，依法行政处理' });
    expect(back.json()).toMatchObject({ state: 'ADMIN_CASE_FILED', status: 'DISPOSING' });
    expect(clockOf(await h.caseView(leadId), 'PENALTY_DECISION')!.dueAt).toBe(endOf('2026-06-15')); // 90 days → Sun 14 June → Mon 15
    // Every step of the case is announced, in order, so readers know who must act next and by when (our clocks only).
    expect(
      (await h.published('escalation.case-state-changed.v1', leadId)).map((e) => [
        e.action,
        e.from,
        e.to,
        e.status,
        e.handlerId,
        e.pendingApprovals,
        e.approvalRequested,
        e.dueAt,
      ]),
    ).toEqual([
      ['case-opened', null, 'REFERRAL_PENDING_APPROVAL', 'DISPOSING', 'p-officer-1', 1, true, endOf('2026-03-19')],
      // The transfer within 24 hours of the approval (移送规定 Art. 8).
      [
        'approve-referral',
        'REFERRAL_PENDING_APPROVAL',
        'REFERRAL_APPROVED',
        'DISPOSING',
        'p-officer-1',
        0,
        false,
        '2026-03-17T01:00:00.000Z',
      ],
      // Now the police's clock runs, not one of ours.
      ['send-referral', 'REFERRAL_APPROVED', 'REFERRED', 'DISPOSING', 'p-officer-1', 0, false, null],
      [
        'record-police-decision',
        'REFERRED',
        'POLICE_DECLINED',
        'DISPOSING',
        'p-officer-1',
        0,
        false,
        endOf('2026-03-19'),
      ],
      [
        'return-to-admin',
        'POLICE_DECLINED',
        'ADMIN_CASE_FILED',
        'DISPOSING',
        'p-officer-1',
        0,
        false,
        endOf('2026-06-15'),
      ],
    ]);
    // Whoever proposes a (new) referral handles the case from then on, and readers learn it from the same event.
    const again = await h.command(leadId, 'refer-police', OFFICER2, { reason: '查实涉案金额已达立案追诉标准' });
    expect(again.json()).toMatchObject({ state: 'REFERRAL_PENDING_APPROVAL' });
    expect((await h.published('escalation.case-state-changed.v1', leadId)).at(-1)).toMatchObject({
      action: 'refer-police',
      to: 'REFERRAL_PENDING_APPROVAL',
      handlerId: 'p-officer-2',
      pendingApprovals: 1,
      approvalRequested: true,
    });
  });

  it('seizure 30 + 30 days (extension once, from the original end) and 先行登记保存 7 working days over National Day', async () => {
    h.clock.set(T0);
    const leadId = newLeadId();
    await h.decide(leadId, { decision: 'FILE_ADMIN_CASE' });
    await h.command(leadId, 'assign-investigators', OFFICER, {
      investigators: [
        { personId: 'p-officer-1', name: '张三', badgeNo: 'GD-44010601' },
        { personId: 'p-officer-2', name: '李四', badgeNo: 'GD-44010602' },
      ],
    });
    const { measureId } = (
      await h.command(leadId, 'request-measure', OFFICER, { measureType: 'SEAL_SEIZE', description: '扣押合同' })
    ).json() as { measureId: string };
    // A seizure waits for the head's approval: readers are told, and told again when it is given.
    const last = async () => (await h.published('escalation.case-state-changed.v1', leadId)).at(-1)!;
    expect(await last()).toMatchObject({ action: 'request-measure', pendingApprovals: 1, approvalRequested: true });
    const approved = await h.command(leadId, 'approve-measure', SUPERVISOR, { measureId });
    expect(await last()).toMatchObject({ action: 'approve-measure', pendingApprovals: 0, approvalRequested: false });
    expect(approved.json().endsAt).toBe(endOf('2026-04-15'));
    const ext = await h.command(leadId, 'extend-measure', SUPERVISOR, { measureId, reason: '需检验鉴定' });
    expect(ext.json().endsAt).toBe(endOf('2026-05-15'));
    expect((await h.command(leadId, 'extend-measure', SUPERVISOR, { measureId, reason: '再延' })).json().code).toBe(
      'ALREADY_EXTENDED',
    );

    h.clock.set(at('2026-09-30T10:00:00')); // the day before the 7-day National Day holiday; Sat 10 Oct is a make-up working day
    const pres = await h.command(leadId, 'register-preservation', OFFICER, { description: '先行登记保存账册 3 本' });
    expect(pres.json().decideBy).toBe(endOf('2026-10-15'));
    expect(clockOf(await h.caseView(leadId), 'PRESERVATION_DECISION')).toMatchObject({
      workingDays: true,
      legalBasis: expect.stringContaining('第85条'),
    });
  });

  it('an overdue clock climbs its ladder, one event and one audit entry per step, exactly once across a restart', async () => {
    const clock = new ManualClock(T0);
    let run = await Harness.start({ clock });
    const leadId = newLeadId();
    try {
      await run.decide(leadId, { decision: 'REFER_POLICE' }); // approval due end of Thu 19 March
      const approval = clockOf(await run.caseView(leadId), 'REFERRAL_APPROVAL')!;
      expect((await run.advanceTo(at('2026-03-19T23:00:00'))).fired).toBe(0);
      await run.advanceTo(at('2026-03-20T01:00:00')); // step 1 (handler)
      await run.advanceTo(at('2026-03-20T01:30:00')); // nothing new
      expect((await run.published('escalation.deadline-breached.v1', leadId)).map((e) => e.step)).toEqual([1]);

      const kept = await run.stop();
      clock.set(at('2026-03-20T05:00:00')); // past step 2 (+4 h) while the worker was down
      run = await Harness.start({ clock, reuse: kept }); // start() reconciles: step 2 fires once
      await run.advanceTo(at('2026-03-21T01:00:00')); // step 3 (+24 h)
      await run.advanceTo(at('2026-03-22T01:00:00'));
      const events = await run.published('escalation.deadline-breached.v1', leadId);
      expect(events.map((e) => e.step)).toEqual([1, 2, 3]);
      expect(events[0]).toMatchObject({
        deadlineId: approval.id,
        kind: 'REFERRAL_APPROVAL',
        legalBasis: '《行政执法机关移送涉嫌犯罪案件的规定》第5条',
        notify: [{ personId: 'p-officer-1', role: 'OFFICER' }],
      });
      expect(events[2]!.notify.map((n) => n.personId)).toEqual(['p-supervisor-1', 'p-officer-1']);
      const audit = await run.sql(
        `SELECT reason FROM audit_log WHERE lead_id = $1 AND action = 'escalation.deadline-breached' ORDER BY at`,
        [leadId],
      );
      expect(audit).toHaveLength(3);
      expect(clockOf(await run.caseView(leadId), 'REFERRAL_APPROVAL')).toMatchObject({
        status: 'BREACHED',
        breachStep: 3,
      });

      // A clock met in time never escalates.
      const onTime = newLeadId();
      await run.decide(onTime, { decision: 'REFER_POLICE' });
      await run.command(onTime, 'approve-referral', SUPERVISOR, {});
      await run.advanceTo(at('2026-03-30T09:00:00'));
      const onTimeEvents = await run.published('escalation.deadline-breached.v1', onTime);
      expect(onTimeEvents.filter((e) => e.kind === 'REFERRAL_APPROVAL')).toEqual([]);
      expect(onTimeEvents.filter((e) => e.kind === 'REFERRAL_TRANSFER').map((e) => e.step)).toEqual([1, 2, 3]); // never sent
    } finally {
      await run.close();
    }
  });
});
