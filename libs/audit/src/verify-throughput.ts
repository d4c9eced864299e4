import { createHash, hash } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { RAW_AUDIT_COLUMNS } from './raw-audit-row';
import { sqlIdent } from './sql-identifier';
import { readAuditLogRows, verifyAuditLog } from './verify-audit-log';

export interface VerifyThroughput {
  entries: number;
  bytes: number;
  /** Full verification: read from Postgres in keyset pages, canonicalise, hash, check links (best of `runs`). */
  verifyMs: number;
  verifyEntriesPerSec: number;
  /** The first of those runs alone: the process's first verification, with JIT and cache warm-up in it. */
  coldVerifyMs: number;
  coldVerifyEntriesPerSec: number;
  runs: number;
  /**
   * Only SHA-256 over the same canonical bytes, in memory, with the faster of Node's two SHA-256 APIs (the one-shot
   * crypto.hash, which the verifier uses too): the ceiling hashing alone would allow.
   */
  rawSha256Ms: number;
  rawSha256EntriesPerSec: number;
  /**
   * The same with `createHash().update().digest()` per entry: the baseline this benchmark used until the verifier moved
   * to crypto.hash (about half as fast), kept so figures stay comparable with earlier runs. Not the goal's baseline.
   */
  createHashEntriesPerSec: number;
  /**
   * The same rows read the same way with nothing done per row (best of `runs`): the read alone, which bounds any
   * verifier; context for the ratio, not its baseline.
   */
  readOnlyMs: number;
  readOnlyEntriesPerSec: number;
  /**
   * Postgres alone producing the same rows in the same order, written to /dev/null on the server (COPY, best of
   * `runs`): no socket, no client. Any verifier that reads the log from Postgres is bounded by it. Null when the role
   * may not write server files (superuser or pg_write_server_files), with the reason.
   */
  serverOutputEntriesPerSec: number | null;
  serverOutputUnmeasured?: string;
  /** How much of the verification time is hashing (rawSha256Ms / verifyMs). */
  hashShare: number;
}

/**
 * Measures verification entries/s of one schema against raw in-process SHA-256 over the very same bytes
 * (for the benchmark; prints nothing, asserts nothing). The log should be untouched, or the count is partial.
 * Both sides are the best of `runs` (like the benchmark's screening row): on a shared machine the best run is the one
 * least disturbed, and a few thousand entries are over before the JIT has compiled the loop (the first run is reported
 * apart, as cold*).
 */
export async function measureVerifyThroughput(
  db: DataSource | EntityManager,
  schema: string,
  runs = 3,
): Promise<VerifyThroughput> {
  // The timed runs collect nothing: holding every input string would put the verifier under GC pressure it does not
  // have on its own (measured: a quarter of its time). A further, untimed run hands over the exact strings it hashed.
  const cold = await verifyAuditLog(db, schema);
  let report = cold;
  for (let i = 1; i < runs; i++) {
    const r = await verifyAuditLog(db, schema);
    if (r.durationMs < report.durationMs) report = r;
  }
  const ds = db instanceof DataSource ? db : db.connection;
  let readRows = 0;
  const readOnlyMs = await bestMsAsync(runs, async () => {
    readRows = await readAuditLogRows(ds, schema);
  });
  const server = await serverOutputMs(ds, schema, runs);
  const strings: string[] = [];
  await verifyAuditLog(db, schema, [], { onHashInput: (s) => strings.push(s) });
  const inputs = strings.map((s) => Buffer.from(s));
  const bytes = inputs.reduce((n, b) => n + b.length, 0);
  // The baseline hashes with the faster of Node's two SHA-256 APIs (the verifier uses the one-shot crypto.hash):
  // a ceiling, so neither the API choice nor UTF-8 encoding (the verifier's work, not the baseline's) flatters the ratio.
  const createHashMs = bestMs(runs, () => {
    for (const b of inputs) createHash('sha256').update(b).digest('hex');
  });
  const rawSha256Ms = Math.min(
    createHashMs,
    bestMs(runs, () => {
      for (const b of inputs) hash('sha256', b, 'hex');
    }),
  );
  const perSec = (n: number, ms: number) => (ms > 0 ? Math.round((n * 1000) / ms) : 0);
  return {
    entries: report.entriesChecked,
    bytes,
    verifyMs: Math.round(report.durationMs),
    verifyEntriesPerSec: perSec(report.entriesChecked, report.durationMs),
    coldVerifyMs: Math.round(cold.durationMs),
    coldVerifyEntriesPerSec: perSec(cold.entriesChecked, cold.durationMs),
    runs,
    rawSha256Ms: Math.round(rawSha256Ms * 10) / 10,
    rawSha256EntriesPerSec: perSec(inputs.length, rawSha256Ms),
    createHashEntriesPerSec: perSec(inputs.length, createHashMs),
    readOnlyMs: Math.round(readOnlyMs),
    readOnlyEntriesPerSec: perSec(readRows, readOnlyMs),
    serverOutputEntriesPerSec: 'ms' in server ? perSec(readRows, server.ms) : null,
    ...('reason' in server ? { serverOutputUnmeasured: server.reason } : {}),
    hashShare: report.durationMs > 0 ? Math.round((rawSha256Ms / report.durationMs) * 1000) / 1000 : 0,
  };
}

/** Best time of Postgres writing the verifier's rows to /dev/null itself, or why it could not. */
async function serverOutputMs(
  ds: DataSource,
  schema: string,
  runs: number,
): Promise<{ ms: number } | { reason: string }> {
  const sql = `COPY (SELECT ${RAW_AUDIT_COLUMNS} FROM ${sqlIdent(schema, 'schema')}.audit_log ORDER BY chain, seq) TO '/dev/null'`;
  const allowed = (await ds.query(
    `SELECT rolsuper OR pg_has_role(current_user, 'pg_write_server_files', 'USAGE') AS ok FROM pg_roles WHERE rolname = current_user`,
  )) as Array<{ ok: boolean }>;
  if (!allowed[0]?.ok) return { reason: 'the role may not write server files' };
  return { ms: await bestMsAsync(runs, () => ds.query(sql)) };
}

function bestMs(runs: number, fn: () => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < Math.max(1, runs); i++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/** bestMs for work that awaits (the reads), kept apart so the in-memory hashing is timed without an await. */
async function bestMsAsync(runs: number, fn: () => Promise<unknown>): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < Math.max(1, runs); i++) {
    const t0 = performance.now();
    await fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}
