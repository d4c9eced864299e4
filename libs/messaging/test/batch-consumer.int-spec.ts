import { eventually } from '@outpost/testing';
import type { Consumer } from 'kafkajs';
import type { EntityManager } from 'typeorm';
import {
  BatchCollector,
  DeadLetterStore,
  envelopeHeaders,
  type EventConsumer,
  OutboxRelay,
  type EventEnvelope,
} from '../src';
import {
  setupMessagingTest,
  SCHEMA,
  TEST_LOGGER,
  testEvent,
  TOPIC,
  type MessagingTestEnv,
  EXPECTED_FAILURES_LOGGER,
  FAST_RETRIES,
  testConsumer,
} from './messaging-test.support';

jest.setTimeout(90_000);

const GROUP = 'batch-consumer';

/**
 * batchTransactions: a backlog is applied in few transactions, yet every message still has exactly one effect, in
 * partition order, and a poison message in the middle goes its own way (retries, dead letter) without taking its
 * neighbours down.
 */
describe('event consumer with one transaction per fetched batch (real Postgres + Kafka)', () => {
  let env: MessagingTestEnv;
  let relay: OutboxRelay;
  let consumer: EventConsumer | undefined;
  const attempts = new Map<string, number>();

  const handler = async (event: EventEnvelope<typeof TOPIC>, tx: EntityManager): Promise<void> => {
    const { hash: key, seq: n } = event.payload.chains[0]!;
    attempts.set(key, (attempts.get(key) ?? 0) + 1);
    // Writes first, then fails: the failed message's partial effect must be rolled back with it.
    await tx.query(`INSERT INTO ${SCHEMA}.effects (event_id, key, n) VALUES ($1, $2, $3)`, [event.id, key, n]);
    if (key === 'poison') throw new Error('cannot handle poison');
  };

  const startConsumer = async (): Promise<EventConsumer> => {
    const c = testConsumer(env, {
      groupId: GROUP,
      handlers: { [TOPIC]: handler },
      ...FAST_RETRIES,
      batchTransactions: true,
      maxBatchSize: 500,
      logger: EXPECTED_FAILURES_LOGGER, // the poison failure is expected
    });
    await c.start();
    return c;
  };

  beforeAll(async () => {
    env = await setupMessagingTest('batch');
    await env.bus.ensureTopics([TOPIC, `${TOPIC}.dlq`], 1); // one partition: one ordered backlog
    relay = new OutboxRelay({ dataSource: env.dataSource, schema: SCHEMA, bus: env.bus, logger: TEST_LOGGER });
  });
  afterAll(async () => {
    await consumer?.stop();
    await env.close();
  });

  it('applies a backlog in a few transactions, once each, in order; a poison message is dead-lettered alone', async () => {
    // Backlog waiting in Kafka before the consumer starts: 60 events, the 31st poisoned, the 10th sent twice.
    let tenth: EventEnvelope | undefined;
    for (let i = 1; i <= 60; i++) {
      const e = await env.dataSource.transaction((tx) => env.outbox.add(tx, testEvent(i === 31 ? 'poison' : 'ok', i)));
      if (i === 10) tenth = e;
    }
    expect(await relay.flush()).toBe(60);
    await env.bus.send([
      { topic: TOPIC, key: tenth!.leadId ?? 'ok', value: JSON.stringify(tenth), headers: envelopeHeaders(tenth!) },
    ]);

    consumer = await startConsumer();
    await eventually(async () => {
      const [dead] = await env.sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${SCHEMA}.dead_letter`);
      const [done] = await env.sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${SCHEMA}.effects`);
      return dead!.n === 1 && done!.n === 59 ? true : undefined;
    }, 60_000);

    const effects = await env.sql<{ key: string; n: number; tx: string }>(
      `SELECT key, n, xmin::text AS tx FROM ${SCHEMA}.effects ORDER BY id`,
    );
    // Once each (the duplicate of #10 had no second effect; the poison's own insert was rolled back) and in order.
    expect(effects.map((e) => e.n)).toEqual([...Array.from({ length: 30 }, (_, i) => i + 1), ...range(32, 60)]);
    expect(effects.every((e) => e.key === 'ok')).toBe(true);
    // Few transactions, not one per message (kafkajs may split the backlog into a few fetches).
    expect(new Set(effects.map((e) => e.tx)).size).toBeLessThanOrEqual(8);
    // One inbox row per applied event; none for the poison (its transaction never committed).
    const [inbox] = await env.sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${SCHEMA}.inbox`);
    expect(inbox!.n).toBe(59);

    // The poison took the one-at-a-time path: its batch attempt plus retries = maxAttempts, then a dead letter.
    expect(attempts.get('poison')).toBe(3);
    const [dead] = await new DeadLetterStore({ dataSource: env.dataSource, schema: SCHEMA, bus: env.bus }).list({
      status: 'OPEN',
    });
    expect(dead).toMatchObject({ consumerGroup: GROUP, reason: 'HANDLER_FAILED', attempts: 3 });
    expect(dead!.error).toContain('cannot handle poison');
  });

  it('commits offsets only for what it applied: a restart re-applies nothing', async () => {
    await consumer!.stop();
    consumer = await startConsumer();
    await env.dataSource.transaction((tx) => env.outbox.add(tx, testEvent('ok', 61)));
    await relay.flush();
    await eventually(async () => {
      const [r] = await env.sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${SCHEMA}.effects WHERE n = 61`);
      return r!.n === 1 ? true : undefined;
    }, 60_000);
    const [all] = await env.sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${SCHEMA}.effects`);
    expect(all!.n).toBe(60);
    expect(attempts.get('poison')).toBe(3); // not redelivered after the restart
  });
});

describe('batch start and end (real Postgres + Kafka)', () => {
  let env: MessagingTestEnv;
  let relay: OutboxRelay;
  let consumer: EventConsumer | undefined;

  beforeAll(async () => {
    env = await setupMessagingTest('batchhooks');
    await env.bus.ensureTopics([TOPIC, `${TOPIC}.dlq`], 1);
    relay = new OutboxRelay({ dataSource: env.dataSource, schema: SCHEMA, bus: env.bus, logger: TEST_LOGGER });
  });
  afterAll(async () => {
    await consumer?.stop();
    await env.close();
  });

  it('lets several providers prefetch and collect: each collection written once per batch, after the work adding to it, in the batch transaction; a failing batch end falls back to one at a time', async () => {
    for (let i = 1; i <= 20; i++) await env.dataSource.transaction((tx) => env.outbox.add(tx, testEvent('h', i)));
    expect(await relay.flush()).toBe(20);
    const warnings: string[] = [];
    let breakBatchEnd = false;
    const c = testConsumer(env, {
      groupId: 'batch-ends',
      handlers: {
        [TOPIC]: async (event, tx) => {
          const row = { id: event.id, n: event.payload.chains[0]!.seq };
          await a.add(tx, row);
          await b.add(tx, row);
          await followUps.add(tx, row);
          if (breakBatchEnd)
            c.atBatchEnd(
              tx,
              async () => {
                throw new Error('batch end broken');
              },
              'write',
            );
        },
      },
      batchTransactions: true,
      retryBaseMs: 50,
      logger: { ...TEST_LOGGER, warn: (_o, msg) => void warnings.push(msg ?? '') },
    });
    consumer = c;
    // Two providers, each with its own prefetch and its own collection (one row per event, one statement per flush).
    const flushes: Array<{ key: string; n: number }> = [];
    const effects = (key: string) =>
      new BatchCollector<{ id: string; n: number }>(c, async (tx, rows) => {
        flushes.push({ key, n: rows.length });
        await tx.query(
          `INSERT INTO ${SCHEMA}.effects (event_id, key, n) SELECT r.id, $1, r.n FROM unnest($2::uuid[], $3::int[]) AS r(id, n)`,
          [key, rows.map((r) => r.id), rows.map((r) => r.n)],
        );
      });
    const a = effects('a');
    const b = effects('b');
    // Work at the batch end that adds to a's collection (as routing journals what it assigns).
    const followUps = new BatchCollector<{ id: string; n: number }>(
      c,
      async (tx, rows) => a.add(tx, ...rows.map((r) => ({ id: r.id, n: r.n + 1000 }))),
      { stage: 'work' },
    );
    const seenA: string[][] = [];
    const seenB: string[][] = [];
    c.beforeBatch(async (events) => void seenA.push(events.map((e) => e.id)));
    c.beforeBatch(async (events) => void seenB.push(events.map((e) => e.id)));
    await c.start();

    const count = async (where: string) =>
      (await env.sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${SCHEMA}.effects WHERE ${where}`))[0]!.n;
    await eventually(async () => ((await count('true')) === 60 ? true : undefined), 60_000);
    // Both prefetches saw every event once, batch by batch, in order.
    expect(seenA.flat()).toHaveLength(20);
    expect(seenB).toEqual(seenA);
    // Per batch one flush of a (its rows and the follow-ups added by the work) and then one of b.
    expect(flushes).toEqual(
      seenA.flatMap((ids) => [
        { key: 'a', n: 2 * ids.length },
        { key: 'b', n: ids.length },
      ]),
    );
    const rows = await env.sql<{ key: string; n: number; tx: string }>(
      `SELECT key, n, xmin::text AS tx FROM ${SCHEMA}.effects ORDER BY id`,
    );
    const nOf = new Map(seenA.flat().map((id, i) => [id, i + 1]));
    const batchNs = seenA.map((ids) => ids.map((id) => nOf.get(id)!));
    expect(rows.filter((r) => r.key === 'a').map((r) => r.n)).toEqual(
      batchNs.flatMap((ns) => [...ns, ...ns.map((n) => n + 1000)]),
    );
    expect(rows.filter((r) => r.key === 'b').map((r) => r.n)).toEqual(range(1, 20));
    // The written rows committed with the inbox rows of their batch (same transaction).
    const apart = async () =>
      (
        await env.sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${SCHEMA}.inbox i JOIN ${SCHEMA}.effects e ON e.event_id = i.event_id
           WHERE i.xmin::text <> e.xmin::text`,
        )
      )[0]!.n;
    expect(await apart()).toBe(0);
    expect(new Set(rows.map((r) => r.tx)).size).toBe(seenA.length);

    // A batch end that fails after a and b were written: all rolled back, then one event at a time (nothing deferred).
    breakBatchEnd = true;
    flushes.length = 0;
    for (let i = 21; i <= 25; i++) await env.dataSource.transaction((tx) => env.outbox.add(tx, testEvent('h', i)));
    await relay.flush();
    await eventually(async () => ((await count('n % 1000 > 20')) === 15 ? true : undefined), 60_000);
    await new Promise((r) => setTimeout(r, 500)); // a second copy of anything would show up by now
    expect(warnings).toContain('batch start or end failed: applying these messages one at a time');
    // Exactly one row per event and collection (nothing of the failed attempt), each event in its own transaction.
    const late = await env.sql<{ key: string; n: number; tx: string }>(
      `SELECT key, n, xmin::text AS tx FROM ${SCHEMA}.effects WHERE n % 1000 > 20 ORDER BY id`,
    );
    expect(late.map((r) => `${r.key}${r.n}`)).toEqual(range(21, 25).flatMap((n) => [`a${n}`, `b${n}`, `a${n + 1000}`]));
    expect(new Set(late.map((r) => r.tx)).size).toBe(5);
    // b was written by the failed attempt too (its rows rolled back), then once per event.
    expect(flushes.filter((f) => f.key === 'b').length).toBeGreaterThan(5);
    expect(await apart()).toBe(0);
    expect(await count('true')).toBe(75);
    const [dead] = await env.sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${SCHEMA}.dead_letter`);
    expect(dead!.n).toBe(0);
  });

  it('heartbeats through a batch that outlasts the session timeout: the member is not evicted mid-batch', async () => {
    for (let i = 1; i <= 30; i++) await env.dataSource.transaction((tx) => env.outbox.add(tx, testEvent('slow', i)));
    await relay.flush();
    const slow = testConsumer(env, {
      groupId: 'batch-slow',
      handlers: {
        [TOPIC]: async (event, tx) => {
          const { hash: key, seq: n } = event.payload.chains[0]!;
          if (key !== 'slow') return; // earlier tests' events on the same topic
          await new Promise((r) => setTimeout(r, 250)); // 30 × 250 ms > the 6 s session timeout of FAST_GROUP
          await tx.query(`INSERT INTO ${SCHEMA}.effects (event_id, key, n) VALUES ($1, $2, $3)`, [event.id, key, n]);
        },
      },
      batchTransactions: true,
      logger: TEST_LOGGER,
    });
    await slow.start(); // returns once joined
    const kafka = (slow as unknown as { consumer: Consumer }).consumer;
    let rejoins = 0;
    kafka.on(kafka.events.GROUP_JOIN, () => rejoins++);
    try {
      await eventually(async () => {
        const [r] = await env.sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${SCHEMA}.effects WHERE key = 'slow'`);
        return r!.n === 30 ? true : undefined;
      }, 60_000);
      await new Promise((r) => setTimeout(r, 2000)); // an evicted member finds out at its next heartbeat or commit
      expect(rejoins).toBe(0);
    } finally {
      await slow.stop();
    }
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
