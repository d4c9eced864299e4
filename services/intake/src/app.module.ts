import { DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@outpost/messaging';
import { PlatformModule } from '@outpost/platform';
import type { IntakeConfig } from './config/intake.config';
import { intakeEntities } from './database/entities';
import { IntakeModule } from './intake.module';

@Module({})
export class AppModule {
  static forConfig(config: IntakeConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forService({ service: 'intake', config, entities: intakeEntities }),
        MessagingModule.forService({
          service: 'intake',
          schema: config.DATABASE_SCHEMA,
          groupId: config.KAFKA_CONSUMER_GROUP,
          // The status view and reporter feedback touch only this schema (feedback jobs are enqueued after the
          // commit): a fetched batch is one transaction, not one commit per event.
          batchTransactions: true,
        }),
        IntakeModule.forConfig(config),
      ],
    };
  }
}
