/** Formatting helpers shared by the templates. Times are shown in Asia/Shanghai (UTC+8, no daylight saving). */
import { shanghaiDateTime } from '@outpost/clock';
import {
  BAND_LABELS,
  CLOSE_OUTCOME_LABELS,
  EXTERNAL_SYSTEM_LABELS,
  labelOf,
  LEAD_STATUS_LABELS,
  RECOMMENDATION_LABELS,
  type Label,
} from '@outpost/contracts';
import type { DeliveryChannel } from '../rules/rule.types';

export type Locale = 'zh-CN' | 'en';

export const localTime = (iso: string | Date | null | undefined): string => (iso ? shanghaiDateTime(iso) : '');

export const bandLabel = (band: unknown, l: Locale): string => labelOf(BAND_LABELS, band, l === 'en' ? 'en' : 'zh');

/** In the words of the admin UI's lead list, so a message and the screen it points to agree. */
export const statusLabel = (s: unknown, l: Locale): string => labelOf(LEAD_STATUS_LABELS, s, l === 'en' ? 'en' : 'zh');

export const decisionLabel = (d: unknown, l: Locale): string =>
  labelOf(RECOMMENDATION_LABELS, d, l === 'en' ? 'en' : 'zh');

export const outcomeLabel = (o: unknown, l: Locale): string =>
  labelOf(CLOSE_OUTCOME_LABELS, o, l === 'en' ? 'en' : 'zh');

export const systemLabel = (s: unknown, l: Locale): string =>
  labelOf(EXTERNAL_SYSTEM_LABELS, s, l === 'en' ? 'en' : 'zh');

/** Notification's own channels (an operator reads them in delivery-failure notices). */
const CHANNEL: Record<DeliveryChannel, Label> = {
  INBOX: { zh: '站内信', en: 'inbox' },
  EMAIL: { zh: '邮件', en: 'e-mail' },
  SMS: { zh: '短信', en: 'SMS' },
  WEBHOOK: { zh: '来源系统回调', en: 'webhook' },
};
export const channelLabel = (c: unknown, l: Locale): string => labelOf(CHANNEL, c, l === 'en' ? 'en' : 'zh');

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
