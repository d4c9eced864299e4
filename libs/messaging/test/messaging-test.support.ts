import { TEST_INFRA, createTestDatabase, uniqueTopicPrefix, type TestDatabase } from '@outpost/testing';
import {
  EventConsumer,
  KafkaBus,
  messagingMigration,
  outboxPendingByTxSql,
  Outbox,
  type EventConsumerOptions,
  type LoggerLike,
  type PublishInput,
} from '../src';
import type { KafkaMessage } from 'kafkajs';
import { Client } from 'pg';
import { DataSource } from 'typeorm';

export const SCHEMA = 'svc';
export const RUNTIME_ROLE = 'outpost_messaging_test';
export const TOPIC = 'audit.checkpoint.v1' as const;

/** Short group timings so rebalances take a second, not half a minute. */
export const FAST_GROUP = {
  sessionTimeout: 6000,
  heartbeatInterval: 300,
  rebalanceTimeout: 4000,
  maxWaitTimeInMs: 100,
};

/** Prints warnings and errors only (so a failing run explains itself) without flooding passing runs. */
export const TEST_LOGGER: LoggerLike = {
  info: () => undefined,
  warn: () => undefined,
  error: (o, msg) => console.error(msg ?? '', typeof o === 'string' ? o : JSON.stringify(o)),
};

/** TEST_LOGGER minus errors: for tests in which a failing handler (and its dead letter) is the expected outcome. */
export const EXPECTED_FAILURES_LOGGER: LoggerLike = { ...TEST_LOGGER, error: () => undefined };

/** Retry timings for tests that use up a handler's attempts: 3 attempts 50 ms apart (doubling), 100 ms in outages. */
export const FAST_RETRIES = { maxAttempts: 3, retryBaseMs: 50, infraRetryMs: 100 } as const;

export interface MessagingTestEnv {
  db: TestDatabase;
  dataSource: DataSource;
  bus: KafkaBus;
  prefix: string;
  outbox: Outbox;
  /** Runs SQL as the superuser on the test database. */
  sql<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  close(): Promise<void>;
}

/** A fresh database with the messaging tables (+ an `effects` table handlers write to) and a unique topic prefix. */
export async function setupMessagingTest(label: string): Promise<MessagingTestEnv> {
  const db = await createTestDatabase(label);
  const admin = new Client({ connectionString: db.adminUrl });
  await admin.connect();
  // Roles are cluster-wide and test files run in parallel: tolerate a concurrent creator.
  await admin.query(`DO $$ BEGIN CREATE ROLE ${RUNTIME_ROLE} NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`);
  for (const stmt of [...messagingMigration(SCHEMA, RUNTIME_ROLE).up, ...outboxPendingByTxSql(SCHEMA)])
    await admin.query(stmt);
  await admin.query(
    `CREATE TABLE ${SCHEMA}.effects (id bigserial PRIMARY KEY, event_id uuid NOT NULL, key text NOT NULL, n int NOT NULL)`,
  );
  const dataSource = new DataSource({ type: 'postgres', url: db.adminUrl, extra: { max: 8 } });
  await dataSource.initialize();
  const prefix = uniqueTopicPrefix(label);
  const bus = new KafkaBus({
    brokers: TEST_INFRA.kafkaBrokers,
    clientId: label,
    topicPrefix: prefix,
    logger: TEST_LOGGER,
  });
  await bus.connect();
  return {
    db,
    dataSource,
    bus,
    prefix,
    outbox: new Outbox({ schema: SCHEMA, producer: 'intake' }),
    sql: async <R>(text: string, params?: unknown[]) => (await admin.query(text, params)).rows as R[],
    async close() {
      await bus.disconnect();
      await dataSource.destroy();
      await admin.end();
      await db.drop();
    },
  };
}

/** A test event: key and a running number per key go into the payload, so order per key can be checked on Kafka. */
export function testEvent(key: string, n: number): PublishInput<typeof TOPIC> {
  return {
    topic: TOPIC,
    payload: { service: 'intake', takenAt: new Date().toISOString(), chains: [{ chain: 0, seq: n, hash: key }] },
    leadId: key,
    actor: { type: 'system', name: 'test' },
  };
}

export interface ConsumedRecord {
  partition: number;
  offset: string;
  key: string;
  value: string;
  headers: Record<string, string>;
  /** From the payload: the key the event was written for and its running number. */
  eventKey: string;
  n: number;
  eventId: string;
}

/** Reads a (logical) topic from the beginning with a throw-away group until `count` records arrived. */
export async function readTopic(
  bus: KafkaBus,
  topic: string,
  count: number,
  timeoutMs = 20000,
): Promise<ConsumedRecord[]> {
  const consumer = bus.kafka.consumer({ groupId: `reader-${Math.random().toString(36).slice(2)}`, ...FAST_GROUP });
  const out: ConsumedRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: bus.topic(topic), fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`read ${out.length} of ${count} records from ${topic}`)),
        timeoutMs,
      );
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          out.push(toRecord(partition, message));
          if (out.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    // Anything beyond `count` (duplicates!) that was already fetched would be missed; give it a moment to show up.
    await new Promise((r) => setTimeout(r, 500));
  } finally {
    await consumer.disconnect();
  }
  return out;
}

function toRecord(partition: number, m: KafkaMessage): ConsumedRecord {
  const value = m.value?.toString() ?? '';
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.headers ?? {}))
    if (v !== undefined) headers[k] = (Array.isArray(v) ? v[0] : v)!.toString();
  let eventKey = '';
  let n = -1;
  let eventId = '';
  try {
    const e = JSON.parse(value) as { id: string; payload: { chains?: Array<{ seq: number; hash: string }> } };
    eventId = e.id;
    eventKey = e.payload.chains?.[0]?.hash ?? '';
    n = e.payload.chains?.[0]?.seq ?? -1;
  } catch {
    eventKey = '';
  }
  return { partition, offset: m.offset, key: m.key?.toString() ?? '', value, headers, eventKey, n, eventId };
}

/** Asserts each key's running numbers appear strictly increasing (order per key) and returns the keys seen. */
export function expectOrderedPerKey(records: ConsumedRecord[]): void {
  const last = new Map<string, number>();
  for (const r of records) {
    const prev = last.get(r.eventKey) ?? -1;
    if (r.n <= prev) throw new Error(`key ${r.eventKey}: ${r.n} arrived after ${prev}`);
    last.set(r.eventKey, r.n);
  }
}

/** An EventConsumer on the test database and bus with short group timings and TEST_LOGGER, unless `o` says otherwise. */
export function testConsumer(
  env: MessagingTestEnv,
  o: Omit<EventConsumerOptions, 'dataSource' | 'schema' | 'bus'>,
): EventConsumer {
  return new EventConsumer({
    dataSource: env.dataSource,
    schema: SCHEMA,
    bus: env.bus,
    logger: TEST_LOGGER,
    consumerConfig: FAST_GROUP,
    ...o,
  });
}
