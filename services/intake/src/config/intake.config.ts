import { z } from 'zod';
import { existsSync, readFileSync } from 'node:fs';
import { baseConfigSchema, ConfigError, readConfig } from '@outpost/platform';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const csv = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);

/** intake's settings: the shared ones plus its own (each with a working local default). */
export const intakeConfigSchema = baseConfigSchema('intake')
  .extend({
    /** Kafka consumer group of the status-view consumer (tests use a unique one: one group must not mix topic prefixes). */
    KAFKA_CONSUMER_GROUP: z.string().min(1).default('intake'),
    /** Prefix of every Redis key intake writes (rate-limit buckets, fund-flow window). */
    REDIS_KEY_PREFIX: z.string().default('intake:'),
    /** Seed the demo source systems (with fixed, printed dev keys) at start. Never in production. */
    DEMO_DATA: bool.default(false),
    /** Mixed into every API-key hash: SHA-256(pepper + key). Else read from the file; production must supply one. */
    API_KEY_PEPPER: z.string().min(16).optional(),
    API_KEY_PEPPER_FILE: z.string().default('.outpost/keys/api-key-pepper'),
    /** AES-256-GCM key for reporter identity and webhook secrets: 32 bytes as base64 or 64 hex chars; else the file. */
    ENCRYPTION_KEY: z.string().optional(),
    ENCRYPTION_KEY_FILE: z.string().default('.outpost/keys/encryption-key'),
    /** Content-addressed evidence store (local directory). */
    EVIDENCE_DIR: z.string().default('.outpost/evidence'),
    EVIDENCE_MAX_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(20 * 1024 * 1024),
    EVIDENCE_MEDIA_TYPES: csv.default([
      'image/jpeg',
      'image/png',
      'image/webp',
      'application/pdf',
      'text/plain',
      'audio/mpeg',
      'audio/mp4',
      'video/mp4',
    ]),
    /** Requests per minute per API key when the source row sets none (token bucket, burst = one minute's worth / 4). */
    RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(6000),
    /** Per gateway user (leads filed by sentinels/volunteers through the gateway). */
    GATEWAY_USER_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(600),
    /** Largest single-lead body; batch and screening bodies may reach BODY_LIMIT_BYTES. */
    LEAD_BODY_LIMIT_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(256 * 1024),
    BODY_LIMIT_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(16 * 1024 * 1024),
    BATCH_MAX_LEADS: z.coerce.number().int().positive().max(1000).default(1000),
    /**
     * Registration groups (application-level group commit, RegisterLeadUseCase): at most this many leads per
     * transaction, and this many such transactions at once. Fewer groups in flight make bigger groups (fewer
     * transactions per lead); more cut the wait of a lead that arrives while every group is busy.
     */
    REGISTRATION_GROUP_MAX_LEADS: z.coerce.number().int().min(1).max(500).default(64),
    REGISTRATION_GROUPS_IN_FLIGHT: z.coerce.number().int().min(1).max(16).default(1),
    /**
     * After a group of several leads ends with nothing waiting, the next group waits up to this many ms for as many
     * leads as that group had (its clients sending their next leads); 0 writes every lead at once (Coalescer waveMs).
     */
    REGISTRATION_GROUP_WAVE_MS: z.coerce.number().min(0).max(100).default(8),
    SCREENING_MAX_RECORDS: z.coerce.number().int().positive().max(10000).default(10000),
    /** Overrides the catalogue's fund-flow window (days) for POST /v1/screenings across requests. */
    FUND_FLOW_WINDOW_DAYS: z.coerce.number().positive().optional(),
    /** BullMQ queue names are `<prefix>-reporter-feedback` (tests use a unique prefix). */
    INTAKE_QUEUE_PREFIX: z
      .string()
      .regex(/^[\w.-]+$/)
      .default('intake'),
    /** Run the reporter-feedback worker and its reconciler in this process (an HTTP-only replica says false). */
    REPORTER_FEEDBACK_WORKERS: bool.default(true),
    /** Reporter feedback by e-mail (same local defaults as notification's). */
    SMTP_URL: z.string().default('smtp://127.0.0.1:2525'),
    MAIL_FROM: z.string().default('天河防非 <noreply@outpost.tianhe.local>'),
    /** HTTP SMS gateway: JSON POST { to, text, idempotencyKey } + Idempotency-Key header; answers { messageId }. */
    SMS_GATEWAY_URL: z.url().default('http://127.0.0.1:3920/sms/send'),
    SMS_GATEWAY_TOKEN: z.string().optional(),
    /** Attempts per reporter message before DEAD, the first backoff (doubles each attempt, ±50 % jitter), send timeout. */
    REPORTER_FEEDBACK_ATTEMPTS: z.coerce.number().int().positive().default(8),
    REPORTER_FEEDBACK_BACKOFF_MS: z.coerce.number().int().positive().default(2_000),
    REPORTER_FEEDBACK_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
    /** Re-enqueue PENDING reporter messages whose job is missing (crash between commit and enqueue); 0 = start only. */
    REPORTER_FEEDBACK_RECONCILE_MS: z.coerce.number().int().min(0).default(30_000),
  })
  .superRefine((c, ctx) => {
    if (c.NODE_ENV === 'production' && c.DEMO_DATA) {
      ctx.addIssue({
        code: 'custom',
        path: ['DEMO_DATA'],
        message: 'demo sources (fixed keys) are not allowed in production',
      });
    }
  });
export type IntakeConfig = Omit<z.infer<typeof intakeConfigSchema>, 'API_KEY_PEPPER'> & { API_KEY_PEPPER: string };

/** Only for local runs without key files: never accepted in production. */
const DEV_PEPPER = 'outpost-dev-pepper-not-for-production';

export function loadIntakeConfig(env: NodeJS.ProcessEnv = process.env): IntakeConfig {
  const c = readConfig(intakeConfigSchema, env);
  let pepper = c.API_KEY_PEPPER;
  if (!pepper && existsSync(c.API_KEY_PEPPER_FILE)) pepper = readFileSync(c.API_KEY_PEPPER_FILE, 'utf8').trim();
  if (!pepper) {
    if (c.NODE_ENV === 'production')
      throw new ConfigError(`Invalid configuration:\n  API_KEY_PEPPER: set it or create ${c.API_KEY_PEPPER_FILE}`);
    pepper = DEV_PEPPER;
  }
  return { ...c, API_KEY_PEPPER: pepper };
}
