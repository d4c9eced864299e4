import type { AuditCheckpointV1 } from '@outpost/contracts';
import { DataSource, type EntityManager, type QueryRunner } from 'typeorm';
import { Query, type QueryArrayConfig, type QueryConfig } from 'pg';
import type { AuditEntry, ChainHead } from './audit-entry';
import { GENESIS_HASH, sha256Hex } from './audit-hash';
import {
  ActorCanonicalCache,
  R,
  RAW_AUDIT_COLUMNS,
  RAW_TEXT_TYPES,
  type RawAuditRow,
  rawAtIso,
  rawRowHashInput,
} from './raw-audit-row';
import { sqlIdent } from './sql-identifier';

/** Why a chain is broken. The first five are the classic ones; the head checks catch tampering the database's own head reveals. */
export type BreakReason =
  | 'hash mismatch: entry edited'
  | 'seq gap: entry deleted'
  | 'prevHash mismatch'
  | 'checkpoint seq missing: truncated'
  | 'checkpoint hash mismatch: rewritten'
  | 'head seq missing: truncated'
  | 'entry beyond head: forged'
  | 'head hash mismatch: rewritten'
  | 'chain without head: forged'
  | 'duplicate seq: entry inserted';

export interface ChainBreak {
  chain: number;
  seq: number;
  reason: BreakReason;
}

export interface VerifyReport {
  ok: boolean;
  /** Entries whose hash and links were checked (a broken chain is not read past its first break). */
  entriesChecked: number;
  chains: number;
  /** The first break in (chain, seq) order, or null. */
  firstBreak: null | ChainBreak;
  /** Checkpoints given whose every head was compared (all of them, unless a chain broke before reaching a head). */
  checkpointsChecked: number;
  /** The first break of every broken chain. */
  breaks: ChainBreak[];
  /** Milliseconds the verification took. */
  durationMs: number;
}

export interface VerifyOptions {
  /** Rows per keyset page (no page is held in memory: only round trips depend on it). Default 20,000. */
  batchSize?: number;
  /** Called with every entry that verified (benchmarks use it; keep it cheap). */
  onEntry?: (entry: AuditEntry) => void;
  /** Called with the exact string hashed for every entry that verified (measureVerifyThroughput uses it; cheap). */
  onHashInput?: (input: string) => void;
}

/**
 * Re-reads the whole audit log of `schema` in (chain, seq) order, recomputes every hash and checks seq continuity,
 * prevHash links, the database's own heads and, when given, published checkpoints: each checkpoint's (chain, seq) must
 * exist with exactly that hash, which catches a truncated tail and a whole-table rewrite with recomputed hashes.
 *
 * Reads in one REPEATABLE READ snapshot (its own, unless given the EntityManager of an open transaction, whose
 * snapshot is then the caller's responsibility), paging with a keyset on (chain, seq), never OFFSET.
 *
 * Throughput: each row is checked as node-postgres parses it off the socket, as raw text (RAW_AUDIT_COLUMNS: `at`
 * preformatted by Postgres, actor canonical JSON cached per distinct jsonb text), hashed with the one-shot
 * crypto.hash; nothing per row is kept. About 3 µs of Node CPU per ~450-byte entry (the former TypeORM read: ~9 µs),
 * i.e. ~240-345k entries/s on 200k entries on the shared 2-core machine at load ~5 (before: ~100-130k/s); Postgres
 * needs ~1.3 µs per row on the other core. Raw SHA-256 over the same bytes runs at ~2.3M entries/s with crypto.hash
 * (~1M/s with createHash), so the verifier is at ~0.15 of it (~0.3 of createHash): node-postgres's decoding of the 12
 * text fields alone (~0.9 µs) costs about twice the hashing (~0.45 µs).
 */
export async function verifyAuditLog(
  db: DataSource | EntityManager,
  schema: string,
  checkpoints: AuditCheckpointV1[] = [],
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const started = performance.now();
  const s = sqlIdent(schema, 'schema');
  const headsSql = headsSqlOf(s);
  const tx = db instanceof DataSource ? undefined : db.queryRunner?.isTransactionActive ? db : undefined;
  if (tx) {
    const client = (await tx.queryRunner!.connect()) as PgClient;
    const heads = ((await client.query(headsSql)) as { rows: HeadRow[] }).rows;
    return { ...(await verifyIn(client, s, heads, checkpoints, options)), durationMs: performance.now() - started };
  }
  const ds = db instanceof DataSource ? db : db.connection;
  return inReadSnapshot(ds, headsSql, async (client, heads) => ({
    ...(await verifyIn(client, s, heads.rows as HeadRow[], checkpoints, options)),
    durationMs: performance.now() - started,
  }));
}

