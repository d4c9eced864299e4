/** Formatting helpers shared by the templates. Times are shown in Asia/Shanghai (UTC+8, no daylight saving). */
import { shanghaiDateTime } from '@outpost/clock';
import { BAND_LABELS, labelOf, RECOMMENDATION_LABELS } from '@outpost/contracts';

export type Locale = 'zh-CN' | 'en';

export const localTime = (iso: string | Date | null | undefined): string => (iso ? shanghaiDateTime(iso) : '');

export const bandLabel = (band: unknown, l: Locale): string => labelOf(BAND_LABELS, band, l === 'en' ? 'en' : 'zh');

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

export const decisionLabel = (d: unknown, l: Locale): string =>
  labelOf(RECOMMENDATION_LABELS, d, l === 'en' ? 'en' : 'zh');

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
