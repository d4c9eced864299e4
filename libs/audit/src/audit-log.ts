import { actorSchema } from '@outpost/contracts';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import {
  AUDIT_LOG_COLUMNS,
  type AuditEntry,
  type AuditEntryInput,
  type AuditLogRow,
  type ChainHead,
  rowToEntry,
} from './audit-entry';
import { computeEntryHash, payloadDigest } from './audit-hash';
import { canonicalJson } from './canonical-json';
import { sqlIdent } from './sql-identifier';

/** Anything TypeORM can run a raw query on. */
export type Queryable = DataSource | EntityManager;

/** Rows per INSERT: keeps the bind-parameter arrays well below pg's limits while amortising round trips. */
const INSERT_BATCH = 1000;

export interface AuditLogOptions {
  /** The service's Postgres schema holding audit_log and audit_head. */
  schema: string;
  clock?: () => Date;
}

/**
 * Writes hash-chained audit entries in the caller's transaction.
 *
 * Writers do not queue on one lock: there are K chains (rows of audit_head); a transaction takes a free head with
 * `FOR UPDATE SKIP LOCKED`, appends to that chain and moves the head, so up to K transactions append in parallel.
 * The head lock is held until the caller commits, which is what keeps each chain gap-free and linear.
 *
 * Callers must use READ COMMITTED (the default): under REPEATABLE READ, locking a head another transaction has moved
 * since the snapshot raises a serialization error.
 */
export class AuditLog {
  readonly schema: string;
  private readonly s: string;
  private readonly clock: () => Date;
  /** Chain a transaction already holds, so its later appends reuse it instead of locking a second head. */
  private readonly heldChain = new WeakMap<QueryRunner, number>();

  constructor(o: AuditLogOptions) {
    this.s = sqlIdent(o.schema, 'schema');
    this.schema = o.schema;
    this.clock = o.clock ?? (() => new Date());
  }

  /** Appends in the CALLER's transaction (TypeORM EntityManager). */
  async append(tx: EntityManager, entry: AuditEntryInput): Promise<AuditEntry> {
    const [appended] = await this.appendMany(tx, [entry]);
    return appended!;
  }

  /** Appends several entries, in order, to one chain, in the caller's transaction. */
  async appendMany(tx: EntityManager, entries: AuditEntryInput[]): Promise<AuditEntry[]> {
    const runner = tx.queryRunner;
    if (!runner || !runner.isTransactionActive) {
      // Without a transaction the head lock would be released at once and the entry would not commit with the change.
      throw new Error('AuditLog.append must be called with the EntityManager of an open transaction');
    }
    if (entries.length === 0) return [];
    const normalised = entries.map(normaliseInput);
    const head = await this.lockHead(tx, runner);
    const out = this.chainOnto(head, normalised);
    const prev = out[out.length - 1]!;
    for (let i = 0; i < out.length; i += INSERT_BATCH) await this.insert(tx, out.slice(i, i + INSERT_BATCH));
    await tx.query(`UPDATE ${this.s}.audit_head SET seq = $2, hash = $3 WHERE chain = $1`, [
      prev.chain,
      prev.seq,
      prev.hash,
    ]);
    return out;
  }

  // --- Single-statement API, for hot paths that write the entries in their own statement (fewer round trips). ---
  // The guarantees are the caller's to keep, exactly as appendMany keeps them: take a head with `freeHeadSql` (or
  // `waitHeadSql` when none is free) in the transaction, `chain` the entries onto it, then in the SAME transaction insert
  // them with `appendFromJsonSql` (its data from `appendRecords`), move the head with `moveHeadSql`, and commit.

  /**
   * Locks a free chain head without waiting; yields (chain, seq, hash) or no row. May be used as a CTE; `after` (SQL,
   * e.g. a condition on an earlier CTE) is evaluated before any head is locked, to order the caller's locks.
   */
  freeHeadSql(after = 'true'): string {
    return `SELECT chain, seq, hash FROM ${this.s}.audit_head WHERE ${after} ORDER BY random() LIMIT 1 FOR UPDATE SKIP LOCKED`;
  }

