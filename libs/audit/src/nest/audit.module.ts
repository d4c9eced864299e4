import { type DynamicModule, type InjectionToken, Module, type ModuleMetadata, type Type } from '@nestjs/common';
import type { ServiceName } from '@outpost/contracts';
import { Outbox } from '@outpost/messaging';
import { AuditLog } from '../audit-log';
import { loadAuditConfig } from './audit-config';
import { AuditController } from './audit.controller';
import { AUDIT_OPTIONS, type ResolvedAuditOptions } from './audit-options';
import { CheckpointPublisher } from './checkpoint-publisher.service';
import { AUDIT_CHECKPOINT_SINK, type CheckpointSink, outboxCheckpointSink } from './checkpoint-sink';

export interface AuditModuleOptions {
  service: ServiceName;
  schema: string;
  /**
   * Where checkpoints are written. Default: the transactional Outbox of @outpost/messaging, injected by class
   * (MessagingModule.forService is global). Pass your own for tests or another transport.
   */
  checkpointSink?: {
    inject?: InjectionToken[];
    useFactory: (...deps: never[]) => CheckpointSink | Promise<CheckpointSink>;
  };
  imports?: ModuleMetadata['imports'];
  /**
   * AUTH HOOK: decorators applied to this service's audit controller, e.g. `[Roles('OPERATOR', 'SUPERVISOR')]` from
   * @outpost/platform (its global guard reads the metadata). The audit lib deliberately has no auth of its own.
   */
  controllerDecorators?: ClassDecorator[];
  /** Overrides of AUDIT_CHECKPOINT_INTERVAL_MS / KAFKA_BROKERS / KAFKA_TOPIC_PREFIX (default: read from env at boot). */
  checkpointIntervalMs?: number;
  kafkaBrokers?: string[];
  kafkaTopicPrefix?: string;
  clock?: () => Date;
}

/**
 * The audit log of one service: provides (and exports) AuditLog, the /v1/audit controller and the periodic checkpoint
 * publisher. Needs a TypeORM DataSource in the app (PlatformModule provides it).
 */
@Module({})
export class AuditModule {
  static forService(o: AuditModuleOptions): DynamicModule {
    const env = loadAuditConfig();
    const resolved: ResolvedAuditOptions = {
      service: o.service,
      schema: o.schema,
      checkpointIntervalMs: o.checkpointIntervalMs ?? env.checkpointIntervalMs,
      kafkaBrokers: o.kafkaBrokers ?? env.kafkaBrokers,
      kafkaTopicPrefix: o.kafkaTopicPrefix ?? env.kafkaTopicPrefix,
    };
    // A subclass per service, so its decorators (auth) never leak into another module instance.
    class ServiceAuditController extends AuditController {}
    Reflect.decorate(o.controllerDecorators ?? [], ServiceAuditController);
    return {
      module: AuditModule,
      imports: o.imports ?? [],
      controllers: [ServiceAuditController as Type<AuditController>],
      providers: [
        { provide: AUDIT_OPTIONS, useValue: resolved },
        { provide: AuditLog, useFactory: () => new AuditLog({ schema: o.schema, clock: o.clock }) },
        o.checkpointSink
          ? {
              provide: AUDIT_CHECKPOINT_SINK,
              inject: o.checkpointSink.inject ?? [],
              useFactory: o.checkpointSink.useFactory,
            }
          : {
              provide: AUDIT_CHECKPOINT_SINK,
              inject: [Outbox],
              useFactory: (outbox: Outbox) => outboxCheckpointSink(outbox),
            },
        CheckpointPublisher,
      ],
      exports: [AuditLog, CheckpointPublisher],
    };
  }
}
