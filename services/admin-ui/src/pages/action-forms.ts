import {
  CATEGORIES,
  MEASURE_TYPES,
  OUTCOMES,
  PENALTY_RESULTS,
  POLICE_DECISIONS,
  RECOMMENDATIONS,
  REFERRAL_MATERIALS,
  TASK_TYPES,
  type CaseFile,
  type Role,
} from '../api/types';
import type { MessageKey } from '../i18n/dict';

/** One input of an action's modal form; `options` are codes shown through the dictionary prefix `optionPrefix`. */
export interface FieldSpec {
  name: string;
  kind:
    | 'text'
    | 'textarea'
    | 'select'
    | 'multiselect'
    | 'lines'
    | 'datetime'
    | 'bool'
    | 'json'
    | 'verification'
    | 'caseItem'
    | 'person'
    | 'investigators'
    | 'lead';
  label: MessageKey;
  required?: MessageKey;
  options?: readonly string[];
  optionPrefix?: string;
  help?: MessageKey;
  initial?: unknown;
  min?: number;
  /** `caseItem`: the measure, task or report of the lead's case the action applies to. */
  caseItem?: CaseItemPick;
  /** `bool`: the words of the two choices (default 是 / 否). */
  yes?: MessageKey;
  no?: MessageKey;
  /** `person` and `investigators`: who may be chosen (GET /api/v1/directory?role=…). */
  roles?: readonly Role[];
}

const reason: FieldSpec = { name: 'reason', kind: 'textarea', label: 'form.reason', required: 'form.reason.required' };
/** Which list of the case a `caseItem` field chooses from, and which of its items qualify. */
export type CaseItemPick =
  | { list: 'measures'; applies: (m: CaseFile['measures'][number]) => boolean }
  | { list: 'tasks'; applies: (t: CaseFile['tasks'][number]) => boolean }
  | { list: 'reports'; applies: (r: CaseFile['reports'][number]) => boolean };

const measure = (applies: (m: CaseFile['measures'][number]) => boolean): FieldSpec => ({
  name: 'measureId',
  kind: 'caseItem',
  label: 'form.measure',
  required: 'form.measure.required',
  caseItem: { list: 'measures', applies },
});
const note: FieldSpec = { name: 'note', kind: 'textarea', label: 'form.note' };
const materials = (initial: string[]): FieldSpec => ({
  name: 'materials',
  kind: 'multiselect',
  label: 'form.materials',
  required: 'form.materials.required',
  options: REFERRAL_MATERIALS,
  optionPrefix: 'material',
  initial,
});

/**
 * The form of every workflow action the services expose (bodies: docs/SHARED-FACTS.md and the services' command
 * schemas). An action not listed here gets a JSON form: the service still validates it and explains in Chinese.
 */
