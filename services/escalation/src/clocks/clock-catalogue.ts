import { parsePeriod, type Period } from '@outpost/clock';

/**
 * THE clock catalogue: every deadline escalation keeps, as data. `period` is a parsePeriod string
 * (h = hours, d = calendar days ending on a working day, wd = working days); `legalBasis` is shown to officers and
 * carried on every breach event. Guangdong's own procedure rules (DOMAIN.md §1.3 [S8]) were not readable: override an
 * entry with CLOCK_OVERRIDES once they are, never by editing code paths.
 */
export const CLOCK_KINDS = [
  'REFERRAL_APPROVAL',
  'REFERRAL_TRANSFER',
  'POLICE_DECISION',
  'MATERIALS_NOTICE',
  'MATERIALS_CORRECTION',
  'RECONSIDERATION_REQUEST',
  'RECONSIDERATION_ANSWER',
  'MATERIALS_HANDOVER',
  'PENALTY_DECISION',
  'SEIZURE',
  'SEIZURE_EXTENSION',
  'PRESERVATION_DECISION',
  'TASK_DUE',
  'HANDOVER_ACK',
  'UPSTREAM_ACK',
] as const;
export type ClockKind = (typeof CLOCK_KINDS)[number];

/** Which escalation ladder a clock climbs when it is overdue (LADDERS below); NONE = a window, not a duty. */
export type LadderName =
  'REFERRAL' | 'POLICE_FOLLOW_UP' | 'ADMIN_CASE' | 'COERCIVE_MEASURE' | 'TASK' | 'HANDOVER' | 'NONE';

export interface ClockDefinition {
  kind: ClockKind;
  label: string;
  /** parsePeriod string; TASK_DUE has none (the officer sets the due time). */
  period: string | null;
  legalBasis: string;
  /** What starts the clock, in words (shown in the case view). */
  startsAt: string;
  /** Whose duty it is: ours (we must act) or the counterpart's (we chase them). */
  owner: 'US' | 'POLICE' | 'AUTHORITY';
  ladder: LadderName;
}

