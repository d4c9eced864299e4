import {
  AUDIT_LOG_COLUMNS,
  GENESIS_HASH,
  type AuditEntry,
  rowToEntry,
  computeEntryHash,
  entryHashInput,
  toCheckpoint,
  verifyAuditLog,
} from '../src';
import {
  ActorCanonicalCache,
  R,
  RAW_AUDIT_COLUMNS,
  RAW_TEXT_TYPES,
  type RawAuditRow,
  rawRowHashInput,
} from '../src/raw-audit-row';
import { DataSource } from 'typeorm';
import { type AuditTestDb, chainEntries, migrate, openAuditTestDb, relink, seed, tamper } from './audit-fixture';

/**
 * The verifier's raw-text read (RAW_AUDIT_COLUMNS through the pg connection) against the TypeORM read it replaced
 * (Date and JSON parsing, rowToEntry): the same hash input for every row, whatever the timestamps, strings and session
 * time zone; and the same verdicts whatever the page size, breaks on page boundaries included.
 */
describe('verifyAuditLog raw read', () => {
  let t: AuditTestDb;
  let k = 0;

  beforeAll(async () => {
    t = await openAuditTestDb('audit_raw_read');
  });
  afterAll(async () => {
    await t.close();
  });

  /** Every row of `schema` through the raw read, in (chain, seq) order, in session time zone `tz`. */
  async function rawRows(schema: string, tz: string): Promise<RawAuditRow[]> {
    const runner = t.admin.createQueryRunner();
    try {
      const client = (await runner.connect()) as {
        query(c: object): Promise<{ rows: RawAuditRow[] }>;
      };
      await client.query({ text: `SET TIME ZONE '${tz}'` });
      const res = await client.query({
        text: `SELECT ${RAW_AUDIT_COLUMNS} FROM "${schema}".audit_log ORDER BY chain, seq`,
        rowMode: 'array',
        types: RAW_TEXT_TYPES,
      });
      await client.query({ text: 'RESET TIME ZONE' });
      return res.rows;
    } finally {
      await runner.release();
    }
  }

  /** The TypeORM read (what the verifier did before), in session time zone `tz`. */
  async function typeormEntries(schema: string, chain: number, tz: string): Promise<AuditEntry[]> {
    const runner = t.admin.createQueryRunner();
    try {
      await runner.query(`SET TIME ZONE '${tz}'`);
      const rows = await runner.query(
        `SELECT ${AUDIT_LOG_COLUMNS} FROM "${schema}".audit_log WHERE chain = $1 ORDER BY seq`,
        [chain],
      );
      await runner.query('RESET TIME ZONE');
      return rows.map(rowToEntry);
    } finally {
      await runner.release();
    }
  }

  async function expectSameInputs(schema: string, chain: number): Promise<void> {
    for (const tz of ['UTC', 'Asia/Kathmandu', 'America/St_Johns']) {
      const entries = await typeormEntries(schema, chain, tz);
      const raw = (await rawRows(schema, tz)).filter((r) => Number(r[R.chain]) === chain);
      const actors = new ActorCanonicalCache();
      expect(raw.map((r) => rawRowHashInput(r, Number(r[R.chain]), Number(r[R.seq]), actors))).toEqual(
        entries.map(entryHashInput),
      );
    }
  }

  it('formats every timestamp as Date#toISOString would: 0 ms, epoch edges, leap day, far years, microseconds', async () => {
    const schema = `raw_${k++}`;
    const log = await migrate(t, schema, 1);
    const [first] = await seed(t, log, 1);
    const ats = [
      '1970-01-01 00:00:00+00',
      '1969-12-31 23:59:59.999+00',
      '2024-02-29 23:59:59.999+00',
      '2026-03-29 01:00:00+00',
      '2026-06-01 12:34:56.007+05:45',
      '0001-01-01 00:00:00+00',
      '0099-06-15 12:00:00.5+00',
      '9999-12-31 23:59:59.999+00',
      '2026-01-01 00:00:00.123456+00',
      '2026-01-01 00:00:00.999999+00',
      '10000-01-01 00:00:00+00',
      '0001-12-31 23:59:59.999+00 BC',
      '0044-03-15 12:00:00+00 BC',
      '200000-01-01 00:00:00+00',
    ];
    // Entries at those instants after the first, hashed over the `at` the TypeORM read yields, so the chain is valid.
    await tamper(t, schema, async (q) => {
      for (const [i, at] of ats.entries()) {
        await q(
          `INSERT INTO "${schema}".audit_log (chain, seq, lead_id, actor, action, at, prev_hash, hash)
           VALUES ($1, $2, NULL, '{"type": "system"}', 'clock.edge', $3::timestamptz, $4, $4)`,
          [first!.chain, i + 2, at, GENESIS_HASH],
        );
      }
    });
    const relinked = relink(await chainEntries(t, schema, first!.chain), GENESIS_HASH);
    await tamper(t, schema, async (q) => {
      for (const e of relinked)
        await q(`UPDATE "${schema}".audit_log SET prev_hash = $3, hash = $4 WHERE chain = $1 AND seq = $2`, [
          e.chain,
          e.seq,
          e.prevHash,
          e.hash,
        ]);
      await q(`UPDATE "${schema}".audit_head SET seq = $2, hash = $3 WHERE chain = $1`, [
        first!.chain,
        relinked.at(-1)!.seq,
        relinked.at(-1)!.hash,
      ]);
    });
    expect(relinked.map((e) => e.at).slice(1)).toEqual([
      '1970-01-01T00:00:00.000Z',
      '1969-12-31T23:59:59.999Z',
      '2024-02-29T23:59:59.999Z',
      '2026-03-29T01:00:00.000Z',
      '2026-06-01T06:49:56.007Z',
      '0001-01-01T00:00:00.000Z',
      '0099-06-15T12:00:00.500Z',
      '9999-12-31T23:59:59.999Z',
      '2026-01-01T00:00:00.123Z',
      '2026-01-01T00:00:00.999Z',
      '+010000-01-01T00:00:00.000Z',
      '0000-12-31T23:59:59.999Z',
      '-000043-03-15T12:00:00.000Z',
      '+200000-01-01T00:00:00.000Z',
    ]);
    await expectSameInputs(schema, first!.chain);
    expect(await verifyAuditLog(t.admin, schema)).toMatchObject({ ok: true, entriesChecked: ats.length + 1 });
  });

  it('a timestamp no Date can hold fails verification loudly, as the TypeORM read did', async () => {
    const schema = `raw_${k++}`;
    const log = await migrate(t, schema, 1);
    const [first] = await seed(t, log, 1);
    await tamper(t, schema, (q) =>
      q(`UPDATE "${schema}".audit_log SET at = 'infinity' WHERE chain = $1 AND seq = 1`, [first!.chain]).then(
        () => undefined,
      ),
    );
    await expect(typeormEntries(schema, first!.chain, 'UTC')).rejects.toThrow(RangeError);
    await expect(verifyAuditLog(t.admin, schema)).rejects.toThrow(RangeError);
  });

  it('hashes unicode, control characters, quotes and nulls exactly as written (real writer)', async () => {
    const schema = `raw_${k++}`;
    const log = await migrate(t, schema, 1);
    const nasty = 'a"b\\c\u0001\u001f\t\n\r\b\f\u007f\u2028\u2029 é 热线 😀 \u00a0';
    const written = await t.runtime.transaction((tx) =>
      log.appendMany(tx, [
        { leadId: null, actor: { type: 'system' }, action: 'x' },
        { leadId: nasty, actor: { type: 'system', name: nasty }, action: nasty, reason: nasty, payload: { nasty } },
        {
          leadId: 'l',
          actor: { type: 'user', userId: nasty, role: 'OFFICER', name: '李四' },
          action: 'lead.transitioned',
          fromState: nasty,
          toState: nasty,
          reason: null,
        },
        { leadId: 'l', actor: { type: 'source', sourceId: '\u{1f600}\uffff', name: '\ue000' }, action: 'a' },
      ]),
    );
    await expectSameInputs(schema, written[0]!.chain);
    const seen: AuditEntry[] = [];
    expect(await verifyAuditLog(t.admin, schema, [], { onEntry: (e) => seen.push(e) })).toMatchObject({
      ok: true,
      entriesChecked: 4,
    });
    // onEntry hands over the entries as the writer returned them (and as the TypeORM read yields them).
    expect(seen).toEqual(written);
    expect(seen.map(computeEntryHash)).toEqual(written.map((e) => e.hash));
  });

  it("verifies inside the caller's open transaction, in its snapshot", async () => {
    const schema = `raw_${k++}`;
    const log = await migrate(t, schema, 2);
    await seed(t, log, 10);
    const sut = await t.admin.transaction('REPEATABLE READ', async (tx) => {
      await tx.query(`SELECT count(*) FROM "${schema}".audit_log`); // takes the snapshot
      await seed(t, log, 5); // committed after it: neither the entries nor the moved head are seen
      return verifyAuditLog(tx, schema);
    });
    expect(sut).toMatchObject({ ok: true, entriesChecked: 10 });
    expect(await verifyAuditLog(t.admin, schema)).toMatchObject({ ok: true, entriesChecked: 15 });
  });

  it('rolls its own transaction back when it fails, leaving the connection usable', async () => {
    const schema = `raw_${k++}`;
    const log = await migrate(t, schema, 1);
    await seed(t, log, 3);
    const one = await new DataSource({ type: 'postgres', url: t.db.adminUrl, extra: { max: 1 } }).initialize();
    try {
      await expect(verifyAuditLog(one, 'no_such_schema')).rejects.toThrow(/does not exist/);
      await tamper(t, schema, (q) =>
        q(`UPDATE "${schema}".audit_log SET at = 'infinity' WHERE seq = 2`).then(() => undefined),
      );
      await expect(verifyAuditLog(one, schema)).rejects.toThrow(RangeError);
      // The one pooled connection is not left inside a (failed) transaction.
      expect(await one.query('SELECT pg_catalog.txid_current_if_assigned() AS x, 1 AS one')).toEqual([
        { x: null, one: 1 },
      ]);
      expect(await one.query(`SELECT count(*)::int AS n FROM "${schema}".audit_log`)).toEqual([{ n: 3 }]);
    } finally {
      await one.destroy();
    }
  });

  describe('page boundaries', () => {
    /** 3 chains, two of them with 10+ entries; the global (chain, seq) position of `target`'s seq 5. */
    async function fixture(): Promise<{
      schema: string;
      target: number;
      other: number;
      pos: number;
      log: Awaited<ReturnType<typeof migrate>>;
      heads: Map<number, number>;
      total: number;
    }> {
      const schema = `raw_${k++}`;
      const log = await migrate(t, schema, 3);
      let heads = new Map<number, number>();
      while ([...heads.values()].filter((n) => n >= 10).length < 2) {
        await seed(t, log, 10);
        heads = new Map((await log.heads(t.admin)).map((h) => [h.chain, h.seq]));
      }
      const [target, other] = [...heads].filter(([, n]) => n >= 10).map(([c]) => c);
      const [{ n }] = await t.admin.query(
        `SELECT count(*)::int AS n FROM "${schema}".audit_log WHERE (chain, seq) < ($1, 5)`,
        [target],
      );
      const total = [...heads.values()].reduce((a, b) => a + b, 0);
      return { schema, target: target!, other: other!, pos: n as number, log, heads, total };
    }

    const sizes = (pos: number) => [1, 2, 3, 7, pos, pos + 1, 5000];

    it('a clean log verifies the same with any page size (a page boundary falling inside a chain)', async () => {
      const { schema, pos, log, total } = await fixture();
      const cp = toCheckpoint('intake', await log.heads(t.admin), new Date());
      for (const batchSize of sizes(pos)) {
        const { durationMs: _, ...sut } = await verifyAuditLog(t.admin, schema, [cp], { batchSize });
        expect(sut).toEqual({
          ok: true,
          entriesChecked: total,
          chains: 3,
          firstBreak: null,
          checkpointsChecked: 1,
          breaks: [],
        });
      }
      // A page size of 0 reads nothing and ends (as before), rather than asking for empty pages forever.
      await expect(verifyAuditLog(t.admin, schema, [], { batchSize: 0 })).resolves.toMatchObject({ entriesChecked: 0 });
    });

    it.each([
      [
        'edited',
        `UPDATE "{s}".audit_log SET reason = 'x' WHERE chain = $1 AND seq = 5`,
        'hash mismatch: entry edited',
        5,
      ],
      ['deleted', `DELETE FROM "{s}".audit_log WHERE chain = $1 AND seq = 5`, 'seq gap: entry deleted', 5],
    ] as const)(
      'a break right at a page boundary (%s entry first or last of its page) is reported the same',
      async (_, sql, reason, seq) => {
        // A second break in another chain: the verifier must jump past the broken chain and keep going.
        const { schema, target, other, pos, heads, total } = await fixture();
        await tamper(t, schema, async (q) => {
          await q(sql.replace('{s}', schema), [target]);
          await q(sql.replace('{s}', schema), [other]);
        });
        const expected = [
          { chain: target, seq, reason },
          { chain: other, seq, reason },
        ].sort((a, b) => a.chain - b.chain);
        // pos: seq 5 is the first row of page 2; pos + 1: it is the last row of page 1.
        for (const batchSize of sizes(pos)) {
          const sut = await verifyAuditLog(t.admin, schema, [], { batchSize });
          expect({ batchSize, ok: sut.ok, breaks: sut.breaks }).toEqual({ batchSize, ok: false, breaks: expected });
          // Every entry before the breaks verified; none after them within the broken chains.
          expect(sut.entriesChecked).toBe(total - heads.get(target)! - heads.get(other)! + 2 * 4);
        }
      },
    );
  });
});
