import type { Role } from '@outpost/contracts';
import { inScope, type Principal } from '@outpost/platform';

/**
 * THE transition table of the assessment stage: state × role × action → next state, with guard conditions.
 * Every command is checked against it (WorkflowUsecase), GET /v1/transitions serves it, and
 * GET /v1/leads/{id}/allowed-actions evaluates it for the caller. Change the rules here and nowhere else.
 */

export const ASSESSMENT_STATUSES = [
  'TRIAGED',
  'ASSIGNED',
  'IN_REVIEW',
  'VERIFYING',
  'OPINION_SUBMITTED',
  'DECIDED',
  'REOPENED',
] as const;
export type AssessmentStatus = (typeof ASSESSMENT_STATUSES)[number];

export const STATUS_LABELS: Record<AssessmentStatus, string> = {
  TRIAGED: '待认领（队列中）',
  ASSIGNED: '已分派待认领',
  IN_REVIEW: '研判中',
  VERIFYING: '待前哨员核实',
  OPINION_SUBMITTED: '专业意见已提交',
  DECIDED: '已认定',
  REOPENED: '已重新打开',
};

export const ACTIONS = [
  'claim',
  'release',
  'reassign',
  'request-verification',
  'answer-verification',
  'submit-opinion',
  'decide',
  'return',
  'reopen',
] as const;
export type Action = (typeof ACTIONS)[number];

/**
 * Guards beyond state and role:
 * - ASSIGNEE_OR_UNASSIGNED: a lead assigned to someone may be claimed only by that person (a SUPERVISOR may always).
 * - ASSIGNEE_ONLY: only the current assignee (a SUPERVISOR may always).
 * - ASKED_SENTINEL: only the sentinel an open verification request was sent to.
 * - CAN_CERTIFY: an OFFICER acting must have canCertify (牵头部门; Reg. Art. 10-11, 19); SUPERVISOR is not an officer.
 * - NOT_OPINION_AUTHOR: separation of duties, the author of the 专业意见 never makes the decision.
 */
export type Guard =
  'ASSIGNEE_OR_UNASSIGNED' | 'ASSIGNEE_ONLY' | 'ASKED_SENTINEL' | 'CAN_CERTIFY' | 'NOT_OPINION_AUTHOR';

export interface Transition {
  action: Action;
  from: readonly AssessmentStatus[];
  to: AssessmentStatus;
  roles: readonly Role[];
  guards: readonly Guard[];
  label: { zh: string; en: string };
  /** Shown with the table (UI tooltips) and in refusals. */
  note: string;
}

const REVIEWERS: Role[] = ['VOLUNTEER', 'OFFICER', 'STREET_RESPONSIBLE', 'SUPERVISOR'];

export const TRANSITIONS: readonly Transition[] = [
  {
    action: 'claim',
    from: ['TRIAGED', 'ASSIGNED'],
    to: 'IN_REVIEW',
    roles: REVIEWERS,
    guards: ['ASSIGNEE_OR_UNASSIGNED'],
    label: { zh: '认领', en: 'Claim' },
    note: '从队列或分派给自己的线索开始研判',
  },
  {
    action: 'release',
    from: ['ASSIGNED', 'IN_REVIEW'],
    to: 'TRIAGED',
    roles: REVIEWERS,
    guards: ['ASSIGNEE_ONLY'],
    label: { zh: '退回队列', en: 'Release' },
    note: '承办人放弃承办，线索回到街道/区级队列',
  },
  {
    action: 'reassign',
    from: ['TRIAGED', 'ASSIGNED', 'IN_REVIEW'],
    to: 'ASSIGNED',
    roles: ['STREET_RESPONSIBLE', 'SUPERVISOR'],
    guards: [],
    label: { zh: '改派', en: 'Reassign' },
    note: '街道负责人或督办改派承办人',
  },
  {
    action: 'request-verification',
    from: ['IN_REVIEW'],
    to: 'VERIFYING',
    roles: ['VOLUNTEER', 'OFFICER'],
    guards: ['ASSIGNEE_ONLY'],
    label: { zh: '请求前哨员核实', en: 'Request field verification' },
    note: '向结对前哨员发出交叉核实请求（问题 + 期限）',
  },
  {
    action: 'answer-verification',
    from: ['VERIFYING'],
    to: 'IN_REVIEW',
    roles: ['SENTINEL'],
    guards: ['ASKED_SENTINEL'],
    label: { zh: '答复核实', en: 'Answer verification' },
    note: '前哨员答复并附证据；仍有未答复请求时保持待核实',
  },
  {
    action: 'submit-opinion',
    from: ['IN_REVIEW'],
    to: 'OPINION_SUBMITTED',
    roles: ['VOLUNTEER', 'OFFICER'],
    guards: ['ASSIGNEE_ONLY'],
    label: { zh: '提交专业意见', en: 'Submit professional opinion' },
    note: '专业意见仅供参考，不是认定',
  },
  {
    action: 'decide',
    from: ['OPINION_SUBMITTED'],
    to: 'DECIDED',
    roles: ['OFFICER'],
    guards: ['CAN_CERTIFY', 'NOT_OPINION_AUTHOR'],
    label: { zh: '认定', en: 'Decide' },
    note: '仅牵头部门有认定权限的官员，且不得是专业意见的作者',
  },
  {
    action: 'return',
    from: ['OPINION_SUBMITTED'],
    to: 'IN_REVIEW',
    roles: ['OFFICER', 'SUPERVISOR'],
    guards: [],
    label: { zh: '退回补充', en: 'Return for more work' },
    note: '退回承办人补充研判',
  },
  {
    action: 'reopen',
    from: ['DECIDED'],
    to: 'REOPENED',
    roles: ['OFFICER', 'SUPERVISOR'],
    guards: ['CAN_CERTIFY'],
    label: { zh: '重新打开', en: 'Reopen' },
    note: '出现新情况时重新研判（随后重新分派）',
  },
];