/**
 * Reads every row of `schema`'s audit log exactly as verifyAuditLog does (same snapshot kind, keyset pages, raw text
 * rows) and does nothing with them: the cost of the read alone, which bounds any verifier (the benchmark's context
 * figure). Returns the rows read.
 */
export async function readAuditLogRows(ds: DataSource, schema: string, batchSize = 20_000): Promise<number> {
  const s = sqlIdent(schema, 'schema');
  // The heads too, although nothing uses them here: the verifier's reads, exactly, without its work.
  return inReadSnapshot(ds, headsSqlOf(s), async (client) => {
    let last: RawAuditRow | null = null;
    return streamRows(
      client,
      s,
      batchSize,
      (row) => {
        last = row;
      },
      () => ({ chain: Number(last![R.chain]), seq: Number(last![R.seq]) }),
    );
  });
}

function headsSqlOf(quotedSchema: string): string {
  return `SELECT chain, seq, hash FROM ${quotedSchema}.audit_head ORDER BY chain`;
}

/**
 * Runs `fn` in a REPEATABLE READ, READ ONLY transaction on a runner's own node-postgres connection, in two round trips
 * besides fn's: BEGIN together with `firstSql` (its result handed to fn), and COMMIT (TypeORM's startTransaction alone
 * takes two, plus READ ONLY). Rolled back if fn throws.
 */
async function inReadSnapshot<T>(
  ds: DataSource,
  firstSql: string,
  fn: (client: PgClient, first: { rows: unknown[] }) => Promise<T>,
): Promise<T> {
  const runner: QueryRunner = ds.createQueryRunner();
  try {
    const client = (await runner.connect()) as PgClient;
    let done = false;
    try {
      const results = (await client.query(`BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; ${firstSql}`)) as Array<{
        rows: unknown[];
      }>;
      const value = await fn(client, results[1]!);
      await client.query('COMMIT');
      done = true;
      return value;
    } finally {
      if (!done) await client.query('ROLLBACK');
    }
  } finally {
    await runner.release();
  }
}

interface HeadRow {
  chain: number | string;
  seq: number | string;
  hash: string;
}