export const CLOCK_CATALOGUE: Record<ClockKind, ClockDefinition> = {
  REFERRAL_APPROVAL: {
    kind: 'REFERRAL_APPROVAL',
    label: '移送审批（负责人决定是否批准移送）',
    period: '3d',
    legalBasis: '《行政执法机关移送涉嫌犯罪案件的规定》第5条',
    startsAt: '移送报告提出（处置决定）',
    owner: 'US',
    ladder: 'REFERRAL',
  },
  REFERRAL_TRANSFER: {
    kind: 'REFERRAL_TRANSFER',
    label: '批准后移送公安',
    period: '24h',
    legalBasis: '《行政执法机关移送涉嫌犯罪案件的规定》第5条',
    startsAt: '负责人批准移送',
    owner: 'US',
    ladder: 'REFERRAL',
  },
  POLICE_DECISION: {
    kind: 'POLICE_DECISION',
    label: '公安审查决定是否立案',
    period: '3d',
    legalBasis: '《行政执法机关移送涉嫌犯罪案件的规定》第8条；《公安机关办理刑事案件程序规定》第180条',
    startsAt: '移送公安（或补正材料送达）',
    owner: 'POLICE',
    ladder: 'POLICE_FOLLOW_UP',
  },
  MATERIALS_NOTICE: {
    kind: 'MATERIALS_NOTICE',
    label: '公安通知补正材料的期限（期满未通知视为材料齐全）',
    period: '24h',
    legalBasis: '《公安机关办理刑事案件程序规定》第180条',
    startsAt: '移送公安',
    owner: 'POLICE',
    ladder: 'NONE',
  },
  MATERIALS_CORRECTION: {
    kind: 'MATERIALS_CORRECTION',
    label: '补正移送材料',
    period: '3d',
    legalBasis: '《公安机关办理刑事案件程序规定》第180条',
    startsAt: '公安通知材料不全',
    owner: 'US',
    ladder: 'REFERRAL',
  },
  RECONSIDERATION_REQUEST: {
    kind: 'RECONSIDERATION_REQUEST',
    label: '对不予立案决定提请复议',
    period: '3d',
    legalBasis: '《行政执法机关移送涉嫌犯罪案件的规定》第9条',
    startsAt: '收到不予立案通知',
    owner: 'US',
    ladder: 'REFERRAL',
  },
  RECONSIDERATION_ANSWER: {
    kind: 'RECONSIDERATION_ANSWER',
    label: '公安作出复议决定',
    period: '3d',
    legalBasis: '《行政执法机关移送涉嫌犯罪案件的规定》第9条',
    startsAt: '提请复议',
    owner: 'POLICE',
    ladder: 'POLICE_FOLLOW_UP',
  },
  MATERIALS_HANDOVER: {
    kind: 'MATERIALS_HANDOVER',
    label: '向公安移交涉案物品及材料',
    period: '3d',
    legalBasis: '《行政执法机关移送涉嫌犯罪案件的规定》第12条',
    startsAt: '收到公安立案通知',
    owner: 'US',
    ladder: 'REFERRAL',
  },
  PENALTY_DECISION: {
    kind: 'PENALTY_DECISION',
    label: '立案后作出行政处罚决定',
    period: '90d',
    legalBasis: '《行政处罚法》第60条（法律、法规、规章另有规定的从其规定）',
    startsAt: '立案',
    owner: 'US',
    ladder: 'ADMIN_CASE',
  },
  SEIZURE: {
    kind: 'SEIZURE',
    label: '查封、扣押期限',
    period: '30d',
    legalBasis: '《行政强制法》第25条；《防范和处置非法集资条例》第24条',
    startsAt: '查封、扣押决定（经主要负责人批准）',
    owner: 'US',
    ladder: 'COERCIVE_MEASURE',
  },
  SEIZURE_EXTENSION: {
    kind: 'SEIZURE_EXTENSION',
    label: '查封、扣押延长期限（仅可延长一次）',
    period: '30d',
    legalBasis: '《行政强制法》第25条',
    startsAt: '原查封、扣押期限届满',
    owner: 'US',
    ladder: 'COERCIVE_MEASURE',
  },
  PRESERVATION_DECISION: {
    kind: 'PRESERVATION_DECISION',
    label: '先行登记保存后作出处理决定',
    period: '7wd',
    legalBasis: '《行政处罚法》第56条、第85条（工作日）',
    startsAt: '先行登记保存',
    owner: 'US',
    ladder: 'COERCIVE_MEASURE',
  },
  TASK_DUE: {
    kind: 'TASK_DUE',
    label: '约谈/整改等处置任务到期',
    period: null,
    legalBasis: '《防范和处置非法集资条例》第18条（警示约谈、责令整改）',
    startsAt: '任务下达',
    owner: 'US',
    ladder: 'TASK',
  },
  // [SLA, UNSOURCED]: a district service level; no public source sets its period (DOMAIN.md).
  HANDOVER_ACK: {
    kind: 'HANDOVER_ACK',
    label: '移交主管部门后的签收确认（服务时限）',
    period: '5wd',
    legalBasis: '《防范和处置非法集资条例》第20条、第39条；期限为本区服务时限（非法定期限，可配置）',
    startsAt: '移交送达',
    owner: 'AUTHORITY',
    ladder: 'HANDOVER',
  },
  // [SLA, UNSOURCED]: a district service level; no public source sets its period (DOMAIN.md).
  UPSTREAM_ACK: {
    kind: 'UPSTREAM_ACK',
    label: '穗岁安上报签收确认（服务时限）',
    period: '3wd',
    legalBasis: '天河区防非打非工作机制（穗岁安上报）；期限为本区服务时限（非法定期限，可配置）',
    startsAt: '上报送达',
    owner: 'AUTHORITY',
    ladder: 'HANDOVER',
  },
};

