import type { LeadStatus, Role } from '@outpost/contracts';

/**
 * States of a disposal case (DOMAIN.md §7, after DECISION). A lead's overall status (LEAD_STATUSES) is derived:
 * MONITORING, REOPENED and CLOSED map to themselves, every other case state is DISPOSING.
 */
export const CASE_STATES = [
  'MONITORING', // 回头看
  'INTERVIEW', // 约谈/整改 (Reg. Art. 18)
  'TRANSFERRED', // 移交主管部门 / 属地牵头部门 (Art. 20, 39), awaiting acknowledgement
  'REFERRAL_PENDING_APPROVAL', // 移送: head decides within 3 days
  'REFERRAL_APPROVED', // transfer within 24 h
  'REFERRED', // police review: 3 days
  'MATERIALS_REQUESTED', // police asked for missing materials: correction within 3 days
  'POLICE_FILED', // 公安立案: hand over materials within 3 days
  'POLICE_DECLINED', // 不予立案: 复议 within 3 days or back to the admin case
  'RECONSIDERATION', // 复议: police answer within 3 days
  'ADMIN_CASE_FILED', // 立案 → investigation (Art. 21–22): 90-day penalty clock
  'PENALTY_DECIDED', // 认定 / penalty decided → disposal (Art. 24–27)
  'REOPENED', // back with assessment
  'CLOSED',
] as const;
export type CaseState = (typeof CASE_STATES)[number];

export const STATE_LABELS: Record<CaseState, string> = {
  MONITORING: '回头看（监测中）',
  INTERVIEW: '约谈/整改中',
  TRANSFERRED: '已移交主管部门',
  REFERRAL_PENDING_APPROVAL: '移送待负责人审批',
  REFERRAL_APPROVED: '已批准移送，待移送公安',
  REFERRED: '已移送公安，待公安决定',
  MATERIALS_REQUESTED: '公安要求补正材料',
  POLICE_FILED: '公安已立案',
  POLICE_DECLINED: '公安不予立案',
  RECONSIDERATION: '复议中',
  ADMIN_CASE_FILED: '行政立案调查中',
  PENALTY_DECIDED: '已作出处理决定',
  REOPENED: '已退回研判',
  CLOSED: '已办结',
};

export function leadStatusOf(state: CaseState): LeadStatus {
  switch (state) {
    case 'MONITORING':
    case 'REOPENED':
    case 'CLOSED':
      return state;
    default:
      return 'DISPOSING';
  }
}

export const ACTIONS = [
  'record-action',
  'complete-task',
  'start-monitoring',
  'approve-referral',
  'refuse-referral',
  'send-referral',
  'record-police-decision',
  'supplement-materials',
  'request-reconsideration',
  'record-reconsideration',
  'hand-over-materials',
  'return-to-admin',
  'refer-police',
  'assign-investigators',
  'request-measure',
  'approve-measure',
  'refuse-measure',
  'extend-measure',
  'release-measure',
  'register-preservation',
  'decide-preservation',
  'record-penalty-decision',
  'record-acknowledgement',
  'report-upstream',
  'close',
  'reopen',
  'merge',
  'assign-handler',
] as const;
export type Action = (typeof ACTIONS)[number];

/** Where a transition goes: a fixed state, the same state, or decided by the command (e.g. police filed or not). */
export type Target = CaseState | 'SAME' | 'BY_COMMAND';

/**
 * What an action works on, which the case must hold for the action to be offered (the command itself checks the
 * item it is given): a measure waiting for approval (requested by someone else), an active measure that can be
 * released, a seizure that can still be extended, an active preservation, an open task, a hand-over not yet signed for.
 */
export const CASE_ITEMS = [
  'MEASURE_TO_APPROVE',
  'MEASURE_TO_RELEASE',
  'SEIZURE_TO_EXTEND',
  'PRESERVATION_TO_DECIDE',
  'OPEN_TASK',
  'UNACKNOWLEDGED_DISPATCH',
] as const;
export type CaseItem = (typeof CASE_ITEMS)[number];