  /** Waits for a chain head (every chain busy); READ COMMITTED re-reads the row after the wait. */
  get waitHeadSql(): string {
    return `SELECT chain, seq, hash FROM ${this.s}.audit_head ORDER BY random() LIMIT 1 FOR UPDATE`;
  }

  /** A head row as returned by freeHeadSql / waitHeadSql. */
  toHead(row: { chain: number | string; seq: number | string; hash: string }): ChainHead {
    return toHead(row);
  }

  /** Validates and hash-chains entries onto a head the caller's transaction has locked (no I/O). */
  chain(head: ChainHead, entries: AuditEntryInput[]): AuditEntry[] {
    if (entries.length === 0) throw new Error('audit: nothing to chain');
    return this.chainOnto(head, entries.map(normaliseInput));
  }

  /**
   * A data-modifying CTE `<name>` inserting chained entries read from `json`, an SQL expression yielding a jsonb array
   * of `appendRecords` (statements that carry their data as one document, e.g. a dollar-quoted literal in a simple
   * query). audit_head's trigger checks the entry exists, which rows of the same statement are not yet: move the head
   * in a LATER statement of the same transaction (`moveHeadSql`).
   */
  appendFromJsonSql(name: string, json: string): string {
    const cols = AUDIT_LOG_COLUMNS.split(', ')
      .map((c, i) => `${c} ${INSERT_TYPES[i]}`)
      .join(', ');
    return `${name} AS (
      INSERT INTO ${this.s}.audit_log (${AUDIT_LOG_COLUMNS})
      SELECT ${AUDIT_LOG_COLUMNS} FROM jsonb_to_recordset(${json}) AS r(${cols})
    )`;
  }

  /** Entries from `chain` as the records appendFromJsonSql reads. */
  appendRecords(entries: AuditEntry[]): Array<Record<string, unknown>> {
    return entries.map((e) => ({
      chain: e.chain,
      seq: e.seq,
      lead_id: e.leadId,
      actor: e.actor,
      action: e.action,
      from_state: e.fromState,
      to_state: e.toState,
      reason: e.reason,
      payload_digest: e.payloadDigest,
      at: e.at,
      prev_hash: e.prevHash,
      hash: e.hash,
    }));
  }

  /**
   * The statement moving the head to the last of `entries` as literal SQL (integers and a hex hash, checked), so it
   * can share a simple-query round trip with COMMIT.
   */
  moveHeadSql(entries: AuditEntry[]): string {
    const last = entries[entries.length - 1];
    if (
      !last ||
      !Number.isSafeInteger(last.chain) ||
      !Number.isSafeInteger(last.seq) ||
      !/^[0-9a-f]{64}$/.test(last.hash)
    ) {
      throw new Error('audit: moveHeadSql needs chained entries');
    }
    return `UPDATE ${this.s}.audit_head SET seq = ${last.seq}, hash = '${last.hash}' WHERE chain = ${last.chain}`;
  }

  private chainOnto(head: ChainHead, normalised: ReturnType<typeof normaliseInput>[]): AuditEntry[] {
    const at = this.clock().toISOString();
    const out: AuditEntry[] = [];
    let prev = head;
    for (const e of normalised) {
      const fields = { chain: head.chain, seq: prev.seq + 1, ...e, at, prevHash: prev.hash };
      const appended: AuditEntry = { ...fields, hash: computeEntryHash(fields) };
      out.push(appended);
      prev = appended;
    }
    return out;
  }

  /** A lead's entries, ordered by time then chain/seq. */
  async trail(db: Queryable, leadId: string): Promise<AuditEntry[]> {
    const rows: AuditLogRow[] = await db.query(
      `SELECT ${AUDIT_LOG_COLUMNS} FROM ${this.s}.audit_log WHERE lead_id = $1 ORDER BY at, chain, seq`,
      [leadId],
    );
    return rows.map(rowToEntry);
  }