async function verifyIn(
  client: PgClient,
  s: string,
  headRows: HeadRow[],
  checkpoints: AuditCheckpointV1[],
  options: VerifyOptions,
): Promise<Omit<VerifyReport, 'durationMs'>> {
  const batchSize = options.batchSize ?? 20_000;
  const heads = new Map<number, ChainHead>(
    headRows.map((r) => [Number(r.chain), { chain: Number(r.chain), seq: Number(r.seq), hash: r.hash }]),
  );

  // chain -> seq -> expected hashes (several checkpoints may name the same (chain, seq)).
  const expected = new Map<number, Map<number, Array<{ hash: string; checkpoint: number }>>>();
  checkpoints.forEach((cp, i) => {
    for (const c of cp.chains) {
      if (c.seq === 0) continue; // an empty chain proves nothing
      const bySeq = expected.get(c.chain) ?? new Map<number, Array<{ hash: string; checkpoint: number }>>();
      bySeq.set(c.seq, [...(bySeq.get(c.seq) ?? []), { hash: c.hash, checkpoint: i }]);
      expected.set(c.chain, bySeq);
    }
  });
  const checkpointUnverified = checkpoints.map(() => false);

  const breaks: ChainBreak[] = [];
  let entriesChecked = 0;
  const chainsSeen = new Set<number>([...heads.keys()]);
  const streamedChains = new Set<number>();

  // Per chain state while streaming.
  let chain = -1;
  let lastSeq = 0;
  let lastHash = GENESIS_HASH;
  let broken = false;
  let breakSeq = 0;

  const finishChain = (): void => {
    if (chain < 0) return;
    if (!broken) {
      const head = heads.get(chain);
      let b: BreakReason | undefined;
      let at = lastSeq;
      if (!head) b = 'chain without head: forged';
      else if (head.seq > lastSeq) {
        b = 'head seq missing: truncated';
        at = lastSeq + 1;
      } else if (head.seq < lastSeq) {
        b = 'entry beyond head: forged';
        at = head.seq + 1;
      } else if (head.hash !== lastHash) b = 'head hash mismatch: rewritten';
      if (b) {
        breaks.push({ chain, seq: at, reason: b });
        broken = true;
        breakSeq = at;
      }
    }
    if (!broken) {
      // Checkpoint heads past the end of this chain: the tail was cut off (and the head wound back to match).
      const past = [...(expected.get(chain)?.entries() ?? [])]
        .filter(([seq]) => seq > lastSeq)
        .sort((a, b) => a[0] - b[0]);
      if (past.length > 0) breaks.push({ chain, seq: past[0]![0], reason: 'checkpoint seq missing: truncated' });
    }
    markUnreached(chain, broken ? breakSeq : Number.POSITIVE_INFINITY);
  };
  /** Checkpoint heads of `c` beyond `seq` were never compared (the chain broke first). */
  const markUnreached = (c: number, seq: number): void => {
    for (const [s2, list] of expected.get(c) ?? [])
      if (s2 > seq) for (const e of list) checkpointUnverified[e.checkpoint] = true;
  };

  const actors = new ActorCanonicalCache();
  const onEntry = options.onEntry;
  const onHashInput = options.onHashInput;
  /** Checkpoint hashes naming entries of the current chain, by seq. */
  let cps = expected.get(chain);

  /** Checks one row (rows arrive in (chain, seq) order); rows of a chain after its first break are skipped. */
  const consume = (row: RawAuditRow): void => {
    const c = Number(row[R.chain]);
    const seq = Number(row[R.seq]);
    if (c !== chain) {
      finishChain();
      chain = c;
      cps = expected.get(chain);
      chainsSeen.add(chain);
      streamedChains.add(chain);
      lastSeq = 0;
      lastHash = GENESIS_HASH;
      broken = false;
      breakSeq = 0;
    }
    if (broken) return;
    // Seq continuity, the entry's own hash, its link, then any checkpoint naming it: the first failing check is the
    // reason (the order the verifier has always reported in).
    let reason: { seq: number; reason: BreakReason } | null = null;
    const hash = row[R.hash]!;
    if (seq <= lastSeq) reason = { seq, reason: 'duplicate seq: entry inserted' };
    else if (seq !== lastSeq + 1) reason = { seq: lastSeq + 1, reason: 'seq gap: entry deleted' };
    else {
      const input = rawRowHashInput(row, c, seq, actors);
      if (sha256Hex(input) !== hash) reason = { seq, reason: 'hash mismatch: entry edited' };
      else if (row[R.prevHash] !== lastHash) reason = { seq, reason: 'prevHash mismatch' };
      else if (cps?.get(seq)?.some((cp) => cp.hash !== hash))
        reason = { seq, reason: 'checkpoint hash mismatch: rewritten' };
      else onHashInput?.(input);
    }
    if (reason) {
      breaks.push({ chain, seq: reason.seq, reason: reason.reason });
      broken = true;
      breakSeq = reason.seq;
      return;
    }
    entriesChecked += 1;
    lastSeq = seq;
    lastHash = hash;
    if (onEntry) onEntry(rawRowToEntry(row, c, seq));
  };

  // Each page's rows are checked as they arrive off the socket (none are held, so the garbage collector has little to
  // copy); the next page starts after the last row read, or past the current chain once it is broken.
  await streamRows(client, s, batchSize, consume, () =>
    broken ? { chain, seq: Number.MAX_SAFE_INTEGER } : { chain, seq: lastSeq },
  );
  finishChain();

  // Chains that have a head (or a checkpoint) but no entries at all.
  for (const c of new Set([...heads.keys(), ...expected.keys()])) {
    if (streamedChains.has(c)) continue;
    const head = heads.get(c);
    if (head && head.seq > 0) breaks.push({ chain: c, seq: 1, reason: 'head seq missing: truncated' });
    else {
      const first = [...(expected.get(c)?.keys() ?? [])].sort((a, b) => a - b)[0];
      if (first !== undefined) breaks.push({ chain: c, seq: first, reason: 'checkpoint seq missing: truncated' });
    }
    if (breaks.some((b) => b.chain === c)) markUnreached(c, 0);
  }
  breaks.sort((a, b) => a.chain - b.chain || a.seq - b.seq);
  return {
    ok: breaks.length === 0,
    entriesChecked,
    chains: chainsSeen.size,
    firstBreak: breaks[0] ?? null,
    checkpointsChecked: checkpointUnverified.filter((u) => !u).length,
    breaks,
  };
}