export const ACTION_FORMS: Record<string, FieldSpec[]> = {
  claim: [note],
  release: [{ ...reason, required: undefined }],
  reassign: [
    {
      name: 'assigneeId',
      kind: 'person',
      label: 'form.assigneeId',
      required: 'form.assigneeId.required',
      // Whom assessment accepts as an assignee (sentinels verify; they do not hold assessments).
      roles: ['VOLUNTEER', 'STREET_RESPONSIBLE', 'OFFICER', 'SUPERVISOR'],
    },
    { ...reason, required: undefined },
  ],
  'request-verification': [
    { name: 'question', kind: 'textarea', label: 'form.question', required: 'form.question.required' },
    { name: 'dueAt', kind: 'datetime', label: 'form.dueAt' },
  ],
  'answer-verification': [
    { name: 'requestId', kind: 'verification', label: 'form.request', required: 'form.request.required' },
    { name: 'answer', kind: 'textarea', label: 'form.answer', required: 'form.answer.required' },
  ],
  'submit-opinion': [
    {
      name: 'recommendation',
      kind: 'select',
      label: 'form.recommendation',
      required: 'form.recommendation.required',
      options: RECOMMENDATIONS,
      optionPrefix: 'rec',
    },
    {
      name: 'category',
      kind: 'select',
      label: 'form.category',
      required: 'form.category.required',
      options: CATEGORIES,
      optionPrefix: 'cat',
    },
    {
      name: 'legalBasis',
      kind: 'lines',
      label: 'form.legalBasis',
      required: 'form.legalBasis.required',
      help: 'form.legalBasis.help',
    },
    { name: 'reasoning', kind: 'textarea', label: 'form.reasoning', required: 'form.reasoning.required' },
  ],
  decide: [
    {
      name: 'decision',
      kind: 'select',
      label: 'form.decision',
      required: 'form.decision.required',
      options: RECOMMENDATIONS,
      optionPrefix: 'rec',
    },
    { name: 'category', kind: 'select', label: 'form.category', options: CATEGORIES, optionPrefix: 'cat' },
    { name: 'legalBasis', kind: 'lines', label: 'form.legalBasis', help: 'form.legalBasis.help' },
    { name: 'reasoning', kind: 'textarea', label: 'form.reasoning', required: 'form.reasoning.required' },
    { name: 'feedback', kind: 'textarea', label: 'form.feedback' },
  ],
  return: [reason],
  reopen: [reason],
  'record-action': [
    {
      name: 'actionType',
      kind: 'select',
      label: 'form.actionType',
      required: 'form.actionType.required',
      options: TASK_TYPES,
      optionPrefix: 'task',
    },
    { name: 'summary', kind: 'textarea', label: 'form.summary', required: 'form.summary.required' },
    { name: 'dueAt', kind: 'datetime', label: 'form.dueAt' },
    {
      name: 'assigneeId',
      kind: 'person',
      label: 'form.taskAssignee',
      help: 'form.taskAssignee.help',
      roles: ['OFFICER', 'STREET_RESPONSIBLE', 'SENTINEL', 'VOLUNTEER'],
    },
  ],
  'complete-task': [
    {
      name: 'taskId',
      kind: 'caseItem',
      label: 'form.taskId',
      required: 'form.caseItem.required',
      caseItem: { list: 'tasks', applies: (t) => t.status === 'OPEN' },
    },
    { name: 'result', kind: 'textarea', label: 'form.result', required: 'form.summary.required' },
  ],
  'start-monitoring': [reason],
  'approve-referral': [note],
  'refuse-referral': [reason],
  'send-referral': [materials(['TRANSFER_LETTER', 'INVESTIGATION_REPORT']), note],
  'record-police-decision': [
    {
      name: 'decision',
      kind: 'select',
      label: 'form.policeDecision',
      required: 'form.policeDecision.required',
      options: POLICE_DECISIONS,
      optionPrefix: 'police',
    },
    { name: 'externalRef', kind: 'text', label: 'form.externalRef' },
    note,
  ],
  'supplement-materials': [materials([]), note],
  'request-reconsideration': [reason],
  'record-reconsideration': [
    { name: 'upheld', kind: 'bool', label: 'form.upheld', initial: true, yes: 'form.upheld.yes', no: 'form.upheld.no' },
    note,
  ],
  'hand-over-materials': [{ name: 'items', kind: 'lines', label: 'form.items', required: 'form.items.required' }],
  'return-to-admin': [reason],
  'record-acknowledgement': [
    {
      name: 'dispatchId',
      kind: 'caseItem',
      label: 'form.dispatchId',
      required: 'form.caseItem.required',
      caseItem: { list: 'reports', applies: (r) => r.status !== 'ACKNOWLEDGED' },
    },
    { name: 'externalRef', kind: 'text', label: 'form.externalRef' },
    note,
  ],
  'report-upstream': [
    note,
    { name: 'again', kind: 'bool', label: 'form.reportAgain', help: 'form.reportAgain.help', initial: false },
  ],
  close: [
    {
      name: 'outcome',
      kind: 'select',
      label: 'form.outcome',
      required: 'form.outcome.required',
      options: OUTCOMES,
      optionPrefix: 'outcome',
    },
    { name: 'summary', kind: 'textarea', label: 'form.summary', required: 'form.summary.required' },
    { name: 'reporterFeedback', kind: 'textarea', label: 'form.reporterFeedback' },
  ],
  merge: [{ name: 'intoLeadId', kind: 'lead', label: 'form.intoLeadId', required: 'form.intoLeadId.required' }],
  // Administrative case (条例第21–24条): investigators, measures (some need the head's approval), penalty, referral.
  'assign-investigators': [
    {
      name: 'investigators',
      kind: 'investigators',
      label: 'form.investigators',
      required: 'form.investigators.required',
      roles: ['OFFICER', 'SUPERVISOR'],
    },
  ],
  'request-measure': [
    {
      name: 'measureType',
      kind: 'select',
      label: 'form.measureType',
      required: 'form.measureType.required',
      options: MEASURE_TYPES,
      optionPrefix: 'measure',
    },
    { name: 'description', kind: 'textarea', label: 'form.description', required: 'form.description.required' },
  ],
  'approve-measure': [measure((m) => m.status === 'REQUESTED')],
  'refuse-measure': [measure((m) => m.status === 'REQUESTED'), reason],
  'extend-measure': [measure((m) => m.measureType === 'SEAL_SEIZE' && m.status === 'ACTIVE' && !m.extended), reason],
  'release-measure': [measure((m) => m.status === 'ACTIVE' && m.measureType !== 'PRESERVATION'), reason],
  'register-preservation': [
    { name: 'description', kind: 'textarea', label: 'form.description', required: 'form.description.required' },
  ],
  'decide-preservation': [
    measure((m) => m.measureType === 'PRESERVATION' && m.status === 'ACTIVE'),
    { name: 'decision', kind: 'textarea', label: 'form.preservationDecision', required: 'form.reason.required' },
  ],
  'record-penalty-decision': [
    {
      name: 'result',
      kind: 'select',
      label: 'form.penaltyResult',
      required: 'form.penaltyResult.required',
      options: PENALTY_RESULTS,
      optionPrefix: 'penalty',
    },
    { name: 'summary', kind: 'textarea', label: 'form.penaltySummary', required: 'form.summary.required' },
    { name: 'docNo', kind: 'text', label: 'form.docNo' },
  ],
  'refer-police': [reason],
  'assign-handler': [
    { name: 'handlerId', kind: 'person', label: 'form.handler', required: 'form.person.required', roles: ['OFFICER'] },
    reason,
  ],
};

