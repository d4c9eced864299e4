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
