import type {
  Band,
  Category,
  CloseOutcome,
  ExternalSystem,
  LeadStage,
  LeadStatus,
  Recommendation,
  SourceChannel,
} from './lead-status';

/**
 * How the shared vocabulary reads to people: the words services write into the audit trail (in Chinese, the record's
 * language) and into messages (both languages). Typed by the enums, so a new value cannot go without its words.
 * The admin UI keeps its own dictionary (services/admin-ui/src/i18n), which may phrase a label for a form.
 */
export interface Label {
  zh: string;
  en: string;
}

/** A lead's overall status, worded as the admin UI's lead list shows it. */
export const LEAD_STATUS_LABELS: Record<LeadStatus, Label> = {
  REPORTED: { zh: '已上报', en: 'Reported' },
  LINKED: { zh: '已并入', en: 'Linked' },
  TRIAGED: { zh: '已分级', en: 'Triaged' },
  ASSIGNED: { zh: '已分派', en: 'Assigned' },
  IN_REVIEW: { zh: '研判中', en: 'In review' },
  VERIFYING: { zh: '交叉核实中', en: 'Verifying' },
  OPINION_SUBMITTED: { zh: '已提交意见', en: 'Opinion submitted' },
  DECIDED: { zh: '已决定', en: 'Decided' },
  DISPOSING: { zh: '处置中', en: 'Disposing' },
  MONITORING: { zh: '回头看', en: 'Monitoring' },
  REOPENED: { zh: '重新研判', en: 'Reopened' },
  CLOSED: { zh: '已办结', en: 'Closed' },
};

export const STAGE_LABELS: Record<LeadStage, Label> = {
  intake: { zh: '受理', en: 'Intake' },
  assessment: { zh: '研判', en: 'Assessment' },
  escalation: { zh: '处置', en: 'Disposal' },
  closed: { zh: '办结', en: 'Closed' },
};

export const SOURCE_CHANNEL_LABELS: Record<SourceChannel, Label> = {
  PATROL: { zh: '巡查发现', en: 'Patrol' },
  BANK_MONITOR: { zh: '银行监测', en: 'Bank monitoring' },
  PUBLIC_REPORT: { zh: '群众举报', en: 'Public report' },
  SYSTEM_ALERT: { zh: '系统预警', en: 'System alert' },
  MEDIA: { zh: '媒体报道', en: 'Media' },
  REFERRAL: { zh: '部门移交', en: 'Referral' },
};

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

/** How a closed lead ended (办结结果), as the audit trail records it and messages tell it. */
export const CLOSE_OUTCOME_LABELS: Record<CloseOutcome, Label> = {
  NOT_ILLEGAL: { zh: '不构成违法', en: 'not illegal' },
  RECTIFIED: { zh: '已整改', en: 'rectified' },
  TRANSFERRED: { zh: '已移交', en: 'transferred' },
  POLICE_FILED: { zh: '公安已立案', en: 'case filed by the police' },
  PENALIZED: { zh: '已处罚', en: 'penalized' },
  NO_PENALTY: { zh: '不予处罚', en: 'no penalty' },
  MONITORING_ENDED: { zh: '回头看结束', en: 'follow-up monitoring ended' },
  OTHER: { zh: '其他', en: 'other' },
};

/** The external systems by the names people know them by (docs/connectors.md). */
export const EXTERNAL_SYSTEM_LABELS: Record<ExternalSystem, Label> = {
  SUISUIAN: { zh: '穗岁安', en: 'Suisuian' },
  POLICE: { zh: '公安经侦', en: 'the police (economic crime)' },
  MARKET_REGULATION: { zh: '市场监管部门', en: 'market regulation' },
  FINANCIAL_REGULATOR: { zh: '金融管理部门', en: 'the financial regulator' },
  LEAD_DEPARTMENT: { zh: '登记地处置非法集资牵头部门', en: 'the lead department where the subject is registered' },
};

/** The label of `value` in `table`, or the value itself when it is not one (an old or foreign code stays readable). */
export function labelOf<K extends string>(table: Record<K, Label>, value: unknown, lang: keyof Label = 'zh'): string {
  const label = (table as Record<string, Label | undefined>)[String(value)];
  return label ? label[lang] : String(value);
}

/** "非法吸收公众存款（IF-XS）": a category as the record names it, its code kept for the statistics people quote. */
export const categoryText = (category: unknown): string =>
  `${labelOf(CATEGORY_LABELS, category)}（${String(category)}）`;
