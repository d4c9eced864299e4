import { AuditLog, GENESIS_HASH, computeEntryHash, payloadDigest, verifyAuditLog } from '../src';
import {
  type AuditTestDb,
  RUNTIME_ROLE,
  chainEntries,
  entryInput,
  migrate,
  openAuditTestDb,
  seed,
} from './audit-fixture';

describe(AuditLog.name, () => {
  let t: AuditTestDb;
  let sut: AuditLog;
  const schema = 'intake';

  beforeAll(async () => {
    t = await openAuditTestDb('audit_log');
    sut = await migrate(t, schema);
  });
  afterAll(async () => {
    await t.close();
  });

  it('appends linked entries in the caller transaction and returns them as stored', async () => {
    const at = new Date('2026-11-27T08:00:00.123Z');
    const log = new AuditLog({ schema, clock: () => at });
    const [a, b] = await t.runtime.transaction(async (tx) => {
      const first = await log.append(tx, {
        leadId: 'L-1',
        actor: { type: 'system' },
        action: 'lead.registered',
        toState: 'REPORTED',
        payload: { x: 1 },
      });
      const second = await log.append(tx, {
        leadId: 'L-1',
        actor: { type: 'system' },
        action: 'lead.triaged',
        fromState: 'REPORTED',
        toState: 'TRIAGED',
      });
      return [first, second];
    });
    // Both appends of one transaction stay on the chain it already holds.
    expect(b.chain).toBe(a.chain);
    expect(b.seq).toBe(a.seq + 1);
    expect(b.prevHash).toBe(a.hash);
    expect(a.payloadDigest).toBe(payloadDigest({ x: 1 }));
    expect(a.at).toBe('2026-11-27T08:00:00.123Z');
    expect(computeEntryHash(a)).toBe(a.hash);

    const trail = await sut.trail(t.runtime, 'L-1');
    expect(trail).toEqual([a, b]);
    const heads = await sut.heads(t.runtime);
    expect(heads).toHaveLength(8);
    expect(heads.find((h) => h.chain === a.chain)).toEqual({ chain: a.chain, seq: b.seq, hash: b.hash });
  });

  it('writes nothing when the caller rolls back', async () => {
    const before = await sut.heads(t.runtime);
    await expect(
      t.runtime.transaction(async (tx) => {
        await sut.append(tx, { leadId: 'L-rollback', actor: { type: 'system' }, action: 'lead.registered' });
        throw new Error('use case failed');
      }),
    ).rejects.toThrow('use case failed');
    expect(await sut.trail(t.runtime, 'L-rollback')).toEqual([]);
    expect(await sut.heads(t.runtime)).toEqual(before);
  });

  it('refuses to append outside a transaction, and rejects an invalid actor', async () => {
    await expect(sut.append(t.runtime.manager, entryInput())).rejects.toThrow(/open transaction/);
    await expect(
      t.runtime.transaction((tx) => sut.append(tx, { leadId: null, actor: { type: 'user' } as never, action: 'x' })),
    ).rejects.toThrow();
  });

  it('the runtime role cannot UPDATE, DELETE or TRUNCATE entries, nor wind a head back', async () => {
    await seed(t, sut, 3);
    const q = (sql: string) => t.runtime.query(sql);
    await expect(q(`UPDATE ${schema}.audit_log SET reason = 'edited'`)).rejects.toThrow(/permission denied/);
    await expect(q(`DELETE FROM ${schema}.audit_log`)).rejects.toThrow(/permission denied/);
    await expect(q(`TRUNCATE ${schema}.audit_log`)).rejects.toThrow(/permission denied/);
    await expect(q(`UPDATE ${schema}.audit_head SET seq = 0, hash = '${GENESIS_HASH}'`)).rejects.toThrow(
      /may only move forward/,
    );
    await expect(q(`UPDATE ${schema}.audit_head SET seq = seq + 100`)).rejects.toThrow(/no entry/);
    await expect(q(`DELETE FROM ${schema}.audit_head`)).rejects.toThrow(/permission denied/);
    const grants: Array<{ table_name: string; privilege_type: string }> = await t.admin.query(
      `SELECT table_name, privilege_type FROM information_schema.role_table_grants WHERE grantee = $1 AND table_schema = $2 ORDER BY 1, 2`,
      [RUNTIME_ROLE, schema],
    );
    expect(grants.map((g) => `${g.table_name}:${g.privilege_type}`)).toEqual([
      'audit_head:SELECT',
      'audit_head:UPDATE',
      'audit_log:INSERT',
      'audit_log:SELECT',
    ]);
  });

  it('even the owner (superuser) cannot UPDATE, DELETE or TRUNCATE entries while the triggers are on', async () => {
    const q = (sql: string) => t.admin.query(sql);
    await expect(q(`UPDATE ${schema}.audit_log SET reason = 'edited'`)).rejects.toThrow(/append-only: UPDATE/);
    await expect(q(`DELETE FROM ${schema}.audit_log`)).rejects.toThrow(/append-only: DELETE/);
    await expect(q(`TRUNCATE ${schema}.audit_log`)).rejects.toThrow(/append-only: TRUNCATE/);
  });

  it('20 concurrent transactions append to several chains, each gap-free, and the log verifies clean', async () => {
    const s2 = 'assessment';
    const log = await migrate(t, s2);
    const perTx = 25;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.runtime.transaction(async (tx) => {
          const out = [];
          for (let k = 0; k < perTx; k += 5) {
            out.push(
              ...(await log.appendMany(
                tx,
                Array.from({ length: 5 }, () => entryInput()),
              )),
            );
            // Hold the head a little so transactions overlap for real.
            if (k === 0) await tx.query('SELECT pg_sleep(0.05)');
          }
          return { i, out };
        }),
      ),
    );
    for (const r of results) expect(new Set(r.out.map((e) => e.chain)).size).toBe(1);
    const chainsUsed = new Set(results.map((r) => r.out[0]!.chain));
    expect(chainsUsed.size).toBeGreaterThan(1);
    let total = 0;
    for (const chain of chainsUsed) {
      const entries = await chainEntries(t, s2, chain);
      expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
      total += entries.length;
    }
    expect(total).toBe(20 * perTx);
    const report = await verifyAuditLog(t.admin, s2);
    expect(report).toMatchObject({ ok: true, entriesChecked: 20 * perTx, chains: 8, firstBreak: null });
  });
});
