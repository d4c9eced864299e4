import type { AuditCheckpointV1 } from '@outpost/contracts';
import { DataSource, type EntityManager, type QueryRunner } from 'typeorm';
import { AUDIT_LOG_COLUMNS, type AuditEntry, type AuditLogRow, type ChainHead, rowToEntry } from './audit-entry';
import { GENESIS_HASH, computeEntryHash } from './audit-hash';
import { readHeads } from './audit-log';
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
  /** Rows per keyset page. */
  batchSize?: number;
  /** Called with every entry that verified (benchmarks use it; keep it cheap). */
  onEntry?: (entry: AuditEntry) => void;
}

/**
 * Re-reads the whole audit log of `schema` in (chain, seq) order, recomputes every hash and checks seq continuity,
 * prevHash links, the database's own heads and, when given, published checkpoints: each checkpoint's (chain, seq) must
 * exist with exactly that hash, which catches a truncated tail and a whole-table rewrite with recomputed hashes.
 *
 * Reads in one REPEATABLE READ snapshot (its own, unless given the EntityManager of an open transaction, whose
 * snapshot is then the caller's responsibility), paging with a keyset on (chain, seq), never OFFSET.
 */
export async function verifyAuditLog(
  db: DataSource | EntityManager,
  schema: string,
  checkpoints: AuditCheckpointV1[] = [],
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const started = performance.now();
  const tx = db instanceof DataSource ? undefined : db.queryRunner?.isTransactionActive ? db : undefined;
  if (tx) return { ...(await verifyIn(tx, schema, checkpoints, options)), durationMs: performance.now() - started };
  const ds = db instanceof DataSource ? db : db.connection;
  const runner: QueryRunner = ds.createQueryRunner();
  try {
    await runner.connect();
    await runner.startTransaction('REPEATABLE READ');
    await runner.query('SET TRANSACTION READ ONLY');
    const report = await verifyIn(runner.manager, schema, checkpoints, options);
    await runner.commitTransaction();
    return { ...report, durationMs: performance.now() - started };
  } finally {
    if (runner.isTransactionActive) await runner.rollbackTransaction();
    await runner.release();
  }
}

async function verifyIn(
  db: EntityManager,
  schema: string,
  checkpoints: AuditCheckpointV1[],
  options: VerifyOptions,
): Promise<Omit<VerifyReport, 'durationMs'>> {
  const s = sqlIdent(schema, 'schema');
  const batchSize = options.batchSize ?? 5000;
  const heads = new Map<number, ChainHead>((await readHeads(db, schema)).map((h) => [h.chain, h]));

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

  let cursor: { chain: number; seq: number } | null = null;
  for (;;) {
    const rows: AuditLogRow[] = cursor
      ? await db.query(
          `SELECT ${AUDIT_LOG_COLUMNS} FROM ${s}.audit_log WHERE (chain, seq) > ($1, $2) ORDER BY chain, seq LIMIT $3`,
          [cursor.chain, cursor.seq, batchSize],
        )
      : await db.query(`SELECT ${AUDIT_LOG_COLUMNS} FROM ${s}.audit_log ORDER BY chain, seq LIMIT $1`, [batchSize]);
    if (rows.length === 0) break;
    let skipTo: number | null = null;
    for (const row of rows) {
      const e = rowToEntry(row);
      if (e.chain !== chain) {
        finishChain();
        chain = e.chain;
        chainsSeen.add(chain);
        streamedChains.add(chain);
        lastSeq = 0;
        lastHash = GENESIS_HASH;
        broken = false;
        breakSeq = 0;
      }
      if (broken) continue;
      const reason = checkEntry(e, lastSeq, lastHash, expected.get(chain)?.get(e.seq));
      if (reason) {
        breaks.push({ chain, seq: reason.seq, reason: reason.reason });
        broken = true;
        breakSeq = reason.seq;
        // Nothing after the first break of a chain is meaningful: jump to the next chain.
        skipTo = chain;
        break;
      }
      entriesChecked += 1;
      lastSeq = e.seq;
      lastHash = e.hash;
      options.onEntry?.(e);
    }
    cursor =
      skipTo !== null
        ? { chain: skipTo, seq: Number.MAX_SAFE_INTEGER }
        : { chain: Number(rows.at(-1)!.chain), seq: Number(rows.at(-1)!.seq) };
    if (skipTo === null && rows.length < batchSize) break;
  }
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

function checkEntry(
  e: AuditEntry,
  lastSeq: number,
  lastHash: string,
  checkpointHashes: Array<{ hash: string }> | undefined,
): { seq: number; reason: BreakReason } | null {
  if (e.seq <= lastSeq) return { seq: e.seq, reason: 'duplicate seq: entry inserted' };
  if (e.seq !== lastSeq + 1) return { seq: lastSeq + 1, reason: 'seq gap: entry deleted' };
  if (computeEntryHash(e) !== e.hash) return { seq: e.seq, reason: 'hash mismatch: entry edited' };
  if (e.prevHash !== lastHash) return { seq: e.seq, reason: 'prevHash mismatch' };
  if (checkpointHashes?.some((c) => c.hash !== e.hash))
    return { seq: e.seq, reason: 'checkpoint hash mismatch: rewritten' };
  return null;
}
