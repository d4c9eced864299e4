import { Injectable } from '@nestjs/common';
import type { PoolClient, QueryResult } from 'pg';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditLog, type AuditEntry, type ChainHead } from '@outpost/audit';
import { type LeadStatus, type Placement, type ScreeningHit, type ScreeningResult } from '@outpost/contracts';
import { Outbox, type EventEnvelope } from '@outpost/messaging';
import { dollarQuoted, rawPoolOf, SessionStatement, withPoolClient } from '@outpost/platform';

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

/** Lead columns written at registration, in the order of the recordset the write statement reads. */
const LEAD_COLUMNS: Array<[string, string]> = [
  ['id', 'uuid'],
  ['reference', 'text'],
  ['source_id', 'text'],
  ['source_ref', 'text'],
  ['idempotency_scope', 'text'],
  ['idempotency_key', 'text'],
  ['request_hash', 'text'],
  ['source_channel', 'text'],
  ['filed_by', 'text'],
  ['discovered_at', 'timestamptz'],
  ['reported_at', 'timestamptz'],
  ['title', 'text'],
  ['description', 'text'],
  ['suggested_category', 'text'],
  ['subjects', 'jsonb'],
  ['location', 'jsonb'],
  ['placement', 'jsonb'],
  ['grid_ids', 'text[]'],
  ['street_code', 'text'],
  ['unresolved', 'boolean'],
  ['estimates', 'jsonb'],
  ['channels', 'text[]'],
  ['external_refs', 'jsonb'],
  ['confidentiality', 'text'],
  ['reporter_anonymous', 'boolean'],
  ['reporter_contactable', 'boolean'],
  ['reporter_sealed', 'text'],
  ['screening', 'jsonb'],
  ['primary_lead_id', 'uuid'],
  ['matched_on', 'jsonb'],
  ['report_count', 'integer'],
];

/** What a registration group asks for under its locks. */
export interface RegistrationQuery {
  /** Every subject key of the group's leads. */
  keys: string[];
  /** References to draw (one per lead the group may register). */
  references: number;
  /** Idempotency keys and source references the group's leads claim: which are taken by a registered lead? */
  idempotency: Array<{ scope: string; key: string }>;
  sourceRefs: Array<{ source: string; ref: string }>;
}

const claimOf = (a: string, b: string): string => `${a}\u0000${b}`;

/** The idempotency key a lead claims (unique per scope), or null. */
export function idempotencyClaim(l: NewLeadRow): string | null {
  return l.idempotencyKey ? claimOf(l.idempotencyScope!, l.idempotencyKey) : null;
}

/** The source reference a lead claims (unique per source), or null. */
export function sourceRefClaim(l: NewLeadRow): string | null {
  return l.sourceRef ? claimOf(l.sourceId, l.sourceRef) : null;
}

/** What a registration group reads (under its locks) before it writes. */
export interface RegistrationRead {
  /** The transaction's time: every lead it registers has this received_at. */
  now: Date;
  references: string[];
  /** Open, unlinked leads sharing any of the keys, oldest first, row-locked. */
  primaries: OpenPrimary[];
  /** Taken idempotency keys and source references, as `idempotencyClaim` / `sourceRefClaim` spell them. */
  takenIdempotency: Set<string>;
  takenSourceRefs: Set<string>;
  /** The audit chain head this transaction holds until it commits. */
  head: ChainHead;
}

/** One lead a group registers (new or linked). */
export interface RegisteredLead {
  row: NewLeadRow;
  status: LeadStatus;
  reference: string;
  /** 1 + the links this same group makes to it. */
  reportCount: number;
}

/** What a registration group writes, in one statement. */
export interface RegistrationWrite {
  leads: RegisteredLead[];
  /** Report counts of already registered primaries to raise, by lead id. */
  bumps: Map<string, number>;
  audit: AuditEntry[];
  events: EventEnvelope[];
}

