import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditLog, type AuditEntry, type ChainHead } from '@outpost/audit';
import { type LeadStatus, type Placement, type ScreeningHit, type ScreeningResult } from '@outpost/contracts';
import { Outbox, type EventEnvelope } from '@outpost/messaging';
import { rawPoolOf, withPoolClient } from '@outpost/platform';

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
  /** Its report count, read under its row lock (so the +1 this registration makes is exact). */
  reportCount: number;
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
  /** When the reporter was told the outcome (SMS/e-mail accepted by the provider); null until then. */
  reporterNotifiedAt: string | null;
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
  reporter_notified_at: Date | null;
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
    l.received_at, s.status, s.stage, s.outcome, s.reporter_feedback, s.reporter_notified_at, s.updated_at
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
    reporterNotifiedAt: r.reporter_notified_at?.toISOString() ?? null,
    updatedAt: r.updated_at.toISOString(),
  };
}

/**
 * The reference is TH-<date in Beijing time>-<sequence, at least 6 digits>; the sequence only grows (gaps from
 * conflicts are harmless), so references are unique without a per-day counter row to contend on.
 */
const NEXT_REFERENCE = `'TH-' || to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || '-' || lpad(n::text, greatest(6, length(n::text)), '0')`;

const LEAD_INSERT_CTES = `ins AS (
    INSERT INTO lead (id, reference, source_id, source_ref, idempotency_scope, idempotency_key, request_hash, source_channel, filed_by,
      discovered_at, reported_at, title, description, suggested_category, subjects, location, placement, grid_ids, street_code,
      unresolved, estimates, channels, external_refs, confidentiality, reporter_anonymous, reporter_contactable, reporter_sealed,
      screening, primary_lead_id, matched_on)
    SELECT $1, $32,
      $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29
    ON CONFLICT DO NOTHING
    RETURNING id, reference, received_at
  ), keys AS (
    INSERT INTO subject_key (key, lead_id) SELECT k, ins.id FROM ins, unnest($30::text[]) AS k
  ), st AS (
    INSERT INTO lead_status (lead_id, status, stage, updated_at) SELECT ins.id, $31, 'intake', ins.received_at FROM ins
  ), bump AS (
    UPDATE lead SET report_count = report_count + 1 WHERE id = $28 AND EXISTS (SELECT 1 FROM ins) RETURNING report_count
  )`;

/** What a registration transaction reads (under its subject locks) before it writes. */
export interface RegistrationRead {
  /** The new lead's reference, drawn now so the audit entry and the event can carry it. */
  reference: string;
  primary: OpenPrimary | null;
  /** The audit chain head this transaction holds until it commits. */
  head: ChainHead;
}

/** What one registration writes, in one statement. */
export interface RegistrationWrite {
  row: NewLeadRow;
  status: LeadStatus;
  reference: string;
  audit: AuditEntry[];
  event: EventEnvelope;
}

/**
 * One registration transaction on its own pooled connection, in four round trips: BEGIN + subject locks, the read
 * (open primary, locked; reference; audit head), the write (every row, one statement), audit head move + COMMIT.
 * Plain pg, no entity manager. Unnamed statements on purpose: a named (prepared) statement is planned once for good
 * after five runs, and a plan made while `lead` held a handful of rows scanned the whole table on every registration
 * once it held thousands (with autovacuum off, nothing re-plans it); each registration is planned for the table as it is.
 */
export class RegistrationTx {
  private beforeCommit = '';

  constructor(
    private readonly client: PoolClient,
    private readonly sql: RegistrationSql,
    private readonly audit: AuditLog,
    private readonly outbox: Outbox,
  ) {}

  /**
   * The oldest open, unlinked lead sharing any of these subject keys (row-locked), a reference and a free audit chain
   * head. The head is taken after the primary's row lock (its condition needs `p`), so a transaction never waits for
   * a lead while holding a head: the order is subject locks → primary row → head, as in AuditLog.append.
   */
  async read(keys: string[]): Promise<RegistrationRead> {
    const { rows } = await this.client.query<ReadRow>(this.sql.read, [keys]);
    const r = rows[0]!;
    const primary = r.p_id
      ? {
          id: r.p_id,
          reference: r.p_reference!,
          matchedKeys: r.p_keys!,
          hits: r.p_screening!.hits,
          reportCount: r.p_report_count!,
        }
      : null;
    let head: ChainHead;
    if (r.chain !== null) {
      head = this.audit.toHead({ chain: r.chain, seq: r.seq!, hash: r.hash! });
    } else {
      // Every chain busy: wait for one (rare; an extra round trip).
      const waited = await this.client.query<HeadRow>(this.sql.waitHead);
      if (!waited.rows[0]) throw new Error('audit_head has no chains: migrations not run?');
      head = this.audit.toHead(waited.rows[0]);
    }
    return { reference: r.reference, primary, head };
  }

  /**
   * Inserts the lead, its subject keys, status row, audit entries and event and bumps the primary's report count, in
   * one statement (the audit head moves with COMMIT). Null (and nothing written) when the lead already exists: same Idempotency-Key
   * or source reference (ON CONFLICT, not check-then-insert).
   */
  async write(w: RegistrationWrite): Promise<{ id: string; receivedAt: Date } | null> {
    const { rows } = await this.client.query<{ id: string; received_at: Date }>(this.sql.write, [
      ...leadParams(w.row, w.status),
      w.reference,
      ...this.audit.appendParams(w.audit),
      ...this.outbox.rowParams(w.event),
    ]);
    const r = rows[0];
    if (!r) return null;
    this.beforeCommit = `${this.audit.moveHeadSql(w.audit)}; `;
    return { id: r.id, receivedAt: r.received_at };
  }

