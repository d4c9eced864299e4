import { z } from 'zod';
import { parsePeriod } from '@outpost/clock';
import { BANDS } from '@outpost/contracts';

/** Stages of the review that carry a time limit ([SLA], DOMAIN.md §7: programme service levels, not statute). */
export const SLA_STAGES = ['CLAIM', 'OPINION', 'VERIFICATION', 'DECISION'] as const;
export type SlaStage = (typeof SLA_STAGES)[number];

const period = z.string().refine((s) => {
  try {
    parsePeriod(s);
    return true;
  } catch {
    return false;
  }
}, 'expected a period such as 4wh, 1wd, 3wd, 2h, 30d');

const stagePolicy = z.object({
  /** Period per band; `default` applies to bands not listed. */
  default: period,
  red: period.optional(),
  orange: period.optional(),
  yellow: period.optional(),
  none: period.optional(),
  legalBasis: z.string().nullable().default(null),
});

/**
 * The SLA policy as data: periods per stage and band, how long before a deadline the assignee is reminded, the
 * interval between ladder steps after a breach, and whether the opinion clock pauses while the sentinel verifies.
 */
export const slaPolicySchema = z.object({
  stages: z.object({ CLAIM: stagePolicy, OPINION: stagePolicy, VERIFICATION: stagePolicy, DECISION: stagePolicy }),
  /** Reminder (ladder step 0) this many minutes before the deadline; 0 = no reminder. */
  reminderBeforeMinutes: z.number().int().nonnegative(),
  /** After a breach, the next ladder step follows after this period (step 1 → 2 → 3). */
  ladderInterval: period,
  pauseOpinionWhileVerifying: z.boolean(),
});
export type SlaPolicy = z.infer<typeof slaPolicySchema>;

const SLA_BASIS = '区打非办研判服务时限（可配置，非法定期限）';

/** Defaults from issue 5: claim 4 working hours (red) / 1 working day; opinion 3; verification 2; decision 2. */
export const DEFAULT_SLA_POLICY: SlaPolicy = {
  stages: {
    CLAIM: { default: '1wd', red: '4wh', legalBasis: SLA_BASIS },
    OPINION: { default: '3wd', legalBasis: SLA_BASIS },
    VERIFICATION: { default: '2wd', legalBasis: SLA_BASIS },
    DECISION: { default: '2wd', legalBasis: `${SLA_BASIS}；《防范和处置非法集资条例》第19条"及时"` },
  },
  reminderBeforeMinutes: 120,
  ladderInterval: '4wh',
  pauseOpinionWhileVerifying: true,
};

export function periodFor(policy: SlaPolicy, stage: SlaStage, band: (typeof BANDS)[number]): string {
  const p = policy.stages[stage];
  return p[band] ?? p.default;
}