export const GENERIC_FORM: FieldSpec[] = [
  { name: '__json', kind: 'json', label: 'form.generic', help: 'form.generic.help', initial: '{}' },
];

/** Turns the form's values into the command body: empty optional fields are left out, lines become arrays. */
export function toBody(fields: FieldSpec[], values: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const f of fields) {
    const v = values[f.name];
    if (f.kind === 'json') return JSON.parse(String(v ?? '{}')) as Record<string, unknown>;
    if (v === undefined || v === null || v === '') continue;
    if (f.kind === 'lines') {
      const lines = String(v)
        .split('\n')
        .map((s) => s.trim())
        .filter(Boolean);
      if (lines.length) body[f.name] = lines;
    } else if (f.kind === 'datetime') {
      body[f.name] = (v as { toISOString(): string }).toISOString();
    } else if (f.kind === 'investigators') {
      body[f.name] = (v as Array<{ person?: { value: string; label: string }; badgeNo?: string }>).map((r) => ({
        personId: r.person?.value,
        name: r.person?.label,
        badgeNo: r.badgeNo?.trim(),
      }));
    } else if (f.kind === 'multiselect') {
      if ((v as unknown[]).length) body[f.name] = v;
    } else if (typeof v === 'string') {
      if (v.trim()) body[f.name] = v.trim();
    } else body[f.name] = v;
  }
  return body;
}
