import { mkdtempSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { Client } from 'pg';
import { createServiceApp } from '@outpost/platform';
import {
  createTestDatabase,
  testKeys,
  TEST_INFRA,
  uniqueSuffix,
  uniqueTopicPrefix,
  type TestDatabase,
} from '@outpost/testing';
import { loadIntakeConfig, type IntakeConfig } from '../src/config/intake.config';
import { intakeBootstrap } from '../src/main';
import { usccCheckChar } from '../src/leads/dto/uscc';

export const BANK_KEY = 'demo-bank-key-icbc-th-2026-dev-only';
export const HOTLINE_KEY = 'demo-hotline-key-12345-2026-dev-only';
export const SUISUIAN_KEY = 'demo-suisuian-key-2026-dev-only';
export const MEDIA_KEY = 'demo-media-key-2026-dev-only-xyz';

export interface IntakeHarness {
  app: NestFastifyApplication;
  db: TestDatabase;
  pg: Client;
  config: IntakeConfig;
  topicPrefix: string;
  close(): Promise<void>;
}

/** Boots intake in-process on its own database, topic prefix, Redis key prefix and evidence directory. */
export async function startIntake(label: string, env: Record<string, string> = {}): Promise<IntakeHarness> {
  const db = await createTestDatabase(`intake_${label}`);
  const keys = await testKeys();
  const topicPrefix = uniqueTopicPrefix(`intake-${label}`);
  // @outpost/messaging reads its settings from the environment when the module is built.
  process.env.KAFKA_TOPIC_PREFIX = topicPrefix;
  process.env.KAFKA_TOPIC_PARTITIONS = '1';
  process.env.OUTBOX_POLL_INTERVAL_MS = '200';
  process.env.AUDIT_CHECKPOINT_INTERVAL_MS = '0';
  const config = loadIntakeConfig({
    DATABASE_ADMIN_URL: db.adminUrl,
    DATABASE_URL: db.adminUrl.replace('postgres@', 'outpost_intake@'),
    INTERNAL_JWT_PUBLIC_KEY: keys.publicKeyPem,
    KAFKA_TOPIC_PREFIX: topicPrefix,
    KAFKA_CONSUMER_GROUP: `intake-test-${uniqueSuffix()}`,
    KAFKA_BROKERS: TEST_INFRA.kafkaBrokers.join(','),
    REDIS_URL: TEST_INFRA.redisUrl,
    REDIS_KEY_PREFIX: `test-intake-${uniqueSuffix()}:`,
    LOG_LEVEL: 'silent',
    DEMO_DATA: 'true',
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    EVIDENCE_DIR: mkdtempSync(join(tmpdir(), 'intake-evidence-')),
    ...env,
  });
  const app = await createServiceApp(intakeBootstrap(config));
  await app.getHttpAdapter().getInstance().ready();
  const pg = new Client({ connectionString: db.adminUrl, options: '-c search_path=intake' });
  await pg.connect();
  return {
    app,
    db,
    pg,
    config,
    topicPrefix,
    async close() {
      await pg.end();
      await app.close();
      await db.drop();
    },
  };
}

/** A valid 统一社会信用代码 from 17 characters (computes the check character). */
export function uscc(first17: string): string {
  return first17 + usccCheckChar(first17);
}

/** Row counts of the tables a registration writes. */
export async function counts(pg: Client): Promise<Record<string, number>> {
  const r = await pg.query(
    `SELECT (SELECT count(*) FROM lead)::int AS lead, (SELECT count(*) FROM subject_key)::int AS subject_key,
            (SELECT count(*) FROM lead_status)::int AS lead_status, (SELECT count(*) FROM evidence)::int AS evidence,
            (SELECT count(*) FROM audit_log)::int AS audit_log, (SELECT count(*) FROM outbox)::int AS outbox`,
  );
  return r.rows[0] as Record<string, number>;
}

/** A kafkajs consumer on one physical topic, collecting every message from the beginning. */
export async function collect(
  topic: string,
): Promise<{ messages: Array<{ key: string | null; value: string }>; stop(): Promise<void> }> {
  const kafka = new Kafka({
    brokers: TEST_INFRA.kafkaBrokers,
    clientId: `intake-test-${uniqueSuffix()}`,
    logLevel: logLevel.NOTHING,
  });
  const consumer: Consumer = kafka.consumer({
    groupId: `intake-test-${uniqueSuffix()}`,
    sessionTimeout: 10000,
    heartbeatInterval: 1000,
  });
  const messages: Array<{ key: string | null; value: string }> = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      messages.push({ key: message.key?.toString() ?? null, value: message.value?.toString() ?? '' });
    },
  });
  return { messages, stop: () => consumer.disconnect() };
}
