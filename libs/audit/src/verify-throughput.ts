import { createHash } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { entryHashInput } from './audit-hash';
import { verifyAuditLog } from './verify-audit-log';

export interface VerifyThroughput {
  entries: number;
  bytes: number;
  /** Full verification: read from Postgres in keyset pages, canonicalise, hash, check links. */
  verifyMs: number;
  verifyEntriesPerSec: number;
  /** Only SHA-256 over the same canonical bytes, in memory: the ceiling hashing alone would allow. */
  rawSha256Ms: number;
  rawSha256EntriesPerSec: number;
  /** How much of the verification time is hashing (rawSha256Ms / verifyMs). */
  hashShare: number;
}

/**
 * Measures verification entries/s of one schema against raw in-process SHA-256 over the very same bytes
 * (for the benchmark; prints nothing, asserts nothing). The log should be untouched, or the count is partial.
 */
export async function measureVerifyThroughput(
  db: DataSource | EntityManager,
  schema: string,
): Promise<VerifyThroughput> {
  const inputs: Buffer[] = [];
  // Collecting the inputs costs a little inside the timed run; a second, untimed-by-comparison run would double I/O.
  const report = await verifyAuditLog(db, schema, [], { onEntry: (e) => inputs.push(Buffer.from(entryHashInput(e))) });
  const bytes = inputs.reduce((n, b) => n + b.length, 0);
  const t0 = performance.now();
  for (const b of inputs) createHash('sha256').update(b).digest('hex');
  const rawSha256Ms = performance.now() - t0;
  const perSec = (n: number, ms: number) => (ms > 0 ? Math.round((n * 1000) / ms) : 0);
  return {
    entries: report.entriesChecked,
    bytes,
    verifyMs: Math.round(report.durationMs),
    verifyEntriesPerSec: perSec(report.entriesChecked, report.durationMs),
    rawSha256Ms: Math.round(rawSha256Ms * 10) / 10,
    rawSha256EntriesPerSec: perSec(inputs.length, rawSha256Ms),
    hashShare: report.durationMs > 0 ? Math.round((rawSha256Ms / report.durationMs) * 1000) / 1000 : 0,
  };
}