export interface Transition {
  action: Action;
  label: { zh: string; en: string };
  from: readonly CaseState[];
  roles: readonly Role[];
  to: Target;
  /** Offered only when the case holds such an item. */
  needs?: CaseItem;
}

const OPEN: readonly CaseState[] = CASE_STATES.filter((s) => s !== 'CLOSED' && s !== 'REOPENED');
const CLOSABLE: readonly CaseState[] = [
  'MONITORING',
  'INTERVIEW',
  'TRANSFERRED',
  'POLICE_FILED',
  'ADMIN_CASE_FILED',
  'PENALTY_DECIDED',
];
const INVESTIGATING: readonly CaseState[] = ['ADMIN_CASE_FILED', 'PENALTY_DECIDED'];
const HANDLERS: readonly Role[] = ['OFFICER'];
/** 负责人 approvals (移送, account query, seal/seize) are given by the SUPERVISOR role (see README: open item). */
const HEADS: readonly Role[] = ['SUPERVISOR'];

/** THE transition table: state × role × action. Commands, allowed-actions and GET /v1/transitions all read it. */
export const TRANSITIONS: readonly Transition[] = [
  {
    action: 'record-action',
    label: { zh: '登记处置措施/任务', en: 'Record action' },
    from: OPEN,
    roles: ['OFFICER', 'STREET_RESPONSIBLE'],
    to: 'SAME',
  },
  {
    action: 'complete-task',
    label: { zh: '登记任务结果', en: 'Complete task' },
    from: OPEN,
    roles: ['OFFICER', 'STREET_RESPONSIBLE'],
    to: 'SAME',
    needs: 'OPEN_TASK',
  },
  {
    action: 'start-monitoring',
    label: { zh: '转入回头看', en: 'Start monitoring' },
    from: ['INTERVIEW', 'TRANSFERRED', 'PENALTY_DECIDED'],
    roles: HANDLERS,
    to: 'MONITORING',
  },
  {
    action: 'approve-referral',
    label: { zh: '批准移送', en: 'Approve referral' },
    from: ['REFERRAL_PENDING_APPROVAL'],
    roles: HEADS,
    to: 'REFERRAL_APPROVED',
  },
  {
    action: 'refuse-referral',
    label: { zh: '不批准移送（转行政处理）', en: 'Refuse referral' },
    from: ['REFERRAL_PENDING_APPROVAL'],
    roles: HEADS,
    to: 'ADMIN_CASE_FILED',
  },
  {
    action: 'send-referral',
    label: { zh: '移送公安', en: 'Send referral' },
    from: ['REFERRAL_APPROVED'],
    roles: HANDLERS,
    to: 'REFERRED',
  },
  {
    action: 'record-police-decision',
    label: { zh: '登记公安决定', en: 'Record police decision' },
    from: ['REFERRED', 'RECONSIDERATION'],
    roles: HANDLERS,
    to: 'BY_COMMAND',
  },
  {
    action: 'supplement-materials',
    label: { zh: '补正移送材料', en: 'Supplement materials' },
    from: ['MATERIALS_REQUESTED'],
    roles: HANDLERS,
    to: 'REFERRED',
  },
  {
    action: 'request-reconsideration',
    label: { zh: '提请复议', en: 'Request reconsideration' },
    from: ['POLICE_DECLINED'],
    roles: HANDLERS,
    to: 'RECONSIDERATION',
  },
  {
    action: 'record-reconsideration',
    label: { zh: '登记复议决定', en: 'Record reconsideration' },
    from: ['RECONSIDERATION'],
    roles: HANDLERS,
    to: 'BY_COMMAND',
  },
  {
    action: 'hand-over-materials',
    label: { zh: '移交涉案物品及材料', en: 'Hand over materials' },
    from: ['POLICE_FILED'],
    roles: HANDLERS,
    to: 'SAME',
  },
  {
    action: 'return-to-admin',
    label: { zh: '转回行政处理', en: 'Return to administrative case' },
    from: ['POLICE_DECLINED'],
    roles: HANDLERS,
    to: 'ADMIN_CASE_FILED',
  },
  {
    action: 'refer-police',
    label: { zh: '提出移送公安', en: 'Propose police referral' },
    from: INVESTIGATING,
    roles: HANDLERS,
    to: 'REFERRAL_PENDING_APPROVAL',
  },
  {
    action: 'assign-investigators',
    label: { zh: '指定执法人员', en: 'Assign investigators' },
    from: INVESTIGATING,
    roles: HANDLERS,
    to: 'SAME',
  },
  {
    action: 'request-measure',
    label: { zh: '申请调查/强制措施', en: 'Request measure' },
    from: ['ADMIN_CASE_FILED'],
    roles: HANDLERS,
    to: 'SAME',
  },
  {
    action: 'approve-measure',
    label: { zh: '批准措施', en: 'Approve measure' },
    from: ['ADMIN_CASE_FILED'],
    roles: HEADS,
    to: 'SAME',
    needs: 'MEASURE_TO_APPROVE',
  },
  {
    action: 'refuse-measure',
    label: { zh: '不批准措施', en: 'Refuse measure' },
    from: ['ADMIN_CASE_FILED'],
    roles: HEADS,
    to: 'SAME',
    needs: 'MEASURE_TO_APPROVE',
  },
  {
    action: 'extend-measure',
    label: { zh: '延长查封扣押', en: 'Extend seizure' },
    from: INVESTIGATING,
    roles: HEADS,
    to: 'SAME',
    needs: 'SEIZURE_TO_EXTEND',
  },
  {
    action: 'release-measure',
    label: { zh: '解除措施', en: 'Release measure' },
    from: INVESTIGATING,
    roles: HANDLERS,
    to: 'SAME',
    needs: 'MEASURE_TO_RELEASE',
  },
  {
    action: 'register-preservation',
    label: { zh: '先行登记保存', en: 'Register evidence preservation' },
    from: ['ADMIN_CASE_FILED'],
    roles: HANDLERS,
    to: 'SAME',
  },
  {
    action: 'decide-preservation',
    label: { zh: '作出登记保存处理决定', en: 'Decide on preserved evidence' },
    from: INVESTIGATING,
    roles: HANDLERS,
    to: 'SAME',
    needs: 'PRESERVATION_TO_DECIDE',
  },
  {
    action: 'record-penalty-decision',
    label: { zh: '登记处理决定', en: 'Record penalty decision' },
    from: ['ADMIN_CASE_FILED'],
    roles: HANDLERS,
    to: 'PENALTY_DECIDED',
  },
  {
    action: 'record-acknowledgement',
    label: { zh: '登记对方签收', en: 'Record acknowledgement' },
    from: OPEN,
    roles: HANDLERS,
    to: 'SAME',
    needs: 'UNACKNOWLEDGED_DISPATCH',
  },
  {
    action: 'report-upstream',
    label: { zh: '上报穗岁安', en: 'Report upstream' },
    from: OPEN,
    roles: HANDLERS,
    to: 'SAME',
  },
  { action: 'close', label: { zh: '办结', en: 'Close' }, from: CLOSABLE, roles: HANDLERS, to: 'CLOSED' },
  {
    action: 'reopen',
    label: { zh: '重新研判', en: 'Reopen for assessment' },
    from: ['CLOSED', 'MONITORING'],
    roles: ['OFFICER', 'SUPERVISOR'],
    to: 'REOPENED',
  },
  {
    action: 'merge',
    label: { zh: '并案', en: "Merge into another lead's case" },
    from: OPEN,
    roles: HANDLERS,
    to: 'BY_COMMAND',
  },
  {
    action: 'assign-handler',
    label: { zh: '指定承办人（转办）', en: 'Assign the handler' },
    from: OPEN,
    roles: HEADS,
    to: 'SAME',
  },
];

export function transitionFor(action: string): Transition | undefined {
  return TRANSITIONS.find((t) => t.action === action);
}

/** The reason in Chinese why `action` is not allowed in `state` (409 detail). */
export function notAllowedReason(t: Transition, state: CaseState): string {
  const allowed = t.from.map((s) => `「${STATE_LABELS[s]}」`).join('、');
  return `当前状态为「${STATE_LABELS[state]}」，不能执行「${t.label.zh}」；该操作仅适用于：${allowed}。`;
}