/** Who a ladder step notifies: the case handler, the unit head (负责人), or the district office (区打非办). */
export type LadderAudience = 'HANDLER' | 'UNIT_HEAD' | 'DISTRICT_OFFICE';

export interface LadderStep {
  step: number;
  /** Delay after the clock's due time (parsePeriod string; "0h" = at the breach). */
  after: string;
  notify: LadderAudience[];
}

/**
 * Escalation ladders per action type: handler → unit head → district office. Each step is an
 * `escalation.deadline-breached.v1` event and an audit entry, exactly once (one durable timer per step).
 */
export const LADDERS: Record<Exclude<LadderName, 'NONE'>, LadderStep[]> = {
  // 移送 clocks are short (24 h – 3 days): climb within hours.
  REFERRAL: [
    { step: 1, after: '0h', notify: ['HANDLER'] },
    { step: 2, after: '4h', notify: ['HANDLER', 'UNIT_HEAD'] },
    { step: 3, after: '24h', notify: ['UNIT_HEAD', 'DISTRICT_OFFICE'] },
  ],
  // The police's own deadlines: we chase them; the district office coordinates with 公安 when it drags on.
  POLICE_FOLLOW_UP: [
    { step: 1, after: '0h', notify: ['HANDLER'] },
    { step: 2, after: '1wd', notify: ['UNIT_HEAD'] },
    { step: 3, after: '3wd', notify: ['DISTRICT_OFFICE'] },
  ],
  ADMIN_CASE: [
    { step: 1, after: '0h', notify: ['HANDLER'] },
    { step: 2, after: '1wd', notify: ['HANDLER', 'UNIT_HEAD'] },
    { step: 3, after: '3wd', notify: ['UNIT_HEAD', 'DISTRICT_OFFICE'] },
  ],
  // An expired seizure must be released or extended at once: unlawful detention of property otherwise.
  COERCIVE_MEASURE: [
    { step: 1, after: '0h', notify: ['HANDLER', 'UNIT_HEAD'] },
    { step: 2, after: '8h', notify: ['UNIT_HEAD', 'DISTRICT_OFFICE'] },
  ],
  TASK: [
    { step: 1, after: '0h', notify: ['HANDLER'] },
    { step: 2, after: '2wd', notify: ['UNIT_HEAD'] },
    { step: 3, after: '5wd', notify: ['DISTRICT_OFFICE'] },
  ],
  HANDOVER: [
    { step: 1, after: '0h', notify: ['HANDLER'] },
    { step: 2, after: '3wd', notify: ['UNIT_HEAD'] },
    { step: 3, after: '10wd', notify: ['DISTRICT_OFFICE'] },
  ],
};

export type ClockOverrides = Record<string, { period?: string; legalBasis?: string }>;

/** The catalogue with config overrides applied; validates every period at boot so a typo stops the service. */
export function resolveCatalogue(
  overrides: ClockOverrides,
): Record<ClockKind, ClockDefinition & { parsed: Period | null }> {
  const out = {} as Record<ClockKind, ClockDefinition & { parsed: Period | null }>;
  for (const kind of CLOCK_KINDS) {
    const o = overrides[kind] ?? {};
    const def = {
      ...CLOCK_CATALOGUE[kind],
      ...(o.period ? { period: o.period } : {}),
      ...(o.legalBasis ? { legalBasis: o.legalBasis } : {}),
    };
    out[kind] = { ...def, parsed: def.period ? parsePeriod(def.period) : null };
  }
  for (const key of Object.keys(overrides)) {
    if (!(CLOCK_KINDS as readonly string[]).includes(key))
      throw new Error(`CLOCK_OVERRIDES: unknown clock kind "${key}"`);
  }
  for (const steps of Object.values(LADDERS)) for (const s of steps) parsePeriod(s.after);
  return out;
}
