import type { Actor } from '@outpost/contracts';
import type { Principal } from '@outpost/platform';
import type { EntityManager } from 'typeorm';
import type { z } from 'zod';
import type { CaseRow, CaseLeadRow } from './case.repository';
import type { AnyPublish } from './case-writer';
import type { Action, CaseState } from './transition-table';

export interface CommandContext {
  tx: EntityManager;
  case: CaseRow;
  leads: CaseLeadRow[];
  leadId: string;
  principal: Principal;
  actor: Actor;
  now: Date;
}

export interface CommandResult {
  /** Required when the table says BY_COMMAND. */
  to?: CaseState;
  reason: string;
  detail?: Record<string, unknown>;
  events?: AnyPublish[];
  /** Extra fields of the 200 response (ids of created tasks, measures, …). */
  response?: Record<string, unknown>;
}

export interface CommandHandler<S extends z.ZodType = z.ZodType> {
  schema: S;
  run(ctx: CommandContext, body: z.infer<S>): Promise<CommandResult>;
}

/** Each feature contributes handlers for its actions; the runner checks every table action has exactly one. */
export type CommandHandlers = Partial<Record<Action, CommandHandler>>;

export function handler<S extends z.ZodType>(
  schema: S,
  run: (ctx: CommandContext, body: z.infer<S>) => Promise<CommandResult>,
): CommandHandler {
  return { schema, run: run as CommandHandler['run'] };
}
