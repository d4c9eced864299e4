import { z } from 'zod';
import { baseConfigSchema, readConfig } from '@outpost/platform';

/** escalation's settings: the shared ones plus its own (each with a working local default). */
export const escalationConfigSchema = baseConfigSchema('escalation').extend({});
export type EscalationConfig = z.infer<typeof escalationConfigSchema>;

export function loadEscalationConfig(env: NodeJS.ProcessEnv = process.env): EscalationConfig {
  return readConfig(escalationConfigSchema, env);
}
