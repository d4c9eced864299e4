import { z } from 'zod';
import { EXTERNAL_SYSTEMS, type ExternalSystem } from '@outpost/contracts';
import { baseConfigSchema, readConfig } from '@outpost/platform';

const csv = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);
const json = <S extends z.ZodType>(schema: S) =>
  z
    .string()
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);

/** One HMAC key of an external system; several may be configured (rotation): the newest signs, all verify. */
const signingKeySchema = z.object({
  id: z.string().regex(/^[\w.-]{1,64}$/),
  secret: z.string().min(16),
  createdAt: z.iso.date(),
});
export type SigningKey = z.infer<typeof signingKeySchema>;

/** External systems the connector talks to (docs/connectors.md): codes fixed in contracts; endpoints and keys are config. */
export { EXTERNAL_SYSTEMS, type ExternalSystem } from '@outpost/contracts';

const externalSystemSchema = z.object({ name: z.string(), url: z.url(), keys: z.array(signingKeySchema).min(1) });
export type ExternalSystemConfig = z.infer<typeof externalSystemSchema>;

const DEV_SECRET = 'dev-only-secret-change-me-0001';
const devSystem = (name: string, port: number, path: string) => ({
  name,
  url: `http://127.0.0.1:${port}${path}`,
  keys: [{ id: 'dev-2026-01', secret: DEV_SECRET, createdAt: '2026-01-01' }],
});
const DEFAULT_SYSTEMS: Record<ExternalSystem, ExternalSystemConfig> = {
  SUISUIAN: devSystem('穗岁安', 3910, '/outpost/reports'),
  POLICE: devSystem('公安经侦', 3911, '/outpost/referrals'),
  MARKET_REGULATION: devSystem('市场监管', 3912, '/outpost/handovers'),
  FINANCIAL_REGULATOR: devSystem('金融管理部门', 3913, '/outpost/handovers'),
  LEAD_DEPARTMENT: devSystem('属地处置非法集资牵头部门', 3914, '/outpost/handovers'),
};

/** escalation's settings: the shared ones plus its own (each with a working local default). */
export const escalationConfigSchema = baseConfigSchema('escalation')
  .extend({
    /** Kafka consumer group (tests use a unique one so files never share a group). */
    ESCALATION_CONSUMER_GROUP: z.string().min(1).default('escalation'),
    /** BullMQ queue of the durable legal clocks (one per service; tests use a unique one). */
    ESCALATION_TIMERS_QUEUE: z
      .string()
      .regex(/^[\w.-]+$/)
      .default('escalation-clocks'),
    /** BullMQ queue of outbound reports and hand-overs. */
    ESCALATION_DISPATCH_QUEUE: z
      .string()
      .regex(/^[\w.-]+$/)
      .default('escalation-dispatch'),
    /** Run the timer and dispatch workers in this process (an HTTP-only replica may say false). */
    ESCALATION_WORKERS: z
      .enum(['true', 'false', '1', '0'])
      .default('true')
      .transform((v) => v === 'true' || v === '1'),
    TIMER_RECONCILE_INTERVAL_MS: z.coerce.number().int().min(0).default(30_000),
    DISPATCH_ATTEMPTS: z.coerce.number().int().min(1).default(8),
    DISPATCH_BACKOFF_MS: z.coerce.number().int().min(10).default(2_000),
    DISPATCH_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
    DISPATCH_RECONCILE_INTERVAL_MS: z.coerce.number().int().min(0).default(60_000),
    /** JSON: { SUISUIAN: { name, url, keys: [{ id, secret, createdAt }] }, POLICE: …, … } (all five systems). */
    EXTERNAL_SYSTEMS: json(z.record(z.enum(EXTERNAL_SYSTEMS), externalSystemSchema))
      .default(DEFAULT_SYSTEMS)
      .refine((r) => EXTERNAL_SYSTEMS.every((s) => s in r), {
        message: `every system must be configured: ${EXTERNAL_SYSTEMS.join(', ')}`,
      }),
    /** Inbound callbacks: accepted clock skew of X-Outpost-Timestamp, in seconds (± this). */
    CALLBACK_REPLAY_WINDOW_SECONDS: z.coerce.number().int().min(1).default(300),
    /** Escalation ladder recipients (person ids from the roster) for the UNIT_HEAD and DISTRICT_OFFICE steps. */
    LADDER_UNIT_HEAD_IDS: csv.default(['p-supervisor-1']),
    LADDER_DISTRICT_OFFICE_IDS: csv.default(['p-officer-1']),
    /** 回头看: how long a MONITOR decision waits before assessment looks again [SLA, UNSOURCED]. */
    MONITOR_REVISIT_PERIOD: z.string().default('30d'),
    /** JSON { "<CLOCK_KIND>": { "period": "5wd", "legalBasis": "…" } }: overrides of the clock catalogue (e.g. Guangdong rules). */
    CLOCK_OVERRIDES: json(
      z.record(z.string(), z.object({ period: z.string().optional(), legalBasis: z.string().optional() })),
    ).default({}),
    /** Decision paths that are reported upward to 穗岁安 automatically when the case opens. */
    UPSTREAM_REPORT_PATHS: csv.default(['REFER_POLICE', 'FILE_ADMIN_CASE', 'TRANSFER_AUTHORITY']),
    /** The district this instance serves (jurisdiction by registered address, Reg. Art. 20). */
    DISTRICT_CODE: z.string().default('440106'),
    DISTRICT_NAME: z.string().default('天河区'),
  })
  .superRefine((c, ctx) => {
    if (c.NODE_ENV !== 'production') return;
    for (const [system, s] of Object.entries(c.EXTERNAL_SYSTEMS)) {
      if (s.keys.some((k) => k.secret === DEV_SECRET)) {
        ctx.addIssue({
          code: 'custom',
          path: ['EXTERNAL_SYSTEMS', system],
          message: 'the development signing secret may not be used in production',
        });
      }
    }
  });
export type EscalationConfig = z.infer<typeof escalationConfigSchema>;

export function loadEscalationConfig(env: NodeJS.ProcessEnv = process.env): EscalationConfig {
  return readConfig(escalationConfigSchema, env);
}