  /** The current head of every chain (seq 0 / genesis hash for a chain nobody has written yet). */
  async heads(db: Queryable): Promise<ChainHead[]> {
    return readHeads(db, this.schema);
  }

  private async lockHead(tx: EntityManager, runner: QueryRunner): Promise<ChainHead> {
    const held = this.heldChain.get(runner);
    // Only a hint: if another transaction holds that chain now (runner reused), SKIP LOCKED returns nothing.
    let rows: HeadRow[] =
      held === undefined
        ? []
        : await tx.query(`SELECT chain, seq, hash FROM ${this.s}.audit_head WHERE chain = $1 FOR UPDATE SKIP LOCKED`, [
            held,
          ]);
    if (rows.length === 0) {
      rows = await tx.query(
        `SELECT chain, seq, hash FROM ${this.s}.audit_head ORDER BY random() LIMIT 1 FOR UPDATE SKIP LOCKED`,
      );
    }
    if (rows.length === 0) {
      // Every chain is busy: wait for one. READ COMMITTED re-reads the row after the wait, so we see the moved head.
      rows = await tx.query(`SELECT chain, seq, hash FROM ${this.s}.audit_head ORDER BY random() LIMIT 1 FOR UPDATE`);
    }
    if (rows.length === 0) throw new Error(`${this.schema}.audit_head has no chains: run auditMigration first`);
    const head = toHead(rows[0]!);
    this.heldChain.set(runner, head.chain);
    return head;
  }

  private async insert(tx: EntityManager, batch: AuditEntry[]): Promise<void> {
    // One INSERT ... SELECT FROM unnest(arrays) per batch: 12 parameters whatever the batch size.
    await tx.query(
      `INSERT INTO ${this.s}.audit_log (${AUDIT_LOG_COLUMNS})
       SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::text[], $4::jsonb[], $5::text[], $6::text[], $7::text[],
                            $8::text[], $9::text[], $10::timestamptz[], $11::text[], $12::text[])`,
      insertParams(batch),
    );
  }
}

const INSERT_TYPES = [
  'smallint',
  'bigint',
  'text',
  'jsonb',
  'text',
  'text',
  'text',
  'text',
  'text',
  'timestamptz',
  'text',
  'text',
];

/** The 12 column arrays of one unnest INSERT into audit_log (AUDIT_LOG_COLUMNS order). */
function insertParams(batch: AuditEntry[]): unknown[] {
  return [
    batch.map((e) => e.chain),
    batch.map((e) => e.seq),
    batch.map((e) => e.leadId),
    batch.map((e) => canonicalJson(e.actor)),
    batch.map((e) => e.action),
    batch.map((e) => e.fromState),
    batch.map((e) => e.toState),
    batch.map((e) => e.reason),
    batch.map((e) => e.payloadDigest),
    batch.map((e) => e.at),
    batch.map((e) => e.prevHash),
    batch.map((e) => e.hash),
  ];
}

interface HeadRow {
  chain: number | string;
  seq: number | string;
  hash: string;
}

function toHead(r: HeadRow): ChainHead {
  return { chain: Number(r.chain), seq: Number(r.seq), hash: r.hash };
}

export async function readHeads(db: Queryable, schema: string): Promise<ChainHead[]> {
  const rows: HeadRow[] = await db.query(
    `SELECT chain, seq, hash FROM ${sqlIdent(schema, 'schema')}.audit_head ORDER BY chain`,
  );
  return rows.map(toHead);
}

function normaliseInput(e: AuditEntryInput) {
  if (typeof e.action !== 'string' || e.action.length === 0)
    throw new Error('audit entry: action must be a non-empty string');
  // Validate, then keep the actor exactly as it will come back from jsonb, so the hash we compute now is reproducible.
  const actor = JSON.parse(canonicalJson(actorSchema.parse(e.actor))) as AuditEntry['actor'];
  return {
    leadId: e.leadId ?? null,
    actor,
    action: e.action,
    fromState: e.fromState ?? null,
    toState: e.toState ?? null,
    reason: e.reason ?? null,
    payloadDigest: payloadDigest(e.payload),
  };
}
