import { z } from 'zod';
import { baseConfigSchema, readConfig } from '@outpost/platform';

/** intake's settings: the shared ones plus its own (each with a working local default). */
export const intakeConfigSchema = baseConfigSchema('intake').extend({});
export type IntakeConfig = z.infer<typeof intakeConfigSchema>;

export function loadIntakeConfig(env: NodeJS.ProcessEnv = process.env): IntakeConfig {
  return readConfig(intakeConfigSchema, env);
}
