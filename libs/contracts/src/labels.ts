import type { Band, Category, Recommendation } from './lead-status';

/**
 * How the shared vocabulary reads to people: the words services write into the audit trail (in Chinese, the record's
 * language) and into messages (both languages). Typed by the enums, so a new value cannot go without its words.
 * The admin UI keeps its own dictionary (services/admin-ui/src/i18n), which may phrase a label for a form.
 */
export interface Label {
  zh: string;
  en: string;
}

export const BAND_LABELS: Record<Band, Label> = {
  red: { zh: '红色', en: 'red' },
  orange: { zh: '橙色', en: 'orange' },
  yellow: { zh: '黄色', en: 'yellow' },
  none: { zh: '未达预警', en: 'none' },
};

export const RECOMMENDATION_LABELS: Record<Recommendation, Label> = {
  CLOSE_NOT_ILLEGAL: { zh: '不构成违法，予以办结', en: 'closed: not illegal' },
  MONITOR: { zh: '持续关注', en: 'monitor' },
  WARNING_INTERVIEW: { zh: '约谈警示', en: 'warning interview' },
  TRANSFER_AUTHORITY: { zh: '移交主管部门', en: 'transferred to the competent authority' },
  REFER_POLICE: { zh: '移送公安机关', en: 'referred to the police' },
  FILE_ADMIN_CASE: { zh: '行政立案', en: 'administrative case filed' },
};

export const CATEGORY_LABELS: Record<Category, Label> = {
  IF: { zh: '非法集资', en: 'Illegal fundraising' },
  'IF-XS': { zh: '非法吸收公众存款', en: 'Illegal public deposit-taking' },
  'IF-ZP': { zh: '集资诈骗', en: 'Fundraising fraud' },
  'IF-FX': { zh: '擅自发行股票/债券', en: 'Unauthorised share/bond issue' },
  'IF-SM': { zh: '非法私募', en: 'Illegal private fund' },
  'IF-YL': { zh: '养老领域非法集资', en: 'Pension-sector fundraising' },
  'IF-AD': { zh: '涉非法集资广告', en: 'Fundraising advertising' },
  FD: { zh: '非法放贷', en: 'Illegal lending' },
  ZF: { zh: '非法支付结算', en: 'Illegal payment settlement' },
  ZQ: { zh: '非法证券', en: 'Illegal securities' },
  QH: { zh: '非法期货', en: 'Illegal futures' },
  WH: { zh: '非法外汇', en: 'Illegal foreign exchange' },
  HJ: { zh: '非法黄金/贵金属', en: 'Illegal gold/precious metals' },
  XN: { zh: '虚拟货币/非法代币', en: 'Virtual currency/tokens' },
  BX: { zh: '非法保险', en: 'Illegal insurance' },
  CX: { zh: '传销', en: 'Pyramid selling' },
  ZJ: { zh: '金融领域非法中介', en: 'Illegal financial intermediary' },
  DZ: { zh: '电信网络诈骗', en: 'Telecom fraud' },
  OT: { zh: '其他非法金融活动', en: 'Other illegal financial activity' },
};

/** The label of `value` in `table`, or the value itself when it is not one (an old or foreign code stays readable). */
export function labelOf<K extends string>(table: Record<K, Label>, value: unknown, lang: keyof Label = 'zh'): string {
  const label = (table as Record<string, Label | undefined>)[String(value)];
  return label ? label[lang] : String(value);
}

/** "非法吸收公众存款（IF-XS）": a category as the record names it, its code kept for the statistics people quote. */
export const categoryText = (category: unknown): string =>
  `${labelOf(CATEGORY_LABELS, category)}（${String(category)}）`;
