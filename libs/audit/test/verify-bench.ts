/**
 * `node <compiled>/libs/audit/test/verify-bench.js [entries] [rounds] [database]`: the audit row of `npm run bench`
 * alone, without starting any service. Fills a scratch database's audit log with `entries` entries through the real
 * AuditLog writer (8 chains, 4 writers), then runs measureVerifyThroughput `rounds` times with the load average beside
 * each figure (the machine is shared). Given `database` (an existing one, e.g. from an earlier run with KEEP=1), it
 * reuses it and its log instead of filling a new one.
 */
import { loadavg } from 'node:os';
import { createTestDatabase } from '@outpost/testing';
import { DataSource } from 'typeorm';
// Straight from the files, not the index: the bench needs nothing of the Nest module (nor its imports).
import type { AuditEntryInput } from '../src/audit-entry';
import { AuditLog } from '../src/audit-log';
import { auditMigration } from '../src/audit-migration';
import { verifyAuditLog } from '../src/verify-audit-log';
import { measureVerifyThroughput } from '../src/verify-throughput';

const entries = Number(process.argv[2] ?? 200_000);
const rounds = Number(process.argv[3] ?? 3);
const reuse = process.argv[4];
const schema = 'intake';

function input(i: number): AuditEntryInput {
  // Shaped like intake's registrations: a source or user actor from a small set, a lead id, a payload digest.
  return {
    leadId: `0190f5d2-${String(i % 100_000).padStart(4, '0')}-7abc-8def-0123456789ab`,
    actor:
      i % 3 === 0
        ? { type: 'source', sourceId: `src-${i % 11}`, name: 'Hotline 热线' }
        : { type: 'user', userId: `u-${i % 37}`, role: 'OFFICER', name: `Officer ${i % 37}` },
    action: 'lead.registered',
    fromState: null,
    toState: i % 4 === 0 ? 'LINKED' : 'REPORTED',
    reason: i % 5 === 0 ? `matched on phone ${i}` : null,
    payload: { i, note: '说明' },
  };
}

async function main(): Promise<void> {
  const db = reuse ? null : await createTestDatabase('audit_verify_bench');
  const url = db ? db.adminUrl : `postgres://postgres@127.0.0.1:5432/${reuse}`;
  const ds = await new DataSource({ type: 'postgres', url, extra: { max: 4 } }).initialize();
  try {
    if (db) {
      await ds.transaction(async (tx) => {
        for (const sql of auditMigration(schema, 'postgres').up) await tx.query(sql);
      });
      const log = new AuditLog({ schema });
      const started = performance.now();
      const per = 1000;
      let next = 0;
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (next < entries) {
            const from = next;
            next += per;
            const batch = Array.from({ length: Math.min(per, entries - from) }, (_, k) => input(from + k));
            await ds.transaction((tx) => log.appendMany(tx, batch));
          }
        }),
      );
      await ds.query(`VACUUM ANALYZE ${schema}.audit_log`);
      console.log(`filled ${entries} entries in ${Math.round(performance.now() - started)} ms (database ${db.name})`);
    }
    for (const b of (process.env.BATCHES ?? '').split(',').filter(Boolean).map(Number)) {
      const c0 = process.cpuUsage();
      const rep = await verifyAuditLog(ds, schema, [], { batchSize: b });
      const cpu = process.cpuUsage(c0);
      console.log(
        `batch ${b}: ${rep.entriesChecked} in ${Math.round(rep.durationMs)} ms wall, ${Math.round((cpu.user + cpu.system) / 1000)} ms cpu ` +
          `(load ${loadavg()[0]!.toFixed(2)})`,
      );
    }
    for (let r = 0; r < rounds; r++) {
      const before = loadavg().map((l) => l.toFixed(2));
      const m = await measureVerifyThroughput(ds, schema);
      console.log(
        `verify ${m.entries} entries: best of ${m.runs} ${m.verifyMs} ms = ${m.verifyEntriesPerSec}/s (cold ${m.coldVerifyEntriesPerSec}/s); raw SHA-256 ${m.rawSha256Ms} ms = ` +
          `${m.rawSha256EntriesPerSec}/s; ratio ${(m.verifyEntriesPerSec / m.rawSha256EntriesPerSec).toFixed(3)}; ` +
          `vs createHash ${m.createHashEntriesPerSec}/s ${(m.verifyEntriesPerSec / m.createHashEntriesPerSec).toFixed(3)}; ` +
          `read alone ${m.readOnlyEntriesPerSec}/s ` +
          `(load ${before.join(' ')})`,
      );
    }
  } finally {
    await ds.destroy();
    if (db && process.env.KEEP !== '1') await db.drop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
