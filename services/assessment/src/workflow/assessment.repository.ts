import { Injectable } from '@nestjs/common';
import type {
  Anchor,
  Band,
  Category,
  ChecklistLevel,
  Estimates,
  Recommendation,
  ScreeningHit,
} from '@outpost/contracts';
import type { ScoreLine } from '@outpost/screening';
import type { DataSource, EntityManager } from 'typeorm';
import { returningRows } from '../shared/sql';
import type { AssessmentStatus } from './transition-table';

type Db = DataSource | EntityManager;
type Checklist = Record<Anchor, ChecklistLevel>;

/** 专业意见: advisory, never 认定 (Reg. Art. 10-11: only the lead department 认定). */
export interface Opinion {
  kind: '专业意见';
  official: false;
  authorId: string;
  authorName: string;
  recommendation: Recommendation;
  category: Category;
  legalBasis: string[];
  reasoning: string;
  submittedAt: string;
}

export interface Decision {
  decidedBy: string;
  decidedByName: string;
  decision: Recommendation;
  category: Category;
  legalBasis: string[];
  reasoning: string;
  feedback: string | null;
  decidedAt: string;
}

export interface Assessment {
  leadId: string;
  id: string;
  reference: string | null;
  title: string;
  status: AssessmentStatus;
  score: number;
  band: Band;
  checklist: Checklist;
  explanation: ScoreLine[];
  hits: ScreeningHit[];
  facts: Estimates;
  gridIds: string[];
  streetCode: string | null;
  subjectRegisteredAddress: string | null;
  suggestedCategory: Category | null;
  linkedLeadIds: string[];
  reportCount: number;
  pool: 'PAIR' | 'STREET' | 'DISTRICT' | null;
  priority: boolean;
  assigneeId: string | null;
  assigneeName: string | null;
  pairingId: string | null;
  partnerId: string | null;
  assignedAt: string | null;
  opinion: Opinion | null;
  previousOpinions: unknown[];
  decision: Decision | null;
  cycle: number;
  createdAt: string;
  updatedAt: string;
}

interface Row {
  lead_id: string;
  id: string;
  reference: string | null;
  title: string;
  status: AssessmentStatus;
  score: string;
  band: Band;
  checklist: Checklist;
  explanation: ScoreLine[];
  hits: ScreeningHit[];
  facts: Estimates;
  grid_ids: string[];
  street_code: string | null;
  subject_registered_address: string | null;
  suggested_category: Category | null;
  linked_lead_ids: string[];
  report_count: number;
  pool: Assessment['pool'];
  priority: boolean;
  assignee_id: string | null;
  assignee_name: string | null;
  pairing_id: string | null;
  partner_id: string | null;
  assigned_at: Date | null;
  opinion: Opinion | null;
  previous_opinions: unknown[];
  decision: Decision | null;
  cycle: number;
  created_at: Date;
  updated_at: Date;
}

const iso = (d: Date | null): string | null => (d ? new Date(d).toISOString() : null);

function toAssessment(r: Row): Assessment {
  return {
    leadId: r.lead_id,
    id: r.id,
    reference: r.reference,
    title: r.title,
    status: r.status,
    score: Number(r.score),
    band: r.band,
    checklist: r.checklist,
    explanation: r.explanation,
    hits: r.hits,
    facts: r.facts,
    gridIds: r.grid_ids,
    streetCode: r.street_code,
    subjectRegisteredAddress: r.subject_registered_address,
    suggestedCategory: r.suggested_category,
    linkedLeadIds: r.linked_lead_ids,
    reportCount: r.report_count,
    pool: r.pool,
    priority: r.priority,
    assigneeId: r.assignee_id,
    assigneeName: r.assignee_name,
    pairingId: r.pairing_id,
    partnerId: r.partner_id,
    assignedAt: iso(r.assigned_at),
    opinion: r.opinion,
    previousOpinions: r.previous_opinions,
    decision: r.decision,
    cycle: r.cycle,
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
  };
}

