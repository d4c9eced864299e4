import type { CALLBACK_STATUSES } from '../callbacks/callbacks.controller';
import type { MEASURE_TYPES, PENALTY_RESULTS } from '../investigation/investigation-commands';
import type { TASK_TYPES } from './case-commands';

/**
 * How escalation's codes read in the audit trail (Chinese, the record's language): a case officer reading a lead's
 * timeline sees "查封、扣押", not SEAL_SEIZE. Typed by the code lists, so a new code cannot go without its words.
 * Close outcomes travel to other services (escalation.lead-closed.v1): their words are CLOSE_OUTCOME_LABELS in
 * @outpost/contracts.
 */
export const MEASURE_LABELS: Record<(typeof MEASURE_TYPES)[number] | 'PRESERVATION', string> = {
  ENTER_PREMISES: '进入现场检查',
  QUESTION: '询问有关人员',
  COPY_SEAL_DOCS: '查阅、复制、封存资料',
  ACCOUNT_QUERY: '查询账户',
  SEAL_SEIZE: '查封、扣押',
  SUSPEND_FUNDRAISING: '责令暂停集资',
  SUSPEND_REGISTRATION: '暂停办理相关登记',
  PRESERVATION: '先行登记保存',
};

export const TASK_LABELS: Record<(typeof TASK_TYPES)[number], string> = {
  INTERVIEW: '约谈',
  RECTIFICATION_ORDER: '责令整改',
  SITE_VISIT: '实地核查',
  PUBLICITY: '宣传警示',
  REVISIT: '回访',
  OTHER: '其他处置',
};

export const PENALTY_RESULT_LABELS: Record<(typeof PENALTY_RESULTS)[number], string> = {
  PENALTY: '给予行政处罚',
  NO_PENALTY_MINOR: '违法轻微，不予处罚',
  NO_PENALTY_UNPROVEN: '违法事实不能成立，不予处罚',
};

export const CALLBACK_STATUS_LABELS: Record<(typeof CALLBACK_STATUSES)[number], string> = {
  RECEIVED: '已接收',
  ACKNOWLEDGED: '已签收',
  POLICE_FILED: '已立案',
  POLICE_DECLINED: '不予立案',
  MATERIALS_INCOMPLETE: '材料不全，要求补正',
};

/** The label of `code`, or the code itself (a row written before the code had words stays readable). */
export const recordLabel = (table: Record<string, string>, code: string): string => table[code] ?? code;
