import { z } from 'zod';
import { csvList, csvOf } from '@outpost/platform';
import { BANDS, CATEGORIES, LEAD_STATUSES, stageOf, type LeadStage, type LeadStatus } from '@outpost/contracts';

const STAGES = ['intake', 'assessment', 'escalation', 'closed'] as const satisfies readonly LeadStage[];

/** Filters of the lead list, its exports and (partly) the dashboard. Comma-separated values mean "any of". */
export const leadFilterSchema = z.object({
  stage: csvOf(STAGES).optional(),
  status: csvOf(LEAD_STATUSES).optional(),
  band: csvOf(BANDS).optional(),
  category: csvOf(CATEGORIES).optional(),
  grid: z.string().max(200).optional(),
  street: z.string().max(200).optional(),
  /** Disposal case states (escalation's transition table, e.g. REFERRAL_PENDING_APPROVAL). */
  caseState: csvList(
    z.string().regex(/^[A-Z_]{2,40}$/, 'expected case states such as REFERRAL_PENDING_APPROVAL'),
  ).optional(),
  /** `pending`: the lead's disposal case waits for a head's approval (a referral, a measure). */
  approval: z.enum(['pending']).optional(),
  /** A person id, or `me`, or `none` (unassigned): who was assigned the assessment. */
  assignee: z.string().max(100).optional(),
  /** A person id, or `me`: who holds the lead now (the case handler after the decision, else the assignee). */
  holder: z.string().max(100).optional(),
  /** A person id, or `me`: a sentinel asked to verify the lead on site, not answered yet. */
  askedOf: z.string().max(100).optional(),
  overdue: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  q: z.string().trim().max(100).optional(),
  reportedFrom: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
  reportedTo: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
});
export type LeadFilter = z.infer<typeof leadFilterSchema>;

/** Words for the lead filters whose rules alone do not explain their values (the list, its exports, the dashboard). */
export const LEAD_FILTER_DESCRIPTIONS: Record<string, string> = {
  stage: 'intake,assessment,escalation,closed (comma = any of)',
  status: 'REPORTED,TRIAGED,… (LEAD_STATUSES; comma = any of)',
  band: 'red,orange,yellow,none (comma = any of)',
  category: 'IF,IF-XS,… (CATEGORIES; comma = any of)',
  grid: 'grid id(s), e.g. G-440106001-C01',
  street: 'street code(s) or (part of) street name(s), e.g. 440106001 or 沙河',
  assignee: 'who was assigned the assessment: person id, `me` or `none`',
  holder: 'who holds the lead now (the case handler after the decision, else the assignee): person id or `me`',
  askedOf: 'a sentinel asked to verify the lead on site and not answered yet: person id or `me`',
  caseState: 'disposal case state(s), e.g. REFERRAL_PENDING_APPROVAL',
  approval: "`pending`: the case waits for a head's approval (referral, measures)",
  q: '全文检索：名称、描述、主体名称、编号 (ILIKE over a trigram index)',
  reportedFrom: 'ISO date/time (inclusive)',
  reportedTo: 'ISO date/time (exclusive)',
  sort: 'prefix - for descending',
};

export const leadListQuerySchema = leadFilterSchema.extend({
  page: z.coerce.number().int().min(1).max(100000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(20),
  sort: z
    .enum(['reportedAt', '-reportedAt', 'dueAt', '-dueAt', 'score', '-score', 'updatedAt', '-updatedAt'])
    .default('-reportedAt'),
});
export type LeadListQuery = z.infer<typeof leadListQuerySchema>;

export function statusesOfStages(stages: readonly LeadStage[]): LeadStatus[] {
  return LEAD_STATUSES.filter((s) => stages.includes(stageOf(s)));
}

const SORT_SQL: Record<LeadListQuery['sort'], string> = {
  reportedAt: 'reported_at ASC NULLS LAST, id',
  '-reportedAt': 'reported_at DESC NULLS LAST, id',
  dueAt: 'due_at ASC NULLS LAST, id',
  '-dueAt': 'due_at DESC NULLS LAST, id',
  score: 'score ASC NULLS LAST, id',
  '-score': 'score DESC NULLS LAST, id',
  updatedAt: 'updated_at ASC, id',
  '-updatedAt': 'updated_at DESC, id',
};
export const sortSql = (s: LeadListQuery['sort']) => SORT_SQL[s];

/** Overdue = a due time in the past while the lead is still open. */
export const OVERDUE_SQL = `(due_at IS NOT NULL AND due_at < now() AND status IS DISTINCT FROM 'CLOSED')`;

function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** WHERE conditions for the filters; parameters are appended to `params`. */
export function filterSql(f: LeadFilter, userId: string, params: unknown[]): string[] {
  const where: string[] = [];
  const add = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const statuses = new Set<string>();
  if (f.stage?.length) statusesOfStages(f.stage).forEach((s) => statuses.add(s));
  if (f.status?.length) {
    const wanted = f.status.filter((s) => !f.stage?.length || statuses.has(s));
    statuses.clear();
    wanted.forEach((s) => statuses.add(s));
  }
  if (f.stage?.length || f.status?.length) where.push(`status = ANY(${add([...statuses])}::text[])`);
  if (f.band?.length) where.push(`band = ANY(${add(f.band)}::text[])`);
  if (f.category?.length) where.push(`category = ANY(${add(f.category)}::text[])`);
  if (f.caseState?.length) where.push(`case_state = ANY(${add(f.caseState)}::text[])`);
  if (f.approval === 'pending') where.push('pending_approvals > 0');
  if (f.grid) where.push(`grid_ids && ${add(f.grid.split(',').map((x) => x.trim()))}::text[]`);
  if (f.street) {
    // As people know a street: by the code or by the name the list shows (沙河街, or just 沙河).
    const streets = f.street
      .split(/[,，]/)
      .map((x) => x.trim())
      .filter(Boolean);
    where.push(
      `(street_code = ANY(${add(streets)}::text[]) OR street_name ILIKE ANY(${add(streets.map((x) => `%${likeEscape(x)}%`))}::text[]))`,
    );
  }
  const person = (id: string) => add(id === 'me' ? userId : id);
  if (f.assignee === 'none') where.push('assignee_id IS NULL');
  else if (f.assignee) where.push(`assignee_id = ${person(f.assignee)}`);
  if (f.holder) where.push(`holder_id = ${person(f.holder)}`);
  if (f.askedOf) {
    const who = person(f.askedOf);
    where.push(
      `status = 'VERIFYING' AND EXISTS (SELECT 1 FROM jsonb_array_elements(COALESCE(facts -> 'verifications', '[]')) v
         WHERE v ->> 'askedOf' = ${who} AND NOT EXISTS (
           SELECT 1 FROM jsonb_array_elements(COALESCE(facts -> 'verificationAnswers', '[]')) a
            WHERE a ->> 'requestId' = v ->> 'requestId'))`,
    );
  }
  if (f.overdue === true) where.push(OVERDUE_SQL);
  if (f.overdue === false) where.push(`NOT ${OVERDUE_SQL}`);
  if (f.q)
    where.push(
      `lead_view.id IN (SELECT s.id FROM lead_search s WHERE s.search_text ILIKE ${add(`%${likeEscape(f.q)}%`)})`,
    );
  if (f.reportedFrom) where.push(`reported_at >= ${add(f.reportedFrom)}::timestamptz`);
  if (f.reportedTo) where.push(`reported_at < ${add(f.reportedTo)}::timestamptz`);
  return where;
}
