import { z } from 'zod';
import { baseConfigSchema, readConfig } from '@outpost/platform';
import { DEFAULT_SLA_POLICY, slaPolicySchema } from './sla-policy';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const slaPolicyJson = z
  .string()
  .transform((s, ctx) => {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'SLA_POLICY is not valid JSON' });
      return z.NEVER;
    }
  })
  .pipe(slaPolicySchema);

/** assessment's settings: the shared ones plus its own (each with a working local default). */
export const assessmentConfigSchema = baseConfigSchema('assessment').extend({
  /** Seed the Tianhe demo roster (docs/SHARED-FACTS.md) at start. Never in production. */
  DEMO_DATA: bool.default(false),
  /** Kafka consumer group of this service (tests use a unique one). */
  KAFKA_CONSUMER_GROUP: z.string().min(1).default('assessment'),
  /** BullMQ queue carrying the stage deadlines (no ':'). */
  DEADLINE_QUEUE: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/)
    .default('assessment-deadlines'),
  /** How often the timer reconciler re-creates missing jobs and fires overdue deadlines. */
  DEADLINE_RECONCILE_INTERVAL_MS: z.coerce.number().int().min(0).default(30_000),
  /** SLA policy as JSON (see config/sla-policy.ts); default = issue 5's periods. */
  SLA_POLICY: slaPolicyJson.default(DEFAULT_SLA_POLICY),
  AUDIT_CHECKPOINT_INTERVAL_MS: z.coerce.number().int().min(0).default(60_000),
});
export type AssessmentConfig = z.infer<typeof assessmentConfigSchema>;

export function loadAssessmentConfig(env: NodeJS.ProcessEnv = process.env): AssessmentConfig {
  const config = readConfig(assessmentConfigSchema, env);
  if (config.NODE_ENV === 'production' && config.DEMO_DATA) {
    throw new Error('Invalid configuration:\n  DEMO_DATA: the demo roster must never be seeded in production');
  }
  return config;
}
