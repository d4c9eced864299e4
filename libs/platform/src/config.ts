import { z } from 'zod';
import type { ServiceName } from '@outpost/contracts';

/**
 * Typed, validated configuration read once at boot. Every setting has a working local default, so `npm start` needs
 * no .env; a bad value stops the service with a message naming the variable.
 */
export class ConfigError extends Error {}

export function readConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}

const DEFAULT_PORTS: Record<ServiceName, number> = {
  gateway: 8080,
  intake: 3001,
  assessment: 3002,
  escalation: 3003,
  notification: 3004,
};

const csv = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** Settings every service shares. */
export function baseConfigSchema(service: ServiceName) {
  const role = `outpost_${service}`;
  return z.object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    HOST: z.string().default('127.0.0.1'),
    PORT: z.coerce.number().int().min(1).max(65535).default(DEFAULT_PORTS[service]),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Write the JSON logs to this file (appended; directories created) instead of stdout. */
    LOG_FILE: z.string().min(1).optional(),
    /** Runtime connection, as the service's least-privilege role. */
    DATABASE_URL: z.url().default(`postgres://${role}@127.0.0.1:5432/outpost`),
    /** Admin connection used only to create the schema and role and run migrations at start. */
    DATABASE_ADMIN_URL: z.url().default('postgres://postgres@127.0.0.1:5432/outpost'),
    DATABASE_SCHEMA: z
      .string()
      .regex(/^[a-z_][a-z0-9_]*$/)
      .default(service),
    DATABASE_ROLE: z
      .string()
      .regex(/^[a-z_][a-z0-9_]*$/)
      .default(role),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
    RUN_MIGRATIONS: bool.default(true),
    REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
    KAFKA_BROKERS: csv.default(['127.0.0.1:9092']),
    KAFKA_TOPIC_PREFIX: z.string().default(''),
    /** ES256 public key (PEM) of the gateway, to verify internal tokens; or a file holding it. */
    INTERNAL_JWT_PUBLIC_KEY: z.string().optional(),
    INTERNAL_JWT_PUBLIC_KEY_FILE: z.string().default('.outpost/keys/internal-jwt-public.pem'),
    /** Bearer token Prometheus uses to scrape /metrics (stored hashed in memory). */
    METRICS_TOKEN: z.string().min(16).optional(),
  });
}
export type BaseConfig = z.infer<ReturnType<typeof baseConfigSchema>>;

/** Injection token for the service's parsed config object. */
export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');
export const SERVICE_NAME = Symbol('SERVICE_NAME');