/** Columns a use case may change, by their camelCase name. */
const COLUMNS: Record<string, string> = {
  status: 'status',
  score: 'score',
  band: 'band',
  checklist: 'checklist',
  explanation: 'explanation',
  hits: 'hits',
  facts: 'facts',
  linkedLeadIds: 'linked_lead_ids',
  reportCount: 'report_count',
  pool: 'pool',
  priority: 'priority',
  assigneeId: 'assignee_id',
  assigneeName: 'assignee_name',
  pairingId: 'pairing_id',
  partnerId: 'partner_id',
  assignedAt: 'assigned_at',
  opinion: 'opinion',
  previousOpinions: 'previous_opinions',
  decision: 'decision',
  cycle: 'cycle',
};
const JSON_COLUMNS = new Set(['checklist', 'explanation', 'hits', 'facts', 'opinion', 'previous_opinions', 'decision']);

export type AssessmentPatch = Partial<Omit<Assessment, 'leadId' | 'id' | 'createdAt' | 'updatedAt'>>;

/** What routing decides for a lead (assignMany). */
export type RoutePatch = Pick<
  Assessment,
  'status' | 'pool' | 'priority' | 'assigneeId' | 'assigneeName' | 'pairingId' | 'partnerId'
>;

export interface VerificationRequest {
  id: string;
  leadId: string;
  askedOf: string;
  askedBy: string;
  question: string;
  dueAt: string;
  status: 'OPEN' | 'ANSWERED';
  answer: string | null;
  evidenceIds: string[];
  answeredBy: string | null;
  answeredAt: string | null;
  createdAt: string;
}

interface VerificationRow {
  id: string;
  lead_id: string;
  asked_of: string;
  asked_by: string;
  question: string;
  due_at: Date;
  status: 'OPEN' | 'ANSWERED';
  answer: string | null;
  evidence_ids: string[];
  answered_by: string | null;
  answered_at: Date | null;
  created_at: Date;
}

const toRequest = (r: VerificationRow): VerificationRequest => ({
  id: r.id,
  leadId: r.lead_id,
  askedOf: r.asked_of,
  askedBy: r.asked_by,
  question: r.question,
  dueAt: iso(r.due_at)!,
  status: r.status,
  answer: r.answer,
  evidenceIds: r.evidence_ids,
  answeredBy: r.answered_by,
  answeredAt: iso(r.answered_at),
  createdAt: iso(r.created_at)!,
});

@Injectable()
export class AssessmentRepository {
  async find(db: Db, leadId: string, lock = false): Promise<Assessment | null> {
    const rows: Row[] = await db.query(`SELECT * FROM assessment WHERE lead_id = $1${lock ? ' FOR UPDATE' : ''}`, [
      leadId,
    ]);
    return rows[0] ? toAssessment(rows[0]) : null;
  }

  async list(db: Db, f: { status?: string; assigneeId?: string; pool?: string; limit: number }): Promise<Assessment[]> {
    const rows: Row[] = await db.query(
      `SELECT * FROM assessment
       WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR assignee_id = $2) AND ($3::text IS NULL OR pool = $3)
       ORDER BY priority DESC, created_at ASC LIMIT $4`,
      [f.status ?? null, f.assigneeId ?? null, f.pool ?? null, f.limit],
    );
    return rows.map(toAssessment);
  }

  /** Inserts the lead's assessment; null (nothing written) when the lead already has one. */
  async insertIfAbsent(
    tx: EntityManager,
    a: Omit<Assessment, 'createdAt' | 'updatedAt'>,
    now: Date,
  ): Promise<Assessment | null> {
    const rows: Row[] = await tx.query(
      `INSERT INTO assessment (lead_id, id, reference, title, status, score, band, checklist, explanation, hits, facts, grid_ids,
         street_code, subject_registered_address, suggested_category, linked_lead_ids, report_count, pool, priority,
         assignee_id, assignee_name, pairing_id, partner_id, assigned_at, opinion, previous_opinions, decision, cycle, created_at, updated_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,$27,$28,$29,$29)
       ON CONFLICT (lead_id) DO NOTHING
       RETURNING *`,
      [
        a.leadId,
        a.id,
        a.reference,
        a.title,
        a.status,
        a.score,
        a.band,
        JSON.stringify(a.checklist),
        JSON.stringify(a.explanation),
        JSON.stringify(a.hits),
        JSON.stringify(a.facts),
        a.gridIds,
        a.streetCode,
        a.subjectRegisteredAddress,
        a.suggestedCategory,
        a.linkedLeadIds,
        a.reportCount,
        a.pool,
        a.priority,
        a.assigneeId,
        a.assigneeName,
        a.pairingId,
        a.partnerId,
        a.assignedAt,
        a.opinion ? JSON.stringify(a.opinion) : null,
        JSON.stringify(a.previousOpinions),
        a.decision ? JSON.stringify(a.decision) : null,
        a.cycle,
        now,
      ],
    );
    return rows[0] ? toAssessment(rows[0]) : null;
  }

