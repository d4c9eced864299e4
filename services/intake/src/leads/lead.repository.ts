import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { type LeadStatus, type Placement, type ScreeningHit, type ScreeningResult } from '@outpost/contracts';

/** A lead ready to insert: validated, screened, placed, reporter sealed. */
export interface NewLeadRow {
  id: string;
  sourceId: string;
  sourceRef: string | null;
  idempotencyScope: string | null;
  idempotencyKey: string | null;
  requestHash: string;
  sourceChannel: string;
  filedBy: string | null;
  discoveredAt: string | null;
  reportedAt: string;
  title: string;
  description: string;
  suggestedCategory: string | null;
  subjects: unknown;
  location: unknown;
  placement: Placement;
  estimates: unknown;
  channels: string[];
  externalRefs: unknown;
  confidentiality: string;
  reporterAnonymous: boolean;
  reporterContactable: boolean;
  reporterSealed: string | null;
  screening: ScreeningResult;
  subjectKeys: string[];
  primaryLeadId: string | null;
  matchedOn: unknown;
}

export interface OpenPrimary {
  id: string;
  reference: string;
  matchedKeys: string[];
  hits: ScreeningHit[];
}

/** What a source may see of its own lead (never reporter identity, never another source's data). */
export interface LeadView {
  id: string;
  reference: string;
  sourceRef: string | null;
  status: LeadStatus;
  stage: string;
  receivedAt: string;
  outcome: string | null;
  reporterFeedback: string | null;
  updatedAt: string;
}

interface ViewRow {
  id: string;
  reference: string;
  source_id: string;
  filed_by: string | null;
  source_ref: string | null;
  request_hash: string;
  idempotency_scope: string | null;
  idempotency_key: string | null;
  received_at: Date;
  status: LeadStatus;
  stage: string;
  outcome: string | null;
  reporter_feedback: string | null;
  updated_at: Date;
}

export interface ExistingLead {
  view: LeadView;
  sourceId: string;
  filedBy: string | null;
  requestHash: string;
  matchedIdempotencyKey: boolean;
}

const VIEW_SQL = `SELECT l.id, l.reference, l.source_id, l.filed_by, l.source_ref, l.request_hash, l.idempotency_scope, l.idempotency_key,
    l.received_at, s.status, s.stage, s.outcome, s.reporter_feedback, s.updated_at
  FROM lead l JOIN lead_status s ON s.lead_id = l.id`;

function toView(r: ViewRow): LeadView {
  return {
    id: r.id,
    reference: r.reference,
    sourceRef: r.source_ref,
    status: r.status,
    stage: r.stage,
    receivedAt: r.received_at.toISOString(),
    outcome: r.outcome,
    reporterFeedback: r.reporter_feedback,
    updatedAt: r.updated_at.toISOString(),
  };
}

/**
 * The reference is TH-<date in Beijing time>-<sequence, at least 6 digits>; the sequence only grows (gaps from
 * conflicts are harmless), so references are unique without a per-day counter row to contend on.
 */
const INSERT_LEAD_SQL = `WITH ins AS (
    INSERT INTO lead (id, reference, source_id, source_ref, idempotency_scope, idempotency_key, request_hash, source_channel, filed_by,
      discovered_at, reported_at, title, description, suggested_category, subjects, location, placement, grid_ids, street_code,
      unresolved, estimates, channels, external_refs, confidentiality, reporter_anonymous, reporter_contactable, reporter_sealed,
      screening, primary_lead_id, matched_on)
    SELECT $1, 'TH-' || to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || '-' || lpad(n::text, greatest(6, length(n::text)), '0'),
      $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29
    FROM nextval('lead_reference_seq') AS n
    ON CONFLICT DO NOTHING
    RETURNING id, reference, received_at
  ), keys AS (
    INSERT INTO subject_key (key, lead_id) SELECT k, ins.id FROM ins, unnest($30::text[]) AS k
  ), st AS (
    INSERT INTO lead_status (lead_id, status, stage, updated_at) SELECT ins.id, $31, 'intake', ins.received_at FROM ins
  ), bump AS (
    UPDATE lead SET report_count = report_count + 1 WHERE id = $28 AND EXISTS (SELECT 1 FROM ins) RETURNING report_count
  )
  SELECT ins.id, ins.reference, ins.received_at, (SELECT report_count FROM bump) AS report_count FROM ins`;

@Injectable()
export class LeadRepository {
  constructor(private readonly db: DataSource) {}