/**
 * Streams the whole audit log of schema `s` in (chain, seq) keyset pages of `batchSize` through the raw node-postgres
 * connection of the caller's transaction, handing each row to `onRow` as it is parsed (TypeORM's query wrapper and its
 * per-row objects, Dates and parsed JSON cost more than the hashing). After a full page, the next one starts after
 * `resumeAfter()` (the last row read, or further on). An exception from `onRow` ends the page: the rest of its rows are
 * dropped and the stream rejects with it. Returns the rows read.
 */
async function streamRows(
  c: PgClient,
  s: string,
  batchSize: number,
  onRow: (row: RawAuditRow) => void,
  resumeAfter: () => { chain: number; seq: number },
): Promise<number> {
  const first = `SELECT ${RAW_AUDIT_COLUMNS} FROM ${s}.audit_log ORDER BY chain, seq LIMIT $1`;
  const next = `SELECT ${RAW_AUDIT_COLUMNS} FROM ${s}.audit_log WHERE (chain, seq) > ($1, $2) ORDER BY chain, seq LIMIT $3`;
  let total = 0;
  let after: { chain: number; seq: number } | null = null;
  for (;;) {
    const config: QueryArrayConfig = {
      text: after ? next : first,
      values: after ? [after.chain, after.seq, batchSize] : [batchSize],
      rowMode: 'array',
      types: RAW_TEXT_TYPES,
    };
    const q = new RawRowsQuery(config as QueryConfig, onRow);
    await new Promise<void>((resolve, reject) => {
      q.once('end', () => resolve());
      q.once('error', reject);
      c.query(q);
    });
    if (q.failure) throw q.failure.error;
    total += q.received;
    if (q.received === 0 || q.received < batchSize) return total;
    after = resumeAfter();
  }
}

/**
 * A query whose data rows go straight from node-postgres's protocol parser (text fields, or null) to `onRow`: no
 * per-field type parsers, no 'row' event, nothing accumulated. handleDataRow is the Submittable hook node-postgres
 * calls per DataRow message; were it ever renamed, no row would arrive and every chain would fail verification
 * ('head seq missing'), never pass.
 */
class RawRowsQuery extends Query {
  // (Not `rows`: node-postgres's Query uses that name for its per-execute row limit.)
  received = 0;
  failure: { error: unknown } | null = null;

  constructor(
    config: QueryConfig,
    private readonly onRow: (row: RawAuditRow) => void,
  ) {
    super(config);
  }

  handleDataRow(msg: { fields: RawAuditRow }): void {
    this.received += 1;
    if (this.failure) return;
    try {
      this.onRow(msg.fields);
    } catch (error) {
      // Never throw into node-postgres's protocol parser: the page rejects with it once the query is over.
      this.failure = { error };
    }
  }
}

/** The slice of a node-postgres client the verifier queries through (the transaction's own connection). */
interface PgClient {
  query(q: Query): Query;
  /** Simple query protocol: one result, or an array of them for several statements. */
  query(text: string): Promise<unknown>;
}

/** The AuditEntry a raw row holds (only built for onEntry). */
function rawRowToEntry(r: RawAuditRow, chain: number, seq: number): AuditEntry {
  return {
    chain,
    seq,
    leadId: r[R.leadId]!,
    actor: JSON.parse(r[R.actor]!) as AuditEntry['actor'],
    action: r[R.action]!,
    fromState: r[R.fromState]!,
    toState: r[R.toState]!,
    reason: r[R.reason]!,
    payloadDigest: r[R.payloadDigest]!,
    at: rawAtIso(r[R.at]!),
    prevHash: r[R.prevHash]!,
    hash: r[R.hash]!,
  };
}
