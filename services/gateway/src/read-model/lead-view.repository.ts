import { Injectable } from '@nestjs/common';
import { stageOf, type LeadStatus } from '@outpost/contracts';
import type { Principal } from '@outpost/platform';
import { DataSource } from 'typeorm';
import { visibilitySql } from '../auth/principal';
import { filterSql, OVERDUE_SQL, sortSql, type LeadFilter, type LeadListQuery } from './lead-query';

export interface LeadViewRow {
  id: string;
  reference: string | null;
  title: string | null;
  description: string | null;
  status: LeadStatus | null;
  band: string | null;
  score: string | null;
  category: string | null;
  source_channel: string | null;
  source_name: string | null;
  confidentiality: string | null;
  street_code: string | null;
  street_name: string | null;
  grid_ids: string[];
  assignee_id: string | null;
  assignee_name: string | null;
  due_at: Date | null;
  filed_by: string | null;
  linked_to: string | null;
  case_id: string | null;
  case_no: string | null;
  decision: string | null;
  outcome: string | null;
  breach_count: number;
  reported_at: Date | null;
  closed_at: Date | null;
  updated_at: Date;
  overdue: boolean;
  facts: Record<string, unknown>;
  evidence: unknown[];
}

/** What lists and live updates read: the row without its large parts (description, facts, evidence). */
const LIST_FIELDS = [
  'id',
  'reference',
  'title',
  'status',
  'band',
  'score',
  'category',
  'source_channel',
  'source_name',
  'confidentiality',
  'street_code',
  'street_name',
  'grid_ids',
  'assignee_id',
  'assignee_name',
  'due_at',
  'filed_by',
  'linked_to',
  'case_id',
  'case_no',
  'decision',
  'outcome',
  'breach_count',
  'reported_at',
  'closed_at',
  'updated_at',
] as const satisfies ReadonlyArray<keyof LeadViewRow>;
export type LeadListRow = Pick<LeadViewRow, (typeof LIST_FIELDS)[number] | 'overdue'>;

/** One row of the lead list (also what live updates push). */
export function toSummary(r: LeadListRow) {
  return {
    id: r.id,
    reference: r.reference,
    title: r.title,
    status: r.status,
    stage: r.status ? stageOf(r.status) : null,
    band: r.band,
    score: r.score === null ? null : Number(r.score),
    category: r.category,
    sourceChannel: r.source_channel,
    streetCode: r.street_code,
    streetName: r.street_name,
    gridIds: r.grid_ids,
    assignee: r.assignee_id ? { id: r.assignee_id, name: r.assignee_name } : null,
    dueAt: r.due_at?.toISOString() ?? null,
    overdue: r.overdue,
    breachCount: r.breach_count,
    caseNo: r.case_no,
    decision: r.decision,
    outcome: r.outcome,
    linkedTo: r.linked_to,
    reportedAt: r.reported_at?.toISOString() ?? null,
    closedAt: r.closed_at?.toISOString() ?? null,
    updatedAt: r.updated_at.toISOString(),
  };
}
export type LeadSummary = ReturnType<typeof toSummary>;

const COLUMNS = `*, ${OVERDUE_SQL} AS overdue`;
const LIST_COLUMNS = `${LIST_FIELDS.join(', ')}, ${OVERDUE_SQL} AS overdue`;

/** Reads of lead_view, always through the caller's visibility (grid/street scope, own leads). */
@Injectable()
export class LeadViewRepository {
  constructor(private readonly db: DataSource) {}

  async list(p: Principal, q: LeadListQuery): Promise<{ items: LeadSummary[]; total: number }> {
    const params: unknown[] = [];
    const where = [visibilitySql(p, params), ...filterSql(q, p.userId, params)].join(' AND ');
    const [{ total }] = (await this.db.query(
      `SELECT count(*)::int AS total FROM lead_view WHERE ${where}`,
      params,
    )) as Array<{ total: number }>;
    params.push(q.pageSize, (q.page - 1) * q.pageSize);
    const rows: LeadListRow[] = await this.db.query(
      `SELECT ${LIST_COLUMNS} FROM lead_view WHERE ${where} ORDER BY ${sortSql(q.sort)} LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    return { items: rows.map(toSummary), total };
  }

  /** Every visible lead matching the filters (exports), capped. */
  async all(p: Principal, f: LeadFilter, cap: number): Promise<LeadSummary[]> {
    const params: unknown[] = [];
    const where = [visibilitySql(p, params), ...filterSql(f, p.userId, params)].join(' AND ');
    params.push(cap);
    const rows: LeadListRow[] = await this.db.query(
      `SELECT ${LIST_COLUMNS} FROM lead_view WHERE ${where} ORDER BY reported_at DESC NULLS LAST, id LIMIT $${params.length}`,
      params,
    );
    return rows.map(toSummary);
  }

  /** The lead if it exists AND the caller may see it (null otherwise: callers answer 404 either way). */
  async visible(p: Principal, id: string): Promise<LeadViewRow | null> {
    const params: unknown[] = [id];
    const rows: LeadViewRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM lead_view WHERE id = $1 AND ${visibilitySql(p, params)}`,
      params,
    );
    return rows[0] ?? null;
  }