  /** COMMIT, after moving the audit head if entries were written (one round trip either way). */
  commitSql(): string {
    return `${this.beforeCommit}COMMIT`;
  }
}

interface RegistrationSql {
  read: string;
  write: string;
  waitHead: string;
}

interface ReadRow {
  reference: string;
  p_id: string | null;
  p_reference: string | null;
  p_screening: ScreeningResult | null;
  p_report_count: number | null;
  p_keys: string[] | null;
  chain: number | null;
  seq: string | null;
  hash: string | null;
}

interface HeadRow {
  chain: number;
  seq: string;
  hash: string;
}

/** Lock ids are signed 64-bit integers (lockIdOf); checked before they are written into SQL text. */
const LOCK_ID = /^-?\d{1,19}$/;

function leadParams(l: NewLeadRow, status: LeadStatus): unknown[] {
  return [
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
  ];
}

@Injectable()
export class LeadRepository {
  private readonly sql: RegistrationSql;

  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditLog,
    private readonly outbox: Outbox,
  ) {
    const inserted = 'EXISTS (SELECT 1 FROM ins)';
    this.sql = {
      read: `WITH cand AS (
          SELECT l.id, array_agg(sk.key ORDER BY sk.key) AS keys
            FROM subject_key sk JOIN lead l ON l.id = sk.lead_id
           WHERE sk.key = ANY($1::text[]) AND l.primary_lead_id IS NULL AND l.open
           GROUP BY l.id ORDER BY l.received_at, l.id LIMIT 1
        ), p AS (
          SELECT l.id, l.reference, l.screening, l.report_count, cand.keys FROM lead l JOIN cand ON cand.id = l.id FOR UPDATE OF l
        ), h AS (${audit.freeHeadSql('(SELECT count(*) FROM p) >= 0')})
        SELECT ${NEXT_REFERENCE} AS reference, p.id AS p_id, p.reference AS p_reference, p.screening AS p_screening,
               p.report_count AS p_report_count, p.keys AS p_keys, h.chain, h.seq, h.hash
          FROM nextval('lead_reference_seq') AS n LEFT JOIN p ON true LEFT JOIN h ON true`,
      write: `WITH ${LEAD_INSERT_CTES}, ${audit.appendSql('audit', 33, inserted)}, ${outbox.insertSql('event', 45, inserted)}
        SELECT ins.id, ins.received_at FROM ins`,
      waitHead: audit.waitHeadSql,
    };
  }

  /**
   * Runs `work` in one registration transaction: BEGIN and the subject locks go in the same round trip (a simple
   * query; the lock ids are integers, checked), so every registration touching one of these subjects is serialised
   * until it commits (ids sorted: no deadlock). Rolls back if `work` throws.
   */
  async transaction<T>(lockIds: string[], work: (tx: RegistrationTx) => Promise<T>): Promise<T> {
    for (const id of lockIds) if (!LOCK_ID.test(id)) throw new Error(`bad subject lock id ${id}`);
    const begin =
      lockIds.length === 0
        ? 'BEGIN'
        : `BEGIN; SELECT pg_advisory_xact_lock(k) FROM unnest('{${lockIds.join(',')}}'::bigint[]) AS k ORDER BY k`;
    return withPoolClient(rawPoolOf(this.db), async (client, markBroken) => {
      try {
        await client.query(begin);
        const tx = new RegistrationTx(client, this.sql, this.audit, this.outbox);
        const result = await work(tx);
        await client.query(tx.commitSql());
        this.outbox.committed(); // wake this process's relay (no NOTIFY: it would serialise commits)
        return result;
      } catch (err) {
        // A connection whose ROLLBACK fails is unusable: the pool must discard it, not hand it to the next request.
        await client.query('ROLLBACK').catch(markBroken);
        throw err;
      }
    });
  }

  /** TypeORM's pg pool for the runtime role (the hot path talks to pg directly, without the entity manager). */

  /** The lead an Idempotency-Key or source reference already names (for replies to retries). */
  async findExisting(
    db: EntityManager | DataSource,
    q: { idempotencyScope: string | null; idempotencyKey: string | null; sourceId: string; sourceRef: string | null },
  ): Promise<ExistingLead | null> {
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
      matchedIdempotencyKey:
        q.idempotencyKey !== null &&
        r.idempotency_scope === q.idempotencyScope &&
        r.idempotency_key === q.idempotencyKey,
    };
  }

  async view(
    id: string,
  ): Promise<(LeadView & { sourceId: string; filedBy: string | null; primaryLeadId: string | null }) | null> {
    const rows: Array<ViewRow & { primary_lead_id: string | null }> = await this.db.query(
      `${VIEW_SQL.replace('l.received_at,', 'l.received_at, l.primary_lead_id,')} WHERE l.id = $1`,
      [id],
    );
    const r = rows[0];
    return r ? { ...toView(r), sourceId: r.source_id, filedBy: r.filed_by, primaryLeadId: r.primary_lead_id } : null;
  }
}
