import { DeadLetterStore, type EventConsumer, OutboxRelay, type EventEnvelope } from '../src';
import { eventually } from '@outpost/testing';
import type { EntityManager } from 'typeorm';
import {
  readTopic,
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

jest.setTimeout(150_000);

const GROUP = 'dlq-consumer';
const DLQ = `${TOPIC}.dlq`;

describe('dead letters, replay and outages (real Postgres + Kafka)', () => {
  let env: MessagingTestEnv;
  let relay: OutboxRelay;
  let consumer: EventConsumer;
  let store: DeadLetterStore;
  let poisonFixed = false;
  const attempts = new Map<string, number>();
  /** What the consumer logged about failed attempts: the fields of its warnings and errors. */
  const failureLogs: Array<{ level: 'warn' | 'error'; fields: Record<string, unknown>; msg?: string }> = [];

  const handler = async (event: EventEnvelope<typeof TOPIC>, tx: EntityManager): Promise<void> => {
    const { hash: key, seq: n } = event.payload.chains[0]!;
    const attempt = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, attempt);
    if (key === 'poison' && !poisonFixed) throw new Error('cannot handle poison');
    // A long query the test kills with pg_terminate_backend: a real "connection terminated" (57P01) from Postgres.
    if (key === 'outage' && attempt <= 3) await tx.query(`SELECT pg_sleep(30) /* outage-probe */`);
    await tx.query(`INSERT INTO ${SCHEMA}.effects (event_id, key, n) VALUES ($1, $2, $3)`, [event.id, key, n]);
  };

  const effectsOf = async (key: string): Promise<number> =>
    (await env.sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${SCHEMA}.effects WHERE key = $1`, [key]))[0]!.n;

  beforeAll(async () => {
    env = await setupMessagingTest('dlq');
    // One partition so "later messages on the same partition" is guaranteed.
    await env.bus.ensureTopics([TOPIC, DLQ], 1);
    relay = new OutboxRelay({
      dataSource: env.dataSource,
      schema: SCHEMA,
      bus: env.bus,
      pollIntervalMs: 50,
      logger: TEST_LOGGER,
    });
    await relay.start();
    consumer = testConsumer(env, {
      groupId: GROUP,
      handlers: { [TOPIC]: handler },
      ...FAST_RETRIES,
      // The poison failure is expected here; its log lines are kept for the test to read.
      logger: {
        ...EXPECTED_FAILURES_LOGGER,
        warn: (fields, msg) => void failureLogs.push({ level: 'warn', fields: fields as Record<string, unknown>, msg }),
        error: (fields, msg) =>
          void failureLogs.push({ level: 'error', fields: fields as Record<string, unknown>, msg }),
      },
    });
    await consumer.start();
    store = new DeadLetterStore({ dataSource: env.dataSource, schema: SCHEMA, bus: env.bus });
  });
  afterAll(async () => {
    await consumer?.stop();
    await relay?.stop();
    await env.close();
  });

  it('dead-letters a poison message after N attempts while later messages on the partition are processed', async () => {
    for (const [key, n] of [
      ['before', 1],
      ['poison', 1],
      ['after', 1],
      ['after', 2],
    ] as const) {
      await env.dataSource.transaction((tx) =>
        env.outbox.add(tx, { ...testEvent(key, n), correlationId: `req-${key}-${n}` }),
      );
    }

    await eventually(async () => ((await effectsOf('after')) === 2 ? true : undefined), 30_000);
    expect(await effectsOf('before')).toBe(1);
    expect(await effectsOf('poison')).toBe(0);
    expect(attempts.get('poison')).toBe(3);

    const [dead] = await store.list({ status: 'OPEN' });
    expect(dead).toMatchObject({
      consumerGroup: GROUP,
      topic: TOPIC,
      reason: 'HANDLER_FAILED',
      attempts: 3,
      status: 'OPEN',
      partition: 0,
    });
    expect(dead!.error).toContain('cannot handle poison');
    expect(dead!.headers['event-id']).toBe(dead!.eventId);

    const [onDlq] = await readTopic(env.bus, DLQ, 1);
    expect(onDlq!.eventKey).toBe('poison');
    expect(onDlq!.headers).toMatchObject({
      'event-id': dead!.eventId, // original headers kept
      'dlq-reason': 'HANDLER_FAILED',
      'dlq-attempts': '3',
      'dlq-original-topic': TOPIC,
      'dlq-original-partition': '0',
      'dlq-original-offset': dead!.offset,
      'dlq-consumer-group': GROUP,
    });
    expect(onDlq!.headers['dlq-error']).toContain('cannot handle poison');

    // An operator can follow the failing event back to the request that caused it: every retry warning and the
    // dead-letter error name the event and its correlation id.
    const poisonLogs = failureLogs.filter((l) => l.fields.eventId === dead!.eventId);
    expect(poisonLogs.map((l) => [l.level, l.msg])).toEqual([
      ['warn', 'handler failed; retrying'],
      ['warn', 'handler failed; retrying'],
      ['error', 'handler failed: dead-lettering'],
    ]);
    for (const l of poisonLogs) expect(l.fields.correlationId).toBe('req-poison-1');
  });

  it('replays the dead letter once the cause is fixed, and the effect happens exactly once', async () => {
    const [dead] = await store.list({ status: 'OPEN' });
    poisonFixed = true;

    await store.replay(dead!.id);

    await eventually(async () => ((await effectsOf('poison')) === 1 ? true : undefined));
    expect(await store.get(dead!.id)).toMatchObject({ status: 'REPLAYED' });
    await expect(store.replay(dead!.id)).rejects.toThrow(/not OPEN/);
  });

  it('dead-letters an invalid message at once, without retries, and lets an operator discard it', async () => {
    await env.bus.send([{ topic: TOPIC, key: 'junk', value: '{"not":"an envelope"}' }]);
    await env.dataSource.transaction((tx) => env.outbox.add(tx, testEvent('after-junk', 1)));

    await eventually(async () => ((await effectsOf('after-junk')) === 1 ? true : undefined));
    const open = await store.list({ status: 'OPEN' });
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({
      reason: 'INVALID_MESSAGE',
      attempts: 0,
      eventId: null,
      key: 'junk',
      value: '{"not":"an envelope"}',
    });
    expect(open[0]!.error).toMatch(/invalid envelope/);

    await store.discard(open[0]!.id, 'garbage from a test producer');

    expect(await store.get(open[0]!.id)).toMatchObject({
      status: 'DISCARDED',
      discardReason: 'garbage from a test producer',
    });
  });

  it('waits out a database outage (connection terminated) without dead-lettering, then applies the event once', async () => {
    const deadBefore = (await store.list()).length;
    await env.dataSource.transaction((tx) => env.outbox.add(tx, testEvent('outage', 1)));

    // A terminated backend can still be listed as active for a moment: each kill looks for a backend not killed yet.
    const killedPids: number[] = [];
    for (let kill = 1; kill <= 3; kill++) {
      const killed = await eventually(async () => {
        const rows = await env.sql<{ pid: number; ok: boolean }>(
          `SELECT pid, pg_terminate_backend(pid) AS ok FROM pg_stat_activity
            WHERE datname = current_database() AND state = 'active' AND query LIKE 'SELECT pg_sleep(30) /* outage-probe%'
              AND pid <> ALL($1::int[])`,
          [killedPids],
        );
        return rows.length ? rows : undefined;
      });
      killedPids.push(...killed.map((r) => r.pid));
      expect(killed.map((r) => r.ok)).toEqual([true]);
    }

    await eventually(async () => {
      const dead = await store.list();
      // Fail with the reason (eventually reports the last error) if the outage was mistaken for a handler failure.
      if (dead.length > deadBefore) throw new Error(`outage was dead-lettered: ${dead[dead.length - 1]!.error}`);
      return (await effectsOf('outage')) === 1 ? true : undefined;
    }, 90_000); // the outage backoff plus, on a loaded machine, a consumer-group rejoin (seen at 30 s in CI)
    // Three attempts were killed (more than maxAttempts) and one worked. Not exactly 4 invocations: a handler blocked in
    // pg_sleep sends no heartbeat, and on a loaded machine the group may evict it before the kill lands; the rejoined
    // member then runs the event again beside the blocked one (CI once counted 3, one sleep ending on its own).
    expect(attempts.get('outage')).toBeGreaterThanOrEqual(3);
    expect(await store.list()).toHaveLength(deadBefore);
  });
});
