import { DynamicModule, Module, type Provider } from '@nestjs/common';
import { AuditModule, outboxCheckpointSink } from '@outpost/audit';
import { CLOCK, TimersModule, type Clock } from '@outpost/clock';
import { MessagingModule, Outbox } from '@outpost/messaging';
import { AfterCommit, PlatformModule, Roles } from '@outpost/platform';
import { CallbacksController } from './callbacks/callbacks.controller';
import { CaseCommands } from './cases/case-commands';
import { CaseRepository } from './cases/case.repository';
import { CaseViewService } from './cases/case-view.service';
import { CaseWriter } from './cases/case-writer';
import { CaseStateAnnouncer } from './cases/case-state-announcer';
import { CasesController } from './cases/cases.controller';
import { DispatchesOpsController } from './connectors/dispatches-ops.controller';
import { CommandRunner } from './cases/command-runner.service';
import { LeadEventsConsumer } from './cases/lead-events.consumer';
import { People } from './roster/people';
import { OpenCaseUseCase } from './cases/usecases/open-case.usecase';
import { ClockBreachHandler } from './clocks/clock-breach.handler';
import { LegalClocks } from './clocks/legal-clocks.service';
import type { EscalationConfig } from './config/escalation.config';
import { DispatchService } from './connectors/dispatch.service';
import { escalationEntities } from './database/entities';
import { InvestigationCommands } from './investigation/investigation-commands';
import { ReferralCommands } from './referral/referral-commands';
import { TransactionRunner } from './shared/transaction-runner';

export interface EscalationModuleOptions {
  /** Replaces the system clock (tests drive legal clocks with a ManualClock). */
  clock?: Clock;
}

/** TimersModule with an injected clock: its CLOCK provider is swapped, everything else stays the library's. */
function timersModule(config: EscalationConfig, clock?: Clock): DynamicModule {
  const m = TimersModule.forService({
    schema: config.DATABASE_SCHEMA,
    queueName: config.ESCALATION_TIMERS_QUEUE,
    redisUrl: config.REDIS_URL,
    reconcileIntervalMs: config.TIMER_RECONCILE_INTERVAL_MS,
    autoStart: config.ESCALATION_WORKERS,
  });
  if (!clock) return m;
  const providers = (m.providers ?? []).map((p: Provider) =>
    typeof p === 'object' && 'provide' in p && p.provide === CLOCK ? { provide: CLOCK, useValue: clock } : p,
  );
  return { ...m, providers };
}

@Module({})
export class AppModule {
  static forConfig(config: EscalationConfig, options: EscalationModuleOptions = {}): DynamicModule {
    const schema = config.DATABASE_SCHEMA;
    return {
      module: AppModule,
      imports: [
        PlatformModule.forService({ service: 'escalation', config, entities: escalationEntities }),
        MessagingModule.forService({
          service: 'escalation',
          schema,
          groupId: config.ESCALATION_CONSUMER_GROUP,
          // Handlers touch only this schema; jobs for their rows are enqueued after the commit (AfterCommit): a
          // fetched batch is one transaction, not one commit per event.
          batchTransactions: true,
        }),
        AuditModule.forService({
          service: 'escalation',
          schema,
          checkpointSink: { inject: [Outbox], useFactory: (o: Outbox) => outboxCheckpointSink(o) },
          controllerDecorators: [Roles('OFFICER', 'SUPERVISOR', 'OPERATOR', 'ADMIN')],
          kafkaBrokers: config.KAFKA_BROKERS,
          kafkaTopicPrefix: config.KAFKA_TOPIC_PREFIX,
          clock: options.clock ? () => options.clock!.now() : undefined,
        }),
        timersModule(config, options.clock),
      ],
      controllers: [CasesController, CallbacksController, DispatchesOpsController],
      providers: [
        AfterCommit,
        TransactionRunner,
        CaseRepository,
        CaseWriter,
        CaseStateAnnouncer,
        CaseViewService,
        CaseCommands,
        ReferralCommands,
        InvestigationCommands,
        CommandRunner,
        OpenCaseUseCase,
        LeadEventsConsumer,
        People,
        LegalClocks,
        ClockBreachHandler,
        DispatchService,
      ],
    };
  }
}
