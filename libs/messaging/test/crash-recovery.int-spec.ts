import { spawn } from 'node:child_process';
import path from 'node:path';
import type { EventConsumer, EventEnvelope } from '../src';
import { eventually, TEST_INFRA } from '@outpost/testing';
import {
  readTopic,
  setupMessagingTest,
  SCHEMA,
  testEvent,
  TOPIC,
  type MessagingTestEnv,
  testConsumer,
} from './messaging-test.support';

const FIXTURES = path.join(__dirname, 'fixtures');

/** Runs the relay in a child process; resolves with how it ended. */
function runRelayProcess(
  env: MessagingTestEnv,
  extra: Record<string, string>,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['-r', path.join(FIXTURES, 'swc-register.cjs'), path.join(FIXTURES, 'relay-process.main.ts')],
      {
        env: {
          ...process.env,
          DATABASE_URL: env.db.adminUrl,
          RELAY_SCHEMA: SCHEMA,
          KAFKA_BROKERS: TEST_INFRA.kafkaBrokers.join(','),
          KAFKA_TOPIC_PREFIX: env.prefix,
          ...extra,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

// The project-level testTimeout in jest.config.js is not applied by Jest to projects; set it here.
jest.setTimeout(60_000);

describe('crash between publish and mark-sent, redelivery (real Postgres + Kafka)', () => {
  let env: MessagingTestEnv;
  let consumer: EventConsumer;
  const TOTAL = 20;
  const FIRST_BATCH = 8;

  /** The effect: one row per application of an event. Without the inbox, duplicates would add rows. */
  const applyEffect = async (
    event: EventEnvelope<typeof TOPIC>,
    tx: import('typeorm').EntityManager,
  ): Promise<void> => {
    const chain = event.payload.chains[0]!;
    await tx.query(`INSERT INTO ${SCHEMA}.effects (event_id, key, n) VALUES ($1, $2, $3)`, [
      event.id,
      chain.hash,
      chain.seq,
    ]);
  };

  beforeAll(async () => {
    env = await setupMessagingTest('crash');
    await env.bus.ensureTopics([TOPIC, `${TOPIC}.dlq`], 2);
    for (let n = 1; n <= TOTAL / 4; n++) {
      for (const key of ['a', 'b', 'c', 'd'])
        await env.dataSource.transaction((tx) => env.outbox.add(tx, testEvent(key, n)));
    }
  });
  afterAll(async () => {
    await consumer?.stop();
    await env.close();
  });

  it('after the relay is killed between Kafka ack and mark-sent, a restart publishes everything and effects apply once', async () => {
    const crashed = await runRelayProcess(env, {
      OUTBOX_BATCH_SIZE: String(FIRST_BATCH),
      OUTBOX_CRASH_AFTER_PUBLISH: '1',
    });
    expect({ signal: crashed.signal, stderr: crashed.stderr }).toEqual({ signal: 'SIGKILL', stderr: '' });

    // Kafka has the first batch, yet no row was marked sent.
    const pending = await env.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${SCHEMA}.outbox WHERE sent_at IS NULL`,
    );
    expect(pending[0]!.n).toBe(TOTAL);
    expect(await readTopic(env.bus, TOPIC, FIRST_BATCH)).toHaveLength(FIRST_BATCH);

    const restarted = await runRelayProcess(env, { OUTBOX_BATCH_SIZE: '500' });
    expect({ code: restarted.code, stdout: restarted.stdout.trim(), stderr: restarted.stderr }).toEqual({
      code: 0,
      stdout: JSON.stringify({ published: TOTAL }),
      stderr: '',
    });

    const onKafka = await readTopic(env.bus, TOPIC, TOTAL + FIRST_BATCH);
    expect(onKafka).toHaveLength(TOTAL + FIRST_BATCH); // at-least-once: the first batch twice
    expect(new Set(onKafka.map((r) => r.eventId)).size).toBe(TOTAL);

    consumer = testConsumer(env, { groupId: 'crash-consumer', handlers: { [TOPIC]: applyEffect } });
    await consumer.start();
    await eventually(async () => ((await consumer.lag()).every((l) => l.lag === 0) ? true : undefined), 20_000);

    const effects = await env.sql<{ event_id: string; times: number }>(
      `SELECT event_id, count(*)::int AS times FROM ${SCHEMA}.effects GROUP BY event_id`,
    );
    expect(effects).toHaveLength(TOTAL);
    expect(effects.every((e) => e.times === 1)).toBe(true);
    // Per key the effects were applied in publish order even though the first batch arrived twice.
    const perKey = await env.sql<{ key: string; ns: number[] }>(
      `SELECT key, array_agg(n ORDER BY id) AS ns FROM ${SCHEMA}.effects GROUP BY key`,
    );
    for (const { ns } of perKey) expect(ns).toEqual([...ns].sort((x, y) => x - y));
  });

  it('the same events delivered three more times have no second effect', async () => {
    const originals = await readTopic(env.bus, TOPIC, TOTAL + FIRST_BATCH);
    const distinct = [...new Map(originals.map((r) => [r.eventId, r])).values()];
    for (let round = 0; round < 3; round++) {
      await env.bus.send(distinct.map((r) => ({ topic: TOPIC, key: r.key, value: r.value, headers: r.headers })));
    }
    await eventually(async () => {
      const lag = await consumer.lag();
      return lag.every((l) => l.lag === 0) ? true : undefined;
    }, 20_000);

    const effects = await env.sql<{ total: number; distinct_events: number }>(
      `SELECT count(*)::int AS total, count(DISTINCT event_id)::int AS distinct_events FROM ${SCHEMA}.effects`,
    );
    expect(effects[0]).toEqual({ total: TOTAL, distinct_events: TOTAL });
    const inbox = await env.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${SCHEMA}.inbox WHERE consumer_group = 'crash-consumer'`,
    );
    expect(inbox[0]!.n).toBe(TOTAL);
    const onKafka = await readTopic(env.bus, TOPIC, TOTAL + FIRST_BATCH + 3 * TOTAL);
    expect(onKafka).toHaveLength(TOTAL + FIRST_BATCH + 3 * TOTAL);
  });
});