interface ReadRow {
  now: Date;
  refs: string[];
  primaries: Array<{
    id: string;
    reference: string;
    hits: ScreeningHit[] | null;
    report_count: number;
    keys: string[];
  }>;
  taken: Array<{ kind: 'i' | 'r'; a: string; b: string }>;
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

/** A lead as a record of the write statement's recordset (keys = LEAD_COLUMNS, plus status and subject keys). */
function leadRecord({ row: l, status, reference, reportCount }: RegisteredLead): Record<string, unknown> {
  return {
    id: l.id,
    reference,
    source_id: l.sourceId,
    source_ref: l.sourceRef,
    idempotency_scope: l.idempotencyScope,
    idempotency_key: l.idempotencyKey,
    request_hash: l.requestHash,
    source_channel: l.sourceChannel,
    filed_by: l.filedBy,
    discovered_at: l.discoveredAt,
    reported_at: l.reportedAt,
    title: l.title,
    description: l.description,
    suggested_category: l.suggestedCategory,
    subjects: l.subjects,
    location: l.location,
    placement: l.placement,
    grid_ids: l.placement.gridIds,
    street_code: l.placement.streetCode,
    unresolved: l.placement.unresolved,
    estimates: l.estimates,
    channels: l.channels,
    external_refs: l.externalRefs,
    confidentiality: l.confidentiality,
    reporter_anonymous: l.reporterAnonymous,
    reporter_contactable: l.reporterContactable,
    reporter_sealed: l.reporterSealed,
    screening: l.screening,
    primary_lead_id: l.primaryLeadId,
    matched_on: l.matchedOn,
    report_count: reportCount,
    status,
    subject_keys: l.subjectKeys,
  };
}

@Injectable()
export class LeadRepository {
  private readonly leadColumns = LEAD_COLUMNS.map(([c]) => c).join(', ');
  private readonly leadRecordset = [...LEAD_COLUMNS, ['status', 'text'], ['subject_keys', 'text[]']]
    .map(([c, t]) => `${c} ${t}`)
    .join(', ');

  /** The registration's read and write, prepared per connection (their data is one jsonb document, $1). */
  private readonly read: SessionStatement;
  private readonly write: SessionStatement;

  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditLog,
    private readonly outbox: Outbox,
  ) {
    this.read = new SessionStatement('intake_registration_read', ['jsonb'], this.readSql());
    this.write = new SessionStatement('intake_registration_write', ['jsonb'], this.writeSql());
  }

  /**
   * One registration transaction for a group of leads, on its own pooled connection, in TWO round trips whatever the
   * group's size: (BEGIN, the advisory locks, the read) then (the write, the audit head move, COMMIT) — simple queries
   * carrying their data as dollar-quoted JSON documents, so nothing waits for a separate BEGIN, bind or COMMIT trip.
   * The locks (ids sorted: no deadlock) serialise every registration touching one of these subjects, idempotency keys
   * or source references until it commits; the read is a later statement, so its snapshot sees what they committed.
   * Plain pg, no entity manager. The read and the write are SQL-prepared on each connection (SessionStatement: no
   * planning on every group, and a fresh plan every thousand runs as the tables grow).
   * `decide` turns what was read into what to write (null: nothing, only COMMIT). Rolls back if anything throws.
   */
  async registerGroup<T>(
    lockIds: string[],
    query: RegistrationQuery,
    decide: (read: RegistrationRead) => { write: RegistrationWrite | null; result: T },
  ): Promise<T> {
    for (const id of lockIds) if (!LOCK_ID.test(id)) throw new Error(`bad subject lock id ${id}`);
    const locks = lockIds.length
      ? `SELECT pg_advisory_xact_lock(k) FROM unnest('{${lockIds.join(',')}}'::bigint[]) AS k ORDER BY k; `
      : '';
    return withPoolClient(rawPoolOf(this.db), async (client, markBroken) => {
      try {
        const readSql = this.read.sql(client, [dollarQuoted(JSON.stringify(query))]);
        const results = (await client.query(`BEGIN; ${locks}${readSql}`)) as unknown as QueryResult[];
        const { write, result } = decide(await this.toRead(client, results[results.length - 1]!.rows[0] as ReadRow));
        await client.query(
          write
            ? `${this.write.sql(client, [this.writeDocument(write)])}; ${this.audit.moveHeadSql(write.audit)}; COMMIT`
            : 'COMMIT',
        );
        if (write) this.outbox.committed(); // wake this process's relay (no NOTIFY: it would serialise commits)
        return result;
      } catch (err) {
        this.read.forget(client);
        this.write.forget(client);
        // A connection whose ROLLBACK fails is unusable: the pool must discard it, not hand it to the next request.
        await client.query('ROLLBACK').catch(markBroken);
        throw err;
      }
    });
  }