  /** The list rows of these leads (those that exist), in no particular order. */
  listRows(ids: string[]): Promise<LeadListRow[]> {
    return this.db.query(`SELECT ${LIST_COLUMNS} FROM lead_view WHERE id = ANY($1::text[])`, [ids]);
  }

  /** Dashboard counts over the visible leads. */
  async dashboard(p: Principal, f: LeadFilter, weeks: number) {
    const params: unknown[] = [];
    const where = [visibilitySql(p, params), ...filterSql(f, p.userId, params)].join(' AND ');
    const q = <T>(sql: string, extra: unknown[] = []) => this.db.query(sql, [...params, ...extra]) as Promise<T[]>;
    const n = params.length;
    const [totals] = await q<{
      total: number;
      open: number;
      linked: number;
      closed: number;
      overdue: number;
      breached: number;
      breaches: number;
    }>(
      `SELECT count(*)::int AS total,
              count(*) FILTER (WHERE status IS DISTINCT FROM 'CLOSED' AND status IS DISTINCT FROM 'LINKED')::int AS open,
              count(*) FILTER (WHERE status = 'LINKED')::int AS linked,
              count(*) FILTER (WHERE status = 'CLOSED')::int AS closed,
              count(*) FILTER (WHERE ${OVERDUE_SQL})::int AS overdue,
              count(*) FILTER (WHERE breach_count > 0)::int AS breached,
              COALESCE(sum(breach_count), 0)::int AS breaches
       FROM lead_view WHERE ${where}`,
    );
    const group = (expr: string) =>
      q<{ key: string | null; count: number }>(
        `SELECT ${expr} AS key, count(*)::int AS count FROM lead_view WHERE ${where} GROUP BY 1 ORDER BY 2 DESC, 1`,
      );
    const byStatus = await group('status');
    const byStreet = await q<{ key: string | null; name: string | null; count: number }>(
      `SELECT street_code AS key, max(street_name) AS name, count(*)::int AS count FROM lead_view WHERE ${where} GROUP BY 1 ORDER BY 3 DESC, 1`,
    );
    const byGrid = await q<{ key: string; count: number }>(
      `SELECT g AS key, count(*)::int AS count FROM lead_view, unnest(grid_ids) AS g WHERE ${where} GROUP BY 1 ORDER BY 2 DESC, 1`,
    );
    const byCategory = await group('category');
    const byBand = await group('band');
    const breachesByKind = await q<{ key: string; service: string; count: number }>(
      `SELECT b ->> 'kind' AS key, b ->> 'service' AS service, count(*)::int AS count
       FROM lead_view, jsonb_array_elements(COALESCE(facts -> 'breaches', '[]'::jsonb)) AS b WHERE ${where} GROUP BY 1, 2 ORDER BY 3 DESC, 1`,
    );
    const trend = await q<{ week: string; reported: number; closed: number; breaches: number }>(
      `WITH weeks AS (
         SELECT to_char(w, 'IYYY-"W"IW') AS week, w AS start
         FROM generate_series(date_trunc('week', now()) - make_interval(weeks => $${n + 1}::int - 1), date_trunc('week', now()), interval '1 week') AS w
       ),
       visible AS (SELECT * FROM lead_view WHERE ${where})
       SELECT weeks.week,
         (SELECT count(*)::int FROM visible WHERE date_trunc('week', reported_at) = weeks.start) AS reported,
         (SELECT count(*)::int FROM visible WHERE date_trunc('week', closed_at) = weeks.start) AS closed,
         (SELECT count(*)::int FROM visible, jsonb_array_elements(COALESCE(facts -> 'breaches', '[]'::jsonb)) AS b
            WHERE date_trunc('week', (b ->> 'at')::timestamptz) = weeks.start) AS breaches
       FROM weeks ORDER BY weeks.start`,
      [weeks],
    );
    const byStage: Record<string, number> = { intake: 0, assessment: 0, escalation: 0, closed: 0 };
    for (const s of byStatus)
      if (s.key) byStage[stageOf(s.key as LeadStatus)] = (byStage[stageOf(s.key as LeadStatus)] ?? 0) + s.count;
    const slaCompliance = totals!.total
      ? Math.round(((totals!.total - totals!.breached) / totals!.total) * 1000) / 10
      : 100;
    return {
      totals: { ...totals!, slaCompliancePct: slaCompliance },
      byStage: Object.entries(byStage).map(([key, count]) => ({ key, count })),
      byStatus,
      byStreet,
      byGrid,
      byCategory,
      byBand,
      sla: {
        breachedLeads: totals!.breached,
        breaches: totals!.breaches,
        overdue: totals!.overdue,
        byKind: breachesByKind,
      },
      trend,
    };
  }
}