export function transitionOf(action: Action): Transition {
  const t = TRANSITIONS.find((x) => x.action === action);
  if (!t) throw new Error(`no transition for ${action}`);
  return t;
}

export function isAction(s: string): s is Action {
  return (ACTIONS as readonly string[]).includes(s);
}

/** What the table needs to know about a lead. */
export interface LeadFacts {
  status: AssessmentStatus;
  assigneeId: string | null;
  opinionAuthorId: string | null;
  /** Sentinels with an OPEN verification request. */
  askedOf: readonly string[];
  streetCode: string | null;
  gridIds: readonly string[];
}

export type Verdict =
  | { ok: true; transition: Transition; role: Role }
  | { ok: false; status: 403 | 409; code: string; reason: string; transition: Transition };

/**
 * Whether the lead is this person's to work on: in their grids or streets, or theirs by name — the assignee (a head may
 * hand a lead to someone outside its grid) and a sentinel asked to verify it. The gateway shows leads by the same rule.
 */
export function withinReach(
  p: Principal,
  lead: {
    streetCode: string | null;
    gridIds: readonly string[];
    assigneeId: string | null;
    askedOf?: readonly string[];
  },
): boolean {
  return (
    inScope(p, { streetCode: lead.streetCode, gridIds: [...lead.gridIds] }) ||
    lead.assigneeId === p.userId ||
    (lead.askedOf ?? []).includes(p.userId)
  );
}

/** Checks scope, state, role and guards, in that order; the reason is in Chinese for the UI and the problem detail. */
export function evaluate(action: Action, p: Principal, lead: LeadFacts): Verdict {
  const t = transitionOf(action);
  const refuse = (status: 403 | 409, code: string, reason: string): Verdict => ({
    ok: false,
    status,
    code,
    reason,
    transition: t,
  });
  if (!withinReach(p, lead)) {
    return refuse(403, 'OUT_OF_SCOPE', '该线索不在您负责的网格或街道范围内');
  }
  if (!t.from.includes(lead.status)) {
    const allowed = t.from.map((s) => `「${STATUS_LABELS[s]}」`).join('、');
    return refuse(
      409,
      'TRANSITION_NOT_ALLOWED',
      `线索当前状态为「${STATUS_LABELS[lead.status]}」，不能「${t.label.zh}」；该操作只能在${allowed}状态下进行`,
    );
  }
  const role = p.roles.find((r) => t.roles.includes(r));
  if (!role) return refuse(403, 'ROLE_NOT_ALLOWED', `「${t.label.zh}」需要以下角色之一：${t.roles.join('、')}`);
  const supervisor = role === 'SUPERVISOR';
  for (const g of t.guards) {
    switch (g) {
      case 'ASSIGNEE_OR_UNASSIGNED':
        if (lead.assigneeId && lead.assigneeId !== p.userId && !supervisor) {
          return refuse(
            403,
            'NOT_ASSIGNEE',
            `该线索已分派给 ${lead.assigneeId}，只有承办人或督办可以「${t.label.zh}」`,
          );
        }
        break;
      case 'ASSIGNEE_ONLY':
        if (lead.assigneeId !== p.userId && !supervisor)
          return refuse(403, 'NOT_ASSIGNEE', `只有承办人可以「${t.label.zh}」`);
        break;
      case 'ASKED_SENTINEL':
        if (!lead.askedOf.includes(p.userId)) return refuse(403, 'NOT_ASKED', '只有被请求核实的前哨员可以答复');
        break;
      case 'CAN_CERTIFY':
        if (role === 'OFFICER' && !p.canCertify)
          return refuse(403, 'ROLE_NOT_ALLOWED', `「${t.label.zh}」只能由牵头部门（区打非联办）有认定权限的官员作出`);
        break;
      case 'NOT_OPINION_AUTHOR':
        if (lead.opinionAuthorId === p.userId) {
          return refuse(403, 'SEPARATION_OF_DUTIES', '专业意见的作者不能对同一线索作出认定（职责分离）');
        }
        break;
      default: {
        const never: never = g;
        throw new Error(`unknown guard ${String(never)}`);
      }
    }
  }
  return { ok: true, transition: t, role };
}

/** The actions the principal may take on the lead now (for the UI). */
export function allowedActions(
  p: Principal,
  lead: LeadFacts,
): Array<{ action: Action; label: { zh: string; en: string } }> {
  return ACTIONS.filter((a) => evaluate(a, p, lead).ok).map((a) => ({ action: a, label: transitionOf(a).label }));
}
