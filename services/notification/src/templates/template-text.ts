/** Formatting helpers shared by the templates. Times are shown in Asia/Shanghai (UTC+8, no daylight saving). */
export type Locale = 'zh-CN' | 'en';

const SHANGHAI_OFFSET_MS = 8 * 3600_000;

export function localTime(iso: string | Date | null | undefined): string {
  if (!iso) return '';
  const d = new Date(new Date(iso).getTime() + SHANGHAI_OFFSET_MS);
  if (Number.isNaN(d.getTime())) return '';
  return d.toISOString().slice(0, 16).replace('T', ' ');
}

const BAND: Record<string, [string, string]> = {
  red: ['红色', 'red'],
  orange: ['橙色', 'orange'],
  yellow: ['黄色', 'yellow'],
  none: ['无', 'none'],
};
export const bandLabel = (band: unknown, l: Locale): string =>
  (BAND[String(band)] ?? [String(band), String(band)])[l === 'en' ? 1 : 0];

const STATUS: Record<string, string> = {
  REPORTED: '已受理',
  LINKED: '已并案',
  TRIAGED: '已研判分级',
  ASSIGNED: '已分派',
  IN_REVIEW: '核查中',
  VERIFYING: '核实中',
  OPINION_SUBMITTED: '已提交专业意见',
  DECIDED: '已认定',
  DISPOSING: '处置中',
  MONITORING: '持续关注',
  REOPENED: '已重新打开',
  CLOSED: '已办结',
};
export const statusLabel = (s: unknown, l: Locale): string =>
  l === 'en' ? String(s) : (STATUS[String(s)] ?? String(s));

const DECISION: Record<string, [string, string]> = {
  CLOSE_NOT_ILLEGAL: ['不构成违法，予以办结', 'closed: not illegal'],
  MONITOR: ['持续关注', 'monitor'],
  WARNING_INTERVIEW: ['约谈警示', 'warning interview'],
  TRANSFER_AUTHORITY: ['移交主管部门', 'transferred to the competent authority'],
  REFER_POLICE: ['移送公安机关', 'referred to the police'],
  FILE_ADMIN_CASE: ['行政立案', 'administrative case filed'],
};
export const decisionLabel = (d: unknown, l: Locale): string =>
  (DECISION[String(d)] ?? [String(d), String(d)])[l === 'en' ? 1 : 0];

/**
 * Last line of defence: templates only use structured fields, but anything that looks like a mainland mobile number,
 * an ID card number or a bank card/account number is masked before it leaves the service.
 */
export function redactSensitive(text: string): string {
  return text
    .replace(/(?<!\d)\d{17}[\dXx](?!\d)/g, '[已隐藏]')
    .replace(/(?<!\d)\d{12,19}(?!\d)/g, '[已隐藏]')
    .replace(/(?<!\d)1[3-9]\d{9}(?!\d)/g, '[已隐藏]');
}