  /**
   * Open unlinked leads sharing any key (row-locked), taken idempotency keys and source references, references, and a
   * free audit chain head. Every lookup is a LATERAL subquery that the planner may not flatten (OFFSET 0, FOR UPDATE):
   * each is an index probe per key whatever the estimates say. (As plain joins, Postgres without table statistics
   * guessed 5 % of subject_key would match and hash-joined a full scan of `lead` for every group with a match: one
   * scan per duplicate report, growing with the table; and a cached generic plan could keep such a choice.) The head is taken after the primaries' row locks (its condition needs `p`), so a
   * transaction never waits for a lead while holding a head: subject locks → primary rows → head, as in AuditLog.append.
   */
  private readSql(): string {
    return `WITH q AS MATERIALIZED (SELECT $1::jsonb AS d),
      cand AS (
        SELECT sk.lead_id AS id, array_agg(sk.key ORDER BY sk.key) AS keys
          FROM (SELECT DISTINCT jsonb_array_elements_text(d->'keys') AS key FROM q) AS k,
               LATERAL (SELECT sk.key, sk.lead_id FROM subject_key sk WHERE sk.key = k.key OFFSET 0) AS sk,
               LATERAL (SELECT 1 FROM lead l WHERE l.id = sk.lead_id AND l.primary_lead_id IS NULL AND l.open OFFSET 0) AS o
         GROUP BY sk.lead_id
      ), p AS (
        SELECT l.id, l.reference, l.screening, l.report_count, l.received_at, cand.keys
          FROM cand, LATERAL (SELECT * FROM lead l WHERE l.id = cand.id FOR UPDATE) AS l
      ), taken AS (
        SELECT 'i' AS kind, l.idempotency_scope AS a, l.idempotency_key AS b
          FROM q, jsonb_to_recordset(d->'idempotency') AS x(scope text, key text),
               LATERAL (SELECT * FROM lead l WHERE l.idempotency_scope = x.scope AND l.idempotency_key = x.key OFFSET 0) AS l
        UNION ALL
        SELECT 'r', l.source_id, l.source_ref
          FROM q, jsonb_to_recordset(d->'sourceRefs') AS x(source text, ref text),
               LATERAL (SELECT * FROM lead l WHERE l.source_id = x.source AND l.source_ref = x.ref OFFSET 0) AS l
      ), h AS (${this.audit.freeHeadSql('(SELECT count(*) FROM p) >= 0')})
      SELECT (SELECT array_agg(${NEXT_REFERENCE} ORDER BY n)
                FROM (SELECT nextval('lead_reference_seq') AS n FROM q, generate_series(1, (d->>'references')::int)) s) AS refs,
             (SELECT coalesce(json_agg(json_build_object('id', id, 'reference', reference, 'hits', screening->'hits',
                'report_count', report_count, 'keys', keys) ORDER BY received_at, id), '[]') FROM p) AS primaries,
             (SELECT coalesce(json_agg(taken), '[]') FROM taken) AS taken,
             now() AS now, h.chain, h.seq, h.hash
        FROM (SELECT 1) AS one LEFT JOIN h ON true`;
  }