  async update(tx: EntityManager, leadId: string, patch: AssessmentPatch, now: Date): Promise<Assessment> {
    const sets: string[] = [];
    const values: unknown[] = [leadId];
    for (const [k, v] of Object.entries(patch)) {
      const col = COLUMNS[k];
      if (!col) throw new Error(`assessment.${k} cannot be updated`);
      values.push(JSON_COLUMNS.has(col) && v !== null ? JSON.stringify(v) : v);
      sets.push(`${col} = $${values.length}`);
    }
    values.push(now);
    sets.push(`updated_at = $${values.length}`);
    const rows = returningRows<Row>(
      await tx.query(`UPDATE assessment SET ${sets.join(', ')} WHERE lead_id = $1 RETURNING *`, values),
    );
    if (!rows[0]) throw new Error(`assessment ${leadId} not found`);
    return toAssessment(rows[0]);
  }

  /**
   * Routing's outcome for several leads in one statement. The i-th lead's assigned_at is `now` + i µs: leads routed
   * together keep the order they were routed in, as one-at-a-time routing's clock would (round robin reads it).
   */
  async assignMany(
    tx: EntityManager,
    routed: Array<{ leadId: string } & RoutePatch>,
    now: Date,
  ): Promise<Assessment[]> {
    if (!routed.length) return [];
    const rows = returningRows<Row>(
      await tx.query(
        `UPDATE assessment a SET status = u.status, pool = u.pool, priority = u.priority, assignee_id = u.assignee_id,
           assignee_name = u.assignee_name, pairing_id = u.pairing_id, partner_id = u.partner_id,
           assigned_at = $9::timestamptz + (u.n - 1) * interval '1 microsecond', updated_at = $9
         FROM unnest($1::text[], $2::text[], $3::text[], $4::boolean[], $5::text[], $6::text[], $7::text[], $8::text[])
           WITH ORDINALITY AS u(lead_id, status, pool, priority, assignee_id, assignee_name, pairing_id, partner_id, n)
         WHERE a.lead_id = u.lead_id
         RETURNING a.*`,
        [
          routed.map((r) => r.leadId),
          routed.map((r) => r.status),
          routed.map((r) => r.pool),
          routed.map((r) => r.priority),
          routed.map((r) => r.assigneeId),
          routed.map((r) => r.assigneeName),
          routed.map((r) => r.pairingId),
          routed.map((r) => r.partnerId),
          now,
        ],
      ),
    );
    const byLead = new Map(rows.map((r) => [r.lead_id, toAssessment(r)]));
    return routed.map((r) => {
      const a = byLead.get(r.leadId);
      if (!a) throw new Error(`assessment ${r.leadId} not found`);
      return a;
    });
  }

  async requests(db: Db, leadId: string): Promise<VerificationRequest[]> {
    const rows: VerificationRow[] = await db.query(
      `SELECT * FROM verification_request WHERE lead_id = $1 ORDER BY created_at, id`,
      [leadId],
    );
    return rows.map(toRequest);
  }

  async insertRequest(
    tx: EntityManager,
    r: Pick<VerificationRequest, 'id' | 'leadId' | 'askedOf' | 'askedBy' | 'question' | 'dueAt'>,
    now: Date,
  ): Promise<VerificationRequest> {
    const rows: VerificationRow[] = await tx.query(
      `INSERT INTO verification_request (id, lead_id, asked_of, asked_by, question, due_at, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING *`,
      [r.id, r.leadId, r.askedOf, r.askedBy, r.question, r.dueAt, now],
    );
    return toRequest(rows[0]!);
  }

  async answerRequest(
    tx: EntityManager,
    id: string,
    a: { answer: string; evidenceIds: string[]; answeredBy: string },
    now: Date,
  ): Promise<VerificationRequest | null> {
    const rows = returningRows<VerificationRow>(
      await tx.query(
        `UPDATE verification_request SET status = 'ANSWERED', answer = $2, evidence_ids = $3, answered_by = $4, answered_at = $5
       WHERE id = $1 AND status = 'OPEN' RETURNING *`,
        [id, a.answer, a.evidenceIds, a.answeredBy, now],
      ),
    );
    return rows[0] ? toRequest(rows[0]) : null;
  }
}
