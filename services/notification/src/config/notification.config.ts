import { z } from 'zod';
import { baseConfigSchema, readConfig } from '@outpost/platform';

/** notification's settings: the shared ones plus its own (each with a working local default). */
export const notificationConfigSchema = baseConfigSchema('notification').extend({});
export type NotificationConfig = z.infer<typeof notificationConfigSchema>;

export function loadNotificationConfig(env: NodeJS.ProcessEnv = process.env): NotificationConfig {
  return readConfig(notificationConfigSchema, env);
}
