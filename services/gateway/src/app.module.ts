import { DynamicModule, Global, Module } from '@nestjs/common';
import { AuditModule, outboxCheckpointSink } from '@outpost/audit';
import { MessagingModule, Outbox } from '@outpost/messaging';
import { PlatformModule, Roles } from '@outpost/platform';
import { AccountRepository } from './auth/account.repository';
import { AccountsController } from './auth/accounts.controller';
import { AuthController } from './auth/auth.controller';
import { AuthService } from './auth/auth.service';
import { BrowserAuthGuard } from './auth/browser-auth.guard';
import { GATEWAY_KEYS, loadGatewayKeys } from './auth/keys';
import { RosterConsumer } from './auth/roster.consumer';
import { CommandsController } from './commands/commands.controller';
import { DownstreamClient } from './commands/downstream.client';
import type { GatewayConfig } from './config/gateway.config';
import { gatewayEntities } from './database/entities';
import { ExportController } from './export/export.controller';
import { InboxConsumer } from './inbox/inbox.consumer';
import { InboxController } from './inbox/inbox.controller';
import { OpsController } from './ops/ops.controller';
import { JobQueues } from './ops/job-queues';
import { NotificationSettingsController } from './ops/notification-settings.controller';
import { OpsService } from './ops/ops.service';
import { DashboardController } from './read-model/dashboard.controller';
import { EventsController } from './read-model/events.controller';
import { LeadDetailService } from './read-model/lead-detail.service';
import { LeadViewRepository } from './read-model/lead-view.repository';
import { LeadsController } from './read-model/leads.controller';
import { LiveUpdates } from './read-model/live-updates.service';
import { ReadModelConsumer } from './read-model/read-model.consumer';
import { DirectoryController } from './roster/directory.controller';
import { RosterController } from './roster/roster.controller';
import { DemoAccountsSeeder } from './seed/demo-accounts';

/** Keys, accounts and the browser guard, needed by every feature's controllers. */
@Global()
@Module({})
class AuthCoreModule {
  static forConfig(config: GatewayConfig): DynamicModule {
    return {
      module: AuthCoreModule,
      providers: [
        { provide: GATEWAY_KEYS, useFactory: () => loadGatewayKeys(config) },
        AccountRepository,
        AuthService,
        BrowserAuthGuard,
        DownstreamClient,
      ],
      exports: [GATEWAY_KEYS, AccountRepository, AuthService, BrowserAuthGuard, DownstreamClient],
    };
  }
}

@Module({})
export class AppModule {
  static forConfig(config: GatewayConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forService({ service: 'gateway', config, entities: gatewayEntities }),
        MessagingModule.forService({
          service: 'gateway',
          schema: config.DATABASE_SCHEMA,
          groupId: config.KAFKA_CONSUMER_GROUP,
          // The read model is a projection: a fetched batch in one transaction (one commit, one NOTIFY per lead).
          batchTransactions: true,
          // Three partitions at once: its handlers already take one lead's topics in any order (the status only moves
          // to a newer event's), and two batches changing one lead wait on its row. At 100 leads/s it kept up only
          // with this (lag behind assessment 4-5 s → 0.1 s). Two batches locking two leads in opposite orders (rare:
          // each topic carries its leads in the order they were registered) deadlock; Postgres aborts one and the
          // consumer applies its messages again one at a time.
          consumerConcurrency: 3,
        }),
        AuditModule.forService({
          service: 'gateway',
          schema: config.DATABASE_SCHEMA,
          checkpointSink: { inject: [Outbox], useFactory: (o: Outbox) => outboxCheckpointSink(o) },
          // The gateway's own /v1/audit endpoints: internal tokens only (operators reach them via /api/v1/ops/audit).
          controllerDecorators: [Roles('OPERATOR', 'SUPERVISOR')],
          kafkaBrokers: config.KAFKA_BROKERS,
          kafkaTopicPrefix: config.KAFKA_TOPIC_PREFIX,
        }),
        AuthCoreModule.forConfig(config),
      ],
      controllers: [
        AuthController,
        AccountsController,
        LeadsController,
        DashboardController,
        EventsController,
        CommandsController,
        ExportController,
        OpsController,
        NotificationSettingsController,
        RosterController,
        DirectoryController,
        InboxController,
      ],
      providers: [
        RosterConsumer,
        ReadModelConsumer,
        InboxConsumer,
        LeadViewRepository,
        LeadDetailService,
        LiveUpdates,
        OpsService,
        JobQueues,
        DemoAccountsSeeder,
      ],
    };
  }
}
