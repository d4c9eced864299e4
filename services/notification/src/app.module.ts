import { DynamicModule, Module } from '@nestjs/common';
import { PlatformModule } from '@outpost/platform';
import type { NotificationConfig } from './config/notification.config';
import { notificationEntities } from './database/entities';

@Module({})
export class AppModule {
  static forConfig(config: NotificationConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forService({ service: 'notification', config, entities: notificationEntities })],
    };
  }
}