  private async toRead(client: PoolClient, r: ReadRow): Promise<RegistrationRead> {
    let head: ChainHead;
    if (r.chain !== null) {
      head = this.audit.toHead({ chain: r.chain, seq: r.seq!, hash: r.hash! });
    } else {
      // Every chain busy: wait for one (rare; an extra round trip).
      const waited = await client.query<HeadRow>(this.audit.waitHeadSql);
      if (!waited.rows[0]) throw new Error('audit_head has no chains: migrations not run?');
      head = this.audit.toHead(waited.rows[0]);
    }
    return {
      now: r.now,
      references: r.refs,
      primaries: r.primaries.map((p) => ({
        id: p.id,
        reference: p.reference,
        matchedKeys: p.keys,
        hits: p.hits ?? [],
        reportCount: p.report_count,
      })),
      takenIdempotency: new Set(r.taken.filter((t) => t.kind === 'i').map((t) => claimOf(t.a, t.b))),
      takenSourceRefs: new Set(r.taken.filter((t) => t.kind === 'r').map((t) => claimOf(t.a, t.b))),
      head,
    };
  }

  /**
   * The leads, their subject keys, status rows, audit entries and events, and the primaries' report counts, in one
   * statement. The read found every idempotency key and source reference free under their locks, so a unique
   * violation here fails the whole group (the caller retries its leads one by one).
   */
  private writeSql(): string {
    const cols = this.leadColumns;
    return `WITH q AS MATERIALIZED (SELECT $1::jsonb AS d),
      x AS MATERIALIZED (SELECT r.* FROM q, jsonb_to_recordset(d->'leads') AS r(${this.leadRecordset})),
      ins AS (INSERT INTO lead (${cols}) SELECT ${cols} FROM x),
      keys AS (INSERT INTO subject_key (key, lead_id) SELECT k, x.id FROM x, unnest(x.subject_keys) AS k),
      st AS (INSERT INTO lead_status (lead_id, status, stage, updated_at) SELECT x.id, x.status, 'intake', now() FROM x),
      bump AS (
        UPDATE lead SET report_count = report_count + b.n
          FROM q, jsonb_to_recordset(d->'bumps') AS b(id uuid, n int) WHERE lead.id = b.id
      ), ${this.audit.appendFromJsonSql('audit', "(SELECT d->'audit' FROM q)")},
      ${this.outbox.insertFromJsonSql('event', "(SELECT d->'events' FROM q)")}
      SELECT 1`;
  }

  /** The write's document ($1 of writeSql), as a dollar-quoted literal. */
  private writeDocument(w: RegistrationWrite): string {
    return dollarQuoted(
      JSON.stringify({
        leads: w.leads.map(leadRecord),
        bumps: [...w.bumps].map(([id, n]) => ({ id, n })),
        audit: this.audit.appendRecords(w.audit),
        events: this.outbox.records(w.events),
      }),
    );
  }

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

  /** The sealed reporter identity of a lead, with what a scope check needs (opened only for an authorised reveal). */
  async sealedReporter(id: string): Promise<{
    reference: string;
    streetCode: string | null;
    gridIds: string[];
    anonymous: boolean;
    contactable: boolean;
    sealed: string | null;
  } | null> {
    const rows: Array<{
      reference: string;
      street_code: string | null;
      grid_ids: string[];
      reporter_anonymous: boolean;
      reporter_contactable: boolean;
      reporter_sealed: string | null;
    }> = await this.db.query(
      `SELECT reference, street_code, grid_ids, reporter_anonymous, reporter_contactable, reporter_sealed
         FROM lead WHERE id = $1`,
      [id],
    );
    const r = rows[0];
    return r
      ? {
          reference: r.reference,
          streetCode: r.street_code,
          gridIds: r.grid_ids ?? [],
          anonymous: r.reporter_anonymous,
          contactable: r.reporter_contactable,
          sealed: r.reporter_sealed,
        }
      : null;
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
