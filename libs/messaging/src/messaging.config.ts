import { z } from 'zod';

const flag = z
  .enum(['0', '1', 'true', 'false'])
  .default('0')
  .transform((v) => v === '1' || v === 'true');
const positiveInt = (def: number) => z.coerce.number().int().positive().default(def);

/** Every messaging setting, with a working local default (so `npm start` needs no .env). */
const messagingEnvSchema = z.object({
  KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:9092')
    .transform((s) =>
      s
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^[^:\s]+:\d+$/, 'expected host:port')).min(1)),
  KAFKA_TOPIC_PREFIX: z.string().default(''),
  KAFKA_CLIENT_ID: z.string().min(1).optional(),
  KAFKA_TOPIC_PARTITIONS: positiveInt(3),
  OUTBOX_RELAY_ENABLED: z
    .enum(['0', '1', 'true', 'false'])
    .default('1')
    .transform((v) => v === '1' || v === 'true'),
  OUTBOX_BATCH_SIZE: positiveInt(500),
  OUTBOX_POLL_INTERVAL_MS: positiveInt(1000),
  OUTBOX_RETENTION_HOURS: positiveInt(24),
  /** Test hook: the relay kills its own process after Kafka acks a batch and before marking it sent. */
  OUTBOX_CRASH_AFTER_PUBLISH: flag,
  CONSUMER_MAX_ATTEMPTS: positiveInt(5),
  /**
   * Partitions handled at once by one consumer; unset: the service's own default (MessagingModuleOptions, else 1).
   * Order within a partition (per lead and topic) is always kept; one lead's events on different topics never were
   * ordered (kafkajs hands out a fetch's batches in any order), and above 1 they may also be applied concurrently, in
   * two transactions: raise it only for consumers whose handlers tolerate that.
   */
  CONSUMER_CONCURRENCY: z.coerce.number().int().positive().optional(),
  CONSUMER_RETRY_BASE_MS: positiveInt(200),
  /**
   * How long the broker waits for a silent group member before giving its partitions to the others. kafkajs has no
   * static membership, so after a kill -9 the restarted instance's partitions wait this long (kafkajs default 30 s).
   */
  CONSUMER_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6000).default(10_000),
});

export interface MessagingConfig {
  kafkaBrokers: string[];
  kafkaTopicPrefix: string;
  kafkaClientId?: string;
  topicPartitions: number;
  relayEnabled: boolean;
  outboxBatchSize: number;
  outboxPollIntervalMs: number;
  outboxRetentionMs: number;
  outboxCrashAfterPublish: boolean;
  consumerMaxAttempts: number;
  /** Unset: the service's default. */
  consumerConcurrency?: number;
  consumerRetryBaseMs: number;
  consumerSessionTimeoutMs: number;
}

/** The one place messaging reads the environment. Throws naming every bad variable. */
export function loadMessagingConfig(env: Record<string, string | undefined> = process.env): MessagingConfig {
  const parsed = messagingEnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid messaging configuration: ${problems}`);
  }
  const e = parsed.data;
  return {
    kafkaBrokers: e.KAFKA_BROKERS,
    kafkaTopicPrefix: e.KAFKA_TOPIC_PREFIX,
    kafkaClientId: e.KAFKA_CLIENT_ID,
    topicPartitions: e.KAFKA_TOPIC_PARTITIONS,
    relayEnabled: e.OUTBOX_RELAY_ENABLED,
    outboxBatchSize: e.OUTBOX_BATCH_SIZE,
    outboxPollIntervalMs: e.OUTBOX_POLL_INTERVAL_MS,
    outboxRetentionMs: e.OUTBOX_RETENTION_HOURS * 3600_000,
    outboxCrashAfterPublish: e.OUTBOX_CRASH_AFTER_PUBLISH,
    consumerMaxAttempts: e.CONSUMER_MAX_ATTEMPTS,
    consumerConcurrency: e.CONSUMER_CONCURRENCY,
    consumerRetryBaseMs: e.CONSUMER_RETRY_BASE_MS,
    consumerSessionTimeoutMs: e.CONSUMER_SESSION_TIMEOUT_MS,
  };
}
