import { z } from 'zod';
import { baseConfigSchema, readConfig } from '@outpost/platform';

/** gateway's settings: the shared ones plus its own (each with a working local default). */
export const gatewayConfigSchema = baseConfigSchema('gateway').extend({});
export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return readConfig(gatewayConfigSchema, env);
}
