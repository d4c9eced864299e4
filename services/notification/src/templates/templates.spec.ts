import { renderDigest, renderMessage } from './templates';
import { redactSensitive } from './template-text';

const ctx = (eventType: string, payload: Record<string, unknown>) => ({
  eventType,
  reference: 'TH-20260316-000123',
  occurredAt: '2026-03-16T01:30:00Z',
  payload,
});

describe('templates', () => {
  it('renders an assignment e-mail in Simplified Chinese with the public reference and Beijing time', () => {
    const m = renderMessage(
      'EMAIL',
      ctx('assessment.lead-assigned.v1', { dueAt: '2026-03-19T10:00:00Z', reason: 'ROUTED' }),
      'zh-CN',
    );
    expect(m.subject).toBe('【前哨】新线索 TH-20260316-000123 已分派');
    expect(m.body).toContain('线索编号：TH-20260316-000123');
    expect(m.body).toContain('办理期限：2026-03-19 18:00');
    expect(m.body).toContain('时间：2026-03-16 09:30（北京时间）');
  });

  it('renders English on preference', () => {
    const m = renderMessage(
      'INBOX',
      ctx('assessment.deadline-breached.v1', { dueAt: '2026-03-16T01:00:00Z', step: 2 }),
      'en',
    );
    expect(m.subject).toBe('OVERDUE: lead TH-20260316-000123');
    expect(m.body).toContain('escalation step 2');
  });

  it('uses only structured fields: free text such as reasoning, descriptions or answers never appears', () => {
    const m = renderMessage(
      'EMAIL',
      ctx('assessment.lead-decided.v1', {
        decision: 'REFER_POLICE',
        reasoning: '举报人张三 13912345678 称',
        feedback: '机密',
      }),
      'zh-CN',
    );
    expect(m.body).toContain('移送公安机关');
    expect(m.body).not.toContain('张三');
    expect(m.body).not.toContain('13912345678');
    expect(m.body).not.toContain('机密');
  });

  it('has a template for every consumed lead event, short SMS with the brand, and a generic fallback', () => {
    const sms = renderMessage('SMS', ctx('assessment.lead-alerted.v1', { band: 'red', score: 88 }), 'zh-CN');
    expect(sms.subject).toBeNull();
    expect(sms.body.startsWith('【前哨】线索 TH-20260316-000123 为红色风险')).toBe(true);
    expect(renderMessage('INBOX', ctx('some.unknown.v1', {}), 'zh-CN').subject).toBe(
      '线索 TH-20260316-000123 有新动态',
    );
  });

  it('tells a closed lead’s outcome in words, not as its code', () => {
    const zh = renderMessage('INBOX', ctx('escalation.lead-closed.v1', { outcome: 'PENALIZED' }), 'zh-CN');
    expect(zh.body).toBe('线索 TH-20260316-000123 已办结，处理结果：已处罚。');
    expect(
      renderMessage('INBOX', ctx('escalation.lead-closed.v1', { outcome: 'NOT_ILLEGAL' }), 'zh-CN').body,
    ).toContain('处理结果：不构成违法。');
    expect(renderMessage('INBOX', ctx('escalation.lead-closed.v1', { outcome: 'PENALIZED' }), 'en').body).toBe(
      'Lead TH-20260316-000123 was closed. Outcome: penalized.',
    );
  });

  it('shows no code to people: systems, channels, paths, bands, decisions, statuses and actions read as words', () => {
    const texts = (eventType: string, payload: Record<string, unknown>) =>
      (['zh-CN', 'en'] as const).flatMap((l) => {
        const m = renderMessage('EMAIL', ctx(eventType, payload), l);
        return [m.subject ?? '', m.body];
      });
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['escalation.reported-upstream.v1', { system: 'SUISUIAN' }, '线索 TH-20260316-000123 已报送穗岁安。'],
      ['escalation.upstream-acknowledged.v1', { system: 'POLICE' }, '公安经侦已签收线索 TH-20260316-000123 的报送。'],
      ['escalation.case-opened.v1', { caseNo: 'CZ-1', path: 'REFER_POLICE' }, '（移送公安机关）'],
      ['escalation.lead-closed.v1', { outcome: 'MONITORING_ENDED' }, '回头看结束'],
      ['notification.delivery-failed.v1', { channel: 'WEBHOOK', deliveryId: 'd-1', attempts: 8 }, '来源系统回调'],
      ['assessment.lead-triaged.v1', { band: 'orange', score: 40 }, '橙色'],
      ['assessment.lead-alerted.v1', { band: 'red', score: 88 }, '红色'],
      ['assessment.opinion-submitted.v1', { recommendation: 'WARNING_INTERVIEW' }, '约谈警示'],
      ['assessment.lead-decided.v1', { decision: 'CLOSE_NOT_ILLEGAL' }, '不构成违法，予以办结'],
      ['assessment.lead-transitioned.v1', { status: 'IN_REVIEW', action: 'claimed' }, '当前状态：研判中'],
      ['assessment.lead-assigned.v1', { assigneeId: 'p-1', reason: 'REASSIGNED' }, '已改派'],
    ];
    for (const [eventType, payload, words] of cases) {
      const all = texts(eventType, payload);
      expect(all.join('\n')).toContain(words);
      for (const code of Object.values(payload).filter((v) => typeof v === 'string' && /^[A-Z_]{3,}$/.test(v)))
        expect(all.filter((t) => t.includes(String(code)))).toEqual([]);
    }
  });

  it('words an assignment by why the holder changed: a claim or a returned opinion is no new assignment', () => {
    const title = (payload: Record<string, unknown>) =>
      renderMessage('INBOX', ctx('assessment.lead-assigned.v1', payload), 'zh-CN').subject;
    const held = { assigneeId: 'p-volunteer-1', partnerId: 'p-sentinel-1' };
    expect(title({ ...held, reason: 'ROUTED' })).toBe('新线索 TH-20260316-000123 已分派');
    expect(title({ ...held, reason: 'REASSIGNED' })).toBe('线索 TH-20260316-000123 已改派');
    expect(title({ ...held, reason: 'REOPENED' })).toBe('线索 TH-20260316-000123 重新打开并已分派');
    expect(title({ ...held, reason: 'CLAIMED' })).toBe('线索 TH-20260316-000123 已认领');
    expect(title({ ...held, reason: 'RETURNED' })).toBe('线索 TH-20260316-000123 退回补充');
    expect(title({ assigneeId: null, pool: 'STREET', reason: 'RELEASED' })).toBe(
      '线索 TH-20260316-000123 退回队列待认领',
    );
    expect(title({ assigneeId: null, pool: 'STREET', reason: 'ROUTED' })).toBe(
      '线索 TH-20260316-000123 进入队列待认领',
    );
    expect(renderMessage('INBOX', ctx('assessment.lead-assigned.v1', { ...held, reason: 'ROUTED' }), 'en').body).toBe(
      'Lead TH-20260316-000123 has been assigned.',
    );
  });

  it('masks mobile, ID card and bank card numbers as a last line of defence', () => {
    expect(redactSensitive('电话13912345678，卡号6222021234567890123，身份证44010619900101123X')).toBe(
      '电话[已隐藏]，卡号[已隐藏]，身份证[已隐藏]',
    );
    expect(redactSensitive('TH-20260316-000123')).toBe('TH-20260316-000123');
  });

  it('renders the daily digest with one line per item', () => {
    const d = renderDigest(
      [{ subject: '【前哨】线索 A 新增证据', body: '', createdAt: new Date('2026-03-16T02:00:00Z') }],
      '2026-03-17',
      'zh-CN',
    );
    expect(d.subject).toBe('【前哨】2026-03-17 每日汇总：1 条动态');
    expect(d.body).toContain('• 2026-03-16 10:00  线索 A 新增证据');
  });
});
