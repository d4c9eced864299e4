import { z } from 'zod';
import { CATEGORIES, RECOMMENDATIONS } from '@outpost/contracts';
import type { Action } from './transition-table';

const text = (max: number) => z.string().trim().min(1).max(max);

/** Body of each command (docs/SHARED-FACTS.md "Command API shape"). */
export const COMMAND_BODIES = {
  claim: z.object({ note: z.string().max(500).optional() }),
  release: z.object({ reason: text(1000).optional() }),
  reassign: z.object({ assigneeId: text(64), reason: text(1000).optional() }),
  'request-verification': z.object({ question: text(2000), dueAt: z.iso.datetime({ offset: true }).optional() }),
  'answer-verification': z.object({
    requestId: z.uuid(),
    answer: text(4000),
    evidenceIds: z.array(z.string().min(1).max(100)).max(50).default([]),
  }),
  'submit-opinion': z.object({
    recommendation: z.enum(RECOMMENDATIONS),
    category: z.enum(CATEGORIES),
    legalBasis: z.array(text(300)).min(1),
    reasoning: text(8000),
  }),
  decide: z.object({
    decision: z.enum(RECOMMENDATIONS),
    category: z.enum(CATEGORIES).optional(),
    legalBasis: z.array(text(300)).optional(),
    reasoning: text(8000),
    feedback: text(2000).optional(),
  }),
  return: z.object({ reason: text(2000) }),
  reopen: z.object({ reason: text(2000) }),
} satisfies Record<Action, z.ZodType>;

export type CommandBody<A extends Action> = z.infer<(typeof COMMAND_BODIES)[A]>;
