import { Client, type Pool, type PoolClient } from 'pg';
import { rawPoolOf, type SessionStatement } from '@outpost/platform';
import { OutboxRelay, type OutboxRelayOptions } from '../src';
import { eventually, planNodesOf } from '@outpost/testing';
import {
  expectOrderedPerKey,
  readTopic,
  setupMessagingTest,
  SCHEMA,
  TEST_LOGGER,
  testEvent,
  TOPIC,
  type MessagingTestEnv,
} from './messaging-test.support';

// The project-level testTimeout in jest.config.js is not applied by Jest to projects; set it here.
jest.setTimeout(60_000);

describe('OutboxRelay (real Postgres + Kafka)', () => {
  let env: MessagingTestEnv;

  beforeAll(async () => {
    env = await setupMessagingTest('relay');
    await env.bus.ensureTopics([TOPIC]);
  });
  afterAll(async () => env.close());

  /** A relay on the test schema; each test sets what it varies. */
  const relay = (o: Partial<OutboxRelayOptions> = {}) =>
    new OutboxRelay({ dataSource: env.dataSource, schema: SCHEMA, bus: env.bus, logger: TEST_LOGGER, ...o });

  it('publishes committed rows in order per key and never publishes rows of a rolled-back transaction', async () => {
    // Interleave keys across transactions; one transaction in three rolls back after writing its rows.
    const expected: Array<{ key: string; n: number }> = [];
    const counters = new Map<string, number>();
    for (let t = 0; t < 30; t++) {
      const rollback = t % 3 === 2;
      const rows: Array<{ key: string; n: number }> = [];
      await env.dataSource
        .transaction(async (tx) => {
          for (const key of [`k${t % 4}`, `k${(t + 1) % 4}`]) {
            const n = (counters.get(key) ?? 0) + (rollback ? 1000 : 1);
            if (!rollback) counters.set(key, n);
            await env.outbox.add(tx, testEvent(key, n));
            rows.push({ key, n });
          }
          if (rollback) throw new Error('roll back');
        })
        .catch((err: Error) => {
          if (err.message !== 'roll back') throw err;
        });
      if (!rollback) expected.push(...rows);
    }
    const sut = relay({ batchSize: 7 });
    expect(await sut.backlog()).toBe(expected.length);

    expect(await sut.flush()).toBe(expected.length);

    expect(await sut.backlog()).toBe(0);
    const records = await readTopic(env.bus, TOPIC, expected.length);
    expect(records).toHaveLength(expected.length);
    expect(records.every((r) => r.n < 1000)).toBe(true);
    expect(records.map((r) => `${r.eventKey}:${r.n}`).sort()).toEqual(expected.map((e) => `${e.key}:${e.n}`).sort());
    expectOrderedPerKey(records);
    // Key = lead id and the envelope headers travel with each message.
    expect(
      records.every(
        (r) => r.key === r.eventKey && r.headers['event-id'] === r.eventId && r.headers['event-type'] === TOPIC,
      ),
    ).toBe(true);
  });

  it('two relays running at once publish every row exactly once, in order per key', async () => {
    const topicBefore = (await env.sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${SCHEMA}.outbox`))[0]!.n;
    const relays = [1, 2].map(() => relay({ batchSize: 5, pollIntervalMs: 20 }));
    await Promise.all(relays.map((r) => r.start()));
    const written: string[] = [];
    try {
      // Four writers, each owning some keys, commit while both relays drain.
      await Promise.all(
        [0, 1, 2, 3].map(async (w) => {
          for (let n = 1; n <= 40; n++) {
            const key = `c${w}-${n % 3}`;
            await env.dataSource.transaction((tx) => env.outbox.add(tx, testEvent(key, n)));
            written.push(`${key}:${n}`);
          }
        }),
      );
      await eventually(async () => ((await relays[0]!.backlog()) === 0 ? true : undefined), 20_000, 50);
    } finally {
      await Promise.all(relays.map((r) => r.stop()));
    }
    const records = (await readTopic(env.bus, TOPIC, topicBefore + written.length)).filter((r) =>
      r.eventKey.startsWith('c'),
    );
    expect(records).toHaveLength(written.length);
    expect(records.map((r) => `${r.eventKey}:${r.n}`).sort()).toEqual([...written].sort());
    expectOrderedPerKey(records);
  });

  it('is woken by a commit in this process that wrote outbox rows, not by the poll interval', async () => {
    const sut = relay({ pollIntervalMs: 60_000 });
    await sut.start();
    try {
      await new Promise((r) => setTimeout(r, 300)); // let it go idle on its (one-minute) poll
      // TypeORM transaction (the subscriber sees its outermost commit), with the write inside a savepoint.
      let started = Date.now();
      await env.dataSource.transaction((tx) => tx.transaction((inner) => env.outbox.add(inner, testEvent('wake', 1))));
      await eventually(async () => ((await sut.backlog()) === 0 ? true : undefined), 10_000, 20);
      expect(Date.now() - started).toBeLessThan(5_000);

      // A rolled-back transaction leaves nothing to wake for; the next commit still wakes the relay.
      await env.dataSource
        .transaction(async (tx) => {
          await env.outbox.add(tx, testEvent('wake', 999));
          throw new Error('roll back');
        })
        .catch((err: Error) => expect(err.message).toBe('roll back'));
      await new Promise((r) => setTimeout(r, 300));

      // A raw pg client (intake's hot path): Outbox#committed after its own COMMIT.
      const client = await (env.dataSource.driver as unknown as { master: Pool }).master.connect();
      try {
        const e = env.outbox.build(testEvent('wake', 2));
        await client.query('BEGIN');
        await client.query(`WITH ${env.outbox.insertFromJsonSql('ev', '$1::jsonb')} SELECT 1`, [
          JSON.stringify(env.outbox.records([e])),
        ]);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
      started = Date.now();
      env.outbox.committed();
      await eventually(async () => ((await sut.backlog()) === 0 ? true : undefined), 10_000, 20);
      expect(Date.now() - started).toBeLessThan(5_000);
      const sent = (
        await env.sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${SCHEMA}.outbox WHERE sent_at IS NOT NULL`)
      )[0]!.n;
      const wake = (await readTopic(env.bus, TOPIC, sent)).filter((r) => r.eventKey === 'wake').map((r) => r.n);
      expect(wake.sort()).toEqual([1, 2]);
    } finally {
      await sut.stop();
    }
  });

  it('marks a batch sent and claims the next in one round trip while rows are waiting', async () => {
    const sut = relay({ batchSize: 5, pollIntervalMs: 60_000 });
    await sut.flush(); // whatever earlier tests left
    const before = (await env.sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${SCHEMA}.outbox`))[0]!.n;
    // Every statement text the relay's pooled connections send from now on.
    const texts: string[] = [];
    const spied = new WeakSet<PoolClient>();
    const spy = (client: PoolClient): void => {
      if (spied.has(client)) return;
      spied.add(client);
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
        if (typeof args[0] === 'string') texts.push(args[0]);
        return query(...args);
      };
    };
    const pool = rawPoolOf(env.dataSource);
    pool.on('acquire', spy);
    await sut.start();
    try {
      await new Promise((r) => setTimeout(r, 200)); // idle on its one-minute poll
      texts.length = 0;
      // 23 rows in one commit: four full batches of 5, then 3.
      await env.dataSource.transaction(async (tx) => {
        for (let n = 1; n <= 23; n++) await env.outbox.add(tx, testEvent('chain', n));
      });
      await eventually(async () => ((await sut.backlog()) === 0 ? true : undefined), 10_000, 20);
    } finally {
      await sut.stop();
      pool.off('acquire', spy);
    }

    // The relay's statements: claims (BEGIN; [PREPARE …;] EXECUTE outbox_claim…) and marks (… EXECUTE outbox_mark…;
    // COMMIT), alone or chained.
    const kinds = texts
      .filter((t) => /^BEGIN; .*EXECUTE outbox_claim_/s.test(t) || /^[^;]*outbox_mark_/.test(t))
      .map((t) => (t.startsWith('BEGIN') ? 'claim' : /; COMMIT; BEGIN; /.test(t) ? 'mark+claim' : 'mark'));
    expect(kinds).toEqual(['claim', 'mark+claim', 'mark+claim', 'mark+claim', 'mark+claim', 'mark']);
    const records = (await readTopic(env.bus, TOPIC, before + 23)).filter((r) => r.eventKey === 'chain');
    expect(records.map((r) => r.n)).toEqual(Array.from({ length: 23 }, (_, i) => i + 1));
  });

  it('scans only rows written since its floor, and the floor never passes a transaction still running', async () => {
    const sut = relay();
    await sut.flush(); // whatever earlier tests left
    const commitOne = (n: number) => env.dataSource.transaction((tx) => env.outbox.add(tx, testEvent('floor', n)));
    // A transaction that writes its row now and commits only after several batches have gone out.
    const late = await (env.dataSource.driver as unknown as { master: Pool }).master.connect();
    try {
      await late.query('BEGIN');
      await late.query(`WITH ${env.outbox.insertFromJsonSql('ev', '$1::jsonb')} SELECT 1`, [
        JSON.stringify(env.outbox.records([env.outbox.build(testEvent('late', 1))])),
      ]);
      for (let n = 1; n <= 3; n++) {
        await commitOne(n);
        expect(await sut.flush()).toBe(1);
      }
      await late.query('COMMIT');
    } finally {
      late.release();
    }

    expect(await sut.flush()).toBe(1); // the late row: the floor stayed at or below its transaction

    // Once every row is sent, the floor is past all of them: a pending row recorded as written by an older
    // transaction (impossible in practice, forged here) is outside the scan, so the scan is bounded.
    await commitOne(4);
    expect(await sut.flush()).toBe(1);
    await commitOne(5);
    await env.sql(`UPDATE ${SCHEMA}.outbox SET tx = '3'::xid8 WHERE sent_at IS NULL`);
    expect(await sut.flush()).toBe(0);
    expect(await sut.backlog()).toBe(1);
    await env.sql(`UPDATE ${SCHEMA}.outbox SET sent_at = now() WHERE sent_at IS NULL`); // leave nothing pending
  });

  it('claims and marks by index probes, with custom and generic plans alike, among many sent rows', async () => {
    // No table statistics here (autovacuum off, as on every development machine); a generic plan is kept for many runs.
    const sut = relay() as unknown as {
      claimStatement: { wait: SessionStatement; try: SessionStatement };
      markStatement: SessionStatement;
    };
    const client = new Client({ connectionString: env.db.adminUrl }); // its own session: the probes die with it
    await client.connect();
    try {
      await client.query('BEGIN');
      // 20,000 sent rows and three pending ones, rolled back at the end.
      await client.query(`
        INSERT INTO ${SCHEMA}.outbox (id, topic, key, value, sent_at)
        SELECT gen_random_uuid(), 'probe', 'k' || g, repeat('x', 500), CASE WHEN g <= 20000 THEN now() END
          FROM generate_series(1, 20003) AS g`);
      const statements = {
        claim_wait: { s: sut.claimStatement.wait, arg: `'1'::xid8` },
        claim_try: { s: sut.claimStatement.try, arg: `'1'::xid8` },
        mark: { s: sut.markStatement, arg: `'{1,2,3}'::bigint[]` },
      };
      const found: Record<string, string[]> = {};
      for (const [name, { s, arg }] of Object.entries(statements)) {
        await client.query(`PREPARE relay_probe_${name}(${name === 'mark' ? 'bigint[]' : 'xid8'}) AS ${s.body}`);
        for (const mode of ['force_custom_plan', 'force_generic_plan']) {
          await client.query(`SET LOCAL plan_cache_mode = ${mode}`);
          const nodes = await planNodesOf(client, `EXECUTE relay_probe_${name}(${arg})`);
          found[`${name} ${mode}`] = nodes
            .filter((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'outbox')
            .map((n) => n['Relation Name']!);
          // The claim reads pending rows from the floor on through the partial index (the floor bounds the walk).
          if (name !== 'mark')
            expect(nodes.map((n) => `${n['Index Name']} ${n['Index Cond']}`)).toContainEqual(
              expect.stringMatching(/^outbox_pending_tx_idx \(tx >= /),
            );
        }
      }
      expect(Object.values(found).flat()).toEqual([]);
      expect(Object.keys(found)).toHaveLength(6);
    } finally {
      await client.query('ROLLBACK');
      await client.end();
    }
  });

  it('deletes sent rows past the retention and keeps pending ones', async () => {
    await env.dataSource.transaction((tx) => env.outbox.add(tx, testEvent('retention', 1)));
    await env.sql(`UPDATE ${SCHEMA}.outbox SET sent_at = now() - interval '2 days' WHERE sent_at IS NOT NULL`);
    const sut = relay({ retentionMs: 24 * 3600_000 });

    const deleted = await sut.cleanup();

    expect(deleted).toBeGreaterThan(0);
    const left = await env.sql<{ pending: number; sent: number }>(
      `SELECT count(*) FILTER (WHERE sent_at IS NULL)::int AS pending, count(*) FILTER (WHERE sent_at IS NOT NULL)::int AS sent FROM ${SCHEMA}.outbox`,
    );
    expect(left[0]).toEqual({ pending: 1, sent: 0 });
    await sut.flush();
  });
});