  /** Serialises every registration touching one of these subjects until the transaction ends (ids sorted: no deadlock). */
  async lockSubjects(tx: EntityManager, lockIds: string[]): Promise<void> {
    if (lockIds.length === 0) return;
    await tx.query(`SELECT pg_advisory_xact_lock(k) FROM unnest($1::bigint[]) AS k`, [lockIds]);
  }

  /** The oldest open, unlinked lead sharing any of these subject keys. */
  async findOpenPrimary(tx: EntityManager, keys: string[]): Promise<OpenPrimary | null> {
    if (keys.length === 0) return null;
    const rows: Array<{ id: string; reference: string; keys: string[]; screening: ScreeningResult }> = await tx.query(
      `SELECT l.id, l.reference, l.screening, array_agg(sk.key ORDER BY sk.key) AS keys
         FROM subject_key sk JOIN lead l ON l.id = sk.lead_id
        WHERE sk.key = ANY($1) AND l.primary_lead_id IS NULL AND l.open
        GROUP BY l.id ORDER BY l.received_at, l.id LIMIT 1`,
      [keys],
    );
    const r = rows[0];
    return r ? { id: r.id, reference: r.reference, matchedKeys: r.keys, hits: r.screening.hits } : null;
  }

  /**
   * Inserts the lead, its subject keys and status row and bumps the primary's report count in one statement. Returns
   * null when the lead already exists (same Idempotency-Key or same source reference): ON CONFLICT, not check-then-insert.
   */
  async insert(tx: EntityManager, l: NewLeadRow, status: LeadStatus): Promise<{ id: string; reference: string; receivedAt: Date; reportCount: number | null } | null> {
    const rows: Array<{ id: string; reference: string; received_at: Date; report_count: number | null }> = await tx.query(INSERT_LEAD_SQL, [
      l.id,
      l.sourceId,
      l.sourceRef,
      l.idempotencyScope,
      l.idempotencyKey,
      l.requestHash,
      l.sourceChannel,
      l.filedBy,
      l.discoveredAt,
      l.reportedAt,
      l.title,
      l.description,
      l.suggestedCategory,
      JSON.stringify(l.subjects),
      JSON.stringify(l.location),
      JSON.stringify(l.placement),
      l.placement.gridIds,
      l.placement.streetCode,
      l.placement.unresolved,
      JSON.stringify(l.estimates),
      l.channels,
      JSON.stringify(l.externalRefs),
      l.confidentiality,
      l.reporterAnonymous,
      l.reporterContactable,
      l.reporterSealed,
      JSON.stringify(l.screening),
      l.primaryLeadId,
      l.matchedOn === null ? null : JSON.stringify(l.matchedOn),
      l.subjectKeys,
      status,
    ]);
    const r = rows[0];
    return r ? { id: r.id, reference: r.reference, receivedAt: r.received_at, reportCount: r.report_count } : null;
  }

  /** The lead an Idempotency-Key or source reference already names (for replies to retries). */
  async findExisting(db: EntityManager | DataSource, q: { idempotencyScope: string | null; idempotencyKey: string | null; sourceId: string; sourceRef: string | null }): Promise<ExistingLead | null> {
    const rows: ViewRow[] = await db.query(
      `${VIEW_SQL} WHERE (l.idempotency_scope = $1 AND l.idempotency_key = $2) OR (l.source_id = $3 AND l.source_ref = $4)
        ORDER BY (l.idempotency_scope = $1 AND l.idempotency_key = $2) DESC NULLS LAST LIMIT 1`,
      [q.idempotencyScope, q.idempotencyKey, q.sourceId, q.sourceRef],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      view: toView(r),
      sourceId: r.source_id,
      filedBy: r.filed_by,
      requestHash: r.request_hash,
      matchedIdempotencyKey: q.idempotencyKey !== null && r.idempotency_scope === q.idempotencyScope && r.idempotency_key === q.idempotencyKey,
    };
  }

  async view(id: string): Promise<(LeadView & { sourceId: string; filedBy: string | null; primaryLeadId: string | null }) | null> {
    const rows: Array<ViewRow & { primary_lead_id: string | null }> = await this.db.query(`${VIEW_SQL.replace('l.received_at,', 'l.received_at, l.primary_lead_id,')} WHERE l.id = $1`, [id]);
    const r = rows[0];
    return r ? { ...toView(r), sourceId: r.source_id, filedBy: r.filed_by, primaryLeadId: r.primary_lead_id } : null;
  }
}

