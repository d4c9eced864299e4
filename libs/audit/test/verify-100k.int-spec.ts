import { AuditLog, measureVerifyThroughput, readAuditLogRows, verifyAuditLog } from '../src';
import { type AuditTestDb, entryInput, migrate, openAuditTestDb } from './audit-fixture';

describe(`${verifyAuditLog.name} on 100,000 entries`, () => {
  let t: AuditTestDb;
  let log: AuditLog;
  const schema = 'escalation';
  const TOTAL = 100_000;
  const BATCH = 1_000;

  beforeAll(async () => {
    t = await openAuditTestDb('audit_100k', 4);
    log = await migrate(t, schema);
    const inputs = Array.from({ length: BATCH }, (_, i) => entryInput(i));
    const started = performance.now();
    // 4 writers in parallel, so the entries land on several chains as in production.
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let b = 0; b < TOTAL / BATCH / 4; b++) await t.runtime.transaction((tx) => log.appendMany(tx, inputs));
      }),
    );
    console.log(`appendMany: ${TOTAL} entries in ${Math.round(performance.now() - started)} ms`);
  }, 60_000);
  afterAll(async () => {
    await t.close();
  });

  it('verifies an untouched log clean, against its checkpoint', async () => {
    const heads = await log.heads(t.admin);
    const checkpoint = { service: 'escalation' as const, takenAt: new Date().toISOString(), chains: heads };
    const sut = await verifyAuditLog(t.admin, schema, [checkpoint]);
    expect(sut).toMatchObject({ ok: true, entriesChecked: TOTAL, chains: 8, firstBreak: null, checkpointsChecked: 1 });
    expect(heads.reduce((n, h) => n + h.seq, 0)).toBe(TOTAL);
  }, 30_000);

  it('reads every row once for the read-only figure, whether or not the page size divides the count', async () => {
    expect(await readAuditLogRows(t.admin, schema, 30_000)).toBe(TOTAL);
    expect(await readAuditLogRows(t.admin, schema, 25_000)).toBe(TOTAL);
  }, 30_000);

  it('measures verification entries/s against raw SHA-256 over the same bytes (printed, not asserted)', async () => {
    const m = await measureVerifyThroughput(t.admin, schema);
    expect(m.entries).toBe(TOTAL);
    // The test database's admin is a superuser: Postgres's own output (COPY to /dev/null) is measured.
    expect(m.serverOutputUnmeasured).toBeUndefined();
    expect(m.serverOutputEntriesPerSec).toBeGreaterThan(0);
    console.log(
      `audit verify throughput: ${m.entries} entries, ${(m.bytes / 1e6).toFixed(1)} MB canonical input\n` +
        `  verify (Postgres keyset read + canonicalise + SHA-256 + links): ${m.verifyMs} ms = ${m.verifyEntriesPerSec} entries/s` +
        ` (best of ${m.runs}; cold ${m.coldVerifyEntriesPerSec} entries/s)\n` +
        `  raw SHA-256 over the same bytes in-process:                   ${m.rawSha256Ms} ms = ${m.rawSha256EntriesPerSec} entries/s` +
        ` (createHash per entry: ${m.createHashEntriesPerSec} entries/s)\n` +
        `  the same rows read with no work per row:                       ${m.readOnlyMs} ms = ${m.readOnlyEntriesPerSec} entries/s\n` +
        `  Postgres alone writing the same rows to /dev/null (no client):  ${m.serverOutputEntriesPerSec} entries/s\n` +
        `  hashing share of verification: ${(m.hashShare * 100).toFixed(1)} %`,
    );
  }, 30_000);
});
