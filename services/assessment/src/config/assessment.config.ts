import { z } from 'zod';
import { baseConfigSchema, readConfig } from '@outpost/platform';

/** assessment's settings: the shared ones plus its own (each with a working local default). */
export const assessmentConfigSchema = baseConfigSchema('assessment').extend({});
export type AssessmentConfig = z.infer<typeof assessmentConfigSchema>;

export function loadAssessmentConfig(env: NodeJS.ProcessEnv = process.env): AssessmentConfig {
  return readConfig(assessmentConfigSchema, env);
}
