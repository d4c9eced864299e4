import { z } from 'zod';
import { baseConfigSchema, readConfig } from '@outpost/platform';

const bool = (def: 'true' | 'false') =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(def)
    .transform((v) => v === 'true' || v === '1');
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM');
const positive = (def: number) => z.coerce.number().int().positive().default(def);

/** notification's settings: the shared ones plus its own (each with a working local default). */
export const notificationConfigSchema = baseConfigSchema('notification').extend({
  /** BullMQ queue names are `<prefix>-inbox|email|sms|webhook|digest` (tests use a unique prefix). */
  NOTIFICATION_QUEUE_PREFIX: z
    .string()
    .regex(/^[\w.-]+$/)
    .default('notification'),
  /** Kafka consumer group (tests use a unique one: a group shared with other subscriptions starves in kafkajs). */
  NOTIFICATION_CONSUMER_GROUP: z
    .string()
    .regex(/^[\w.-]+$/)
    .default('notification'),
  /** Run the delivery workers, reconciler and digest scheduler in this process (an HTTP-only replica says false). */
  NOTIFICATION_WORKERS: bool('true'),
  /** Seed the demo sources' webhook endpoints at start (`npm start` sets it; refused in production). */
  DEMO_DATA: bool('false'),
  SMTP_URL: z.string().default('smtp://127.0.0.1:2525'),
  MAIL_FROM: z.string().default('前哨平台 <noreply@outpost.tianhe.local>'),
  /** HTTP SMS gateway: JSON POST { to, text, idempotencyKey }; answers { messageId }. */
  SMS_GATEWAY_URL: z.url().default('http://127.0.0.1:3920/sms/send'),
  SMS_GATEWAY_TOKEN: z.string().optional(),
  /** AES-256-GCM key for webhook secrets at rest (64 hex chars or base64 of 32 bytes), or the file holding it. */
  ENCRYPTION_KEY: z.string().optional(),
  ENCRYPTION_KEY_FILE: z.string().default('.outpost/keys/encryption-key'),
  /** Attempts per delivery before DEAD, and the first backoff (doubles each attempt, ±50 % jitter). */
  DELIVERY_ATTEMPTS: positive(8),
  DELIVERY_BACKOFF_MS: positive(2_000),
  DELIVERY_TIMEOUT_MS: positive(10_000),
  /** BullMQ lock of an active delivery job: after a crashed worker the job is picked up again once it expires. */
  DELIVERY_LOCK_MS: positive(30_000),
  /** Per-channel rate limits (BullMQ limiter): at most N jobs per second per channel queue. */
  RATE_INBOX_PER_SECOND: positive(500),
  RATE_EMAIL_PER_SECOND: positive(10),
  RATE_SMS_PER_SECOND: positive(5),
  RATE_WEBHOOK_PER_SECOND: positive(20),
  /**
   * Delivery jobs in flight per channel in this process. Webhooks and the inbox wait on I/O (HTTP, Postgres), so they
   * get more; e-mail and SMS are held back by their rate limits anyway.
   */
  CONCURRENCY_INBOX: positive(8),
  CONCURRENCY_EMAIL: positive(4),
  CONCURRENCY_SMS: positive(4),
  CONCURRENCY_WEBHOOK: positive(16),
  /** Re-enqueue deliveries whose BullMQ job is missing (Redis flushed, crash between commit and enqueue); 0 = off. */
  RECONCILE_INTERVAL_MS: z.coerce.number().int().min(0).default(30_000),
  /** Deliveries found mid-send after a crash: only PENDING/RETRYING older than this are considered orphaned. */
  RECONCILE_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  /** Quiet hours in Asia/Shanghai (UTC+8, no DST): non-urgent e-mail/SMS waits until they end. Equal values = off. */
  QUIET_HOURS_START: hhmm.default('22:00'),
  QUIET_HOURS_END: hhmm.default('07:00'),
  /** Local time of the daily digest e-mail for non-urgent items. */
  DIGEST_AT: hhmm.default('08:00'),
  /**
   * An e-mail whose worker died between handing it to SMTP and recording SENT cannot be checked (SMTP has no
   * idempotency key). HOLD (default): mark it UNCERTAIN for an operator, never send twice. RESEND: send again with the
   * same Message-ID (mailbox stores that dedupe on Message-ID drop it; plain SMTP does not promise that).
   */
  EMAIL_UNCERTAIN_POLICY: z.enum(['HOLD', 'RESEND']).default('HOLD'),
  /** Test hook (fault injection): channels (e.g. "EMAIL,WEBHOOK") after whose accepted send the process SIGKILLs itself, before SENT is recorded. */
  NOTIFICATION_CRASH_AFTER_SEND: z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(['INBOX', 'EMAIL', 'SMS', 'WEBHOOK']))),
});
export type NotificationConfig = z.infer<typeof notificationConfigSchema>;

export function loadNotificationConfig(env: NodeJS.ProcessEnv = process.env): NotificationConfig {
  const config = readConfig(notificationConfigSchema, env);
  if (config.NODE_ENV === 'production' && config.DEMO_DATA) {
    throw new Error('Invalid configuration:\n  DEMO_DATA: demo webhook endpoints must never be seeded in production');
  }
  return config;
}
