import { DynamicModule, Module } from '@nestjs/common';
import { AuditModule, outboxCheckpointSink } from '@outpost/audit';
import { CLOCK, SystemClock, type Clock } from '@outpost/clock';
import { MessagingModule, Outbox } from '@outpost/messaging';
import { AfterCommit, PlatformModule, Roles } from '@outpost/platform';
import { CHANNELS } from './channels/channel';
import { EmailChannel } from './channels/email.channel';
import { InboxChannel } from './channels/inbox.channel';
import { SmsChannel } from './channels/sms.channel';
import { WebhookChannel } from './channels/webhook.channel';
import type { NotificationConfig } from './config/notification.config';
import { ContactRepository } from './contacts/contact.repository';
import { RosterConsumer } from './contacts/roster.consumer';
import { notificationEntities } from './database/entities';
import { DeliveriesController } from './deliveries/deliveries.controller';
import { DeliveryQueues } from './deliveries/delivery-queues';
import { DeliveryRepository } from './deliveries/delivery.repository';
import { DeliveryWorker } from './deliveries/delivery.worker';
import { DomainEventsConsumer } from './deliveries/domain-events.consumer';
import { RecordNotificationsUseCase } from './deliveries/record-notifications.usecase';
import { DigestController } from './digest/digest.controller';
import { DigestService } from './digest/digest.service';
import { InboxController } from './inbox/inbox.controller';
import { PreferencesController } from './inbox/preferences.controller';
import { LeadRefRepository } from './leads/lead-ref.repository';
import { RuleRepository } from './rules/rule.repository';
import { RulesController } from './rules/rules.controller';
import { DemoWebhookEndpointsSeeder } from './seed/demo-webhook-endpoints';
import { WebhookEndpointRepository } from './webhooks/webhook-endpoint.repository';
import { WebhookEndpointsController } from './webhooks/webhook-endpoints.controller';

export interface NotificationModuleOptions {
  /** Replaces the system clock (tests drive quiet hours and the digest with a ManualClock). */
  clock?: Clock;
}

@Module({})
export class AppModule {
  static forConfig(config: NotificationConfig, options: NotificationModuleOptions = {}): DynamicModule {
    const schema = config.DATABASE_SCHEMA;
    return {
      module: AppModule,
      imports: [
        PlatformModule.forService({ service: 'notification', config, entities: notificationEntities }),
        // A backlog of events is recorded a fetched batch per transaction (handlers only write rows and defer their
        // BullMQ jobs to after the commit), not one commit per event.
        MessagingModule.forService({
          service: 'notification',
          schema,
          groupId: config.NOTIFICATION_CONSUMER_GROUP,
          batchTransactions: true,
        }),
        AuditModule.forService({
          service: 'notification',
          schema,
          checkpointSink: { inject: [Outbox], useFactory: (o: Outbox) => outboxCheckpointSink(o) },
          controllerDecorators: [Roles('SUPERVISOR', 'OPERATOR', 'ADMIN')],
          kafkaBrokers: config.KAFKA_BROKERS,
          kafkaTopicPrefix: config.KAFKA_TOPIC_PREFIX,
          clock: options.clock ? () => options.clock!.now() : undefined,
        }),
      ],
      controllers: [
        InboxController,
        PreferencesController,
        DeliveriesController,
        RulesController,
        WebhookEndpointsController,
        DigestController,
      ],
      providers: [
        { provide: CLOCK, useValue: options.clock ?? new SystemClock() },
        AfterCommit,
        ContactRepository,
        LeadRefRepository,
        RuleRepository,
        DeliveryRepository,
        WebhookEndpointRepository,
        InboxChannel,
        EmailChannel,
        SmsChannel,
        WebhookChannel,
        {
          provide: CHANNELS,
          inject: [InboxChannel, EmailChannel, SmsChannel, WebhookChannel],
          useFactory: (...channels: Array<InboxChannel | EmailChannel | SmsChannel | WebhookChannel>) => channels,
        },
        DeliveryWorker,
        DeliveryQueues,
        RecordNotificationsUseCase,
        DomainEventsConsumer,
        RosterConsumer,
        DigestService,
        DemoWebhookEndpointsSeeder,
      ],
    };
  }
}
