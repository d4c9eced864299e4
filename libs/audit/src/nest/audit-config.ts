import { z } from 'zod';

const csv = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);

/** Audit settings, read once when the module is built (every one has a working local default). */
export const auditConfigSchema = z.object({
  AUDIT_CHECKPOINT_INTERVAL_MS: z.coerce.number().int().min(0).default(60000),
  KAFKA_BROKERS: csv.default(['127.0.0.1:9092']),
  KAFKA_TOPIC_PREFIX: z.string().default(''),
});

export interface AuditRuntimeConfig {
  /** 0 disables the periodic publisher (POST /v1/audit/checkpoints still works). */
  checkpointIntervalMs: number;
  kafkaBrokers: string[];
  kafkaTopicPrefix: string;
}

export function loadAuditConfig(env: NodeJS.ProcessEnv = process.env): AuditRuntimeConfig {
  const r = auditConfigSchema.safeParse(env);
  if (!r.success) {
    throw new Error(
      `Invalid audit configuration:\n${r.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`,
    );
  }
  return {
    checkpointIntervalMs: r.data.AUDIT_CHECKPOINT_INTERVAL_MS,
    kafkaBrokers: r.data.KAFKA_BROKERS,
    kafkaTopicPrefix: r.data.KAFKA_TOPIC_PREFIX,
  };
}
