import { z } from 'zod';
import { baseConfigSchema, readConfig } from '@outpost/platform';

const csv = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** gateway's settings: the shared ones plus its own (each with a working local default). */
export const gatewayConfigSchema = baseConfigSchema('gateway').extend({
  /** Base URLs of the services the gateway forwards commands and reads to. */
  INTAKE_URL: z.url().default('http://127.0.0.1:3001'),
  ASSESSMENT_URL: z.url().default('http://127.0.0.1:3002'),
  ESCALATION_URL: z.url().default('http://127.0.0.1:3003'),
  NOTIFICATION_URL: z.url().default('http://127.0.0.1:3004'),
  /** Per-call timeout towards a service (connect + response). */
  DOWNSTREAM_TIMEOUT_MS: z.coerce.number().int().min(100).max(60000).default(5000),
  /** ES256 private key (PKCS#8 PEM) the gateway signs internal tokens with; or a file holding it. */
  INTERNAL_JWT_PRIVATE_KEY: z.string().optional(),
  INTERNAL_JWT_PRIVATE_KEY_FILE: z.string().default('.outpost/keys/internal-jwt-private.pem'),
  /** Lifetime of internal tokens (one per forwarded call). */
  INTERNAL_TOKEN_TTL_SECONDS: z.coerce.number().int().min(10).max(600).default(60),
  /**
   * ES256 private key for browser access tokens. Defaults to the internal key: browser tokens carry a different
   * issuer/audience, so a service never accepts one and the gateway never accepts an internal token as a browser one.
   */
  BROWSER_JWT_PRIVATE_KEY: z.string().optional(),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(3600).default(900),
  REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(90).default(7),
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(100).default(5),
  LOGIN_LOCKOUT_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
  /** Secure flag on auth cookies (set true behind HTTPS). */
  COOKIE_SECURE: bool.default(false),
  /** Seeds the demo login accounts (docs/SHARED-FACTS.md). Never in production. */
  DEMO_DATA: bool.default(false),
  /** The gateway's own consumer group (tests use a unique one). */
  KAFKA_CONSUMER_GROUP: z.string().min(1).default('gateway'),
  /** Consumer groups whose lag the operator console shows. */
  KAFKA_LAG_GROUPS: csv.default(['intake', 'assessment', 'escalation', 'notification', 'gateway']),
  /** BullMQ queues shown in bull-board (/ops/queues). */
  BULLMQ_QUEUES: csv.default([
    'intake-reporter-feedback',
    'assessment-deadlines',
    'escalation-clocks',
    'escalation-dispatch',
    'notification-inbox',
    'notification-email',
    'notification-sms',
    'notification-webhook',
    'notification-digest',
  ]),
  BULLMQ_PREFIX: z.string().default('bull'),
  /** The admin UI's Vite build output, served at / with SPA fallback. */
  ADMIN_UI_DIST: z.string().default('services/admin-ui/dist'),
  /** Largest evidence upload forwarded to intake. */
  EVIDENCE_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(10 * 1024 * 1024),
});
export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const config = readConfig(gatewayConfigSchema, env);
  if (config.NODE_ENV === 'production' && config.DEMO_DATA) {
    throw new Error('Invalid configuration:\n  DEMO_DATA: demo accounts must never be seeded in production');
  }
  return config;
}

/** The services the gateway talks to, by name. */
export const DOWNSTREAM_SERVICES = ['intake', 'assessment', 'escalation', 'notification'] as const;
export type DownstreamService = (typeof DOWNSTREAM_SERVICES)[number];

export function serviceUrl(config: GatewayConfig, service: DownstreamService): string {
  switch (service) {
    case 'intake':
      return config.INTAKE_URL;
    case 'assessment':
      return config.ASSESSMENT_URL;
    case 'escalation':
      return config.ESCALATION_URL;
    case 'notification':
      return config.NOTIFICATION_URL;
  }
}
