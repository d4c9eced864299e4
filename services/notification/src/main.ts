import 'reflect-metadata';
import { runService, ServiceBootstrap } from '@outpost/platform';
import { AppModule, type NotificationModuleOptions } from './app.module';
import { loadNotificationConfig, type NotificationConfig } from './config/notification.config';
import { notificationMigrations } from './database/migrations';

/** Everything needed to build the notification app; integration tests call createServiceApp() with it. */
export function notificationBootstrap(
  config: NotificationConfig,
  options: NotificationModuleOptions = {},
): ServiceBootstrap {
  return {
    service: 'notification',
    title: 'Outpost notification API',
    module: AppModule.forConfig(config, options),
    config,
    migrations: notificationMigrations,
  };
}

if (require.main === module) {
  runService(notificationBootstrap(loadNotificationConfig())).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
