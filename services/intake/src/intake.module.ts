import { Module, type DynamicModule } from '@nestjs/common';
import { AuditModule, outboxCheckpointSink } from '@outpost/audit';
import { Outbox } from '@outpost/messaging';
import { Roles, SERVICE_CONFIG } from '@outpost/platform';
import { AfterCommit, FieldCipher, loadEncryptionKey } from '@outpost/platform';
import { IntakeRedis } from './common/redis.provider';
import type { IntakeConfig } from './config/intake.config';
import { EvidenceController } from './evidence/evidence.controller';
import { EVIDENCE_STORE, LocalEvidenceStore } from './evidence/evidence-store';
import { AddEvidenceUseCase } from './evidence/usecases/add-evidence/add-evidence.usecase';
import { GridService } from './grid/grid.service';
import { LeadRepository } from './leads/lead.repository';
import { LeadsController } from './leads/leads.controller';
import { RegisterBatchUseCase } from './leads/usecases/register-batch/register-batch.usecase';
import { RegisterLeadUseCase } from './leads/usecases/register-lead/register-lead.usecase';
import { IndicatorsController } from './screening/indicators.controller';
import { ScreeningService } from './screening/screening.service';
import { ScreeningsController } from './screening/screenings.controller';
import { ScreenRecordsUseCase } from './screening/usecases/screen-records.usecase';
import { DemoSeeder } from './seed/seed-on-start';
import { ReporterFeedbackConsumer } from './reporter-feedback/reporter-feedback.consumer';
import { ReporterFeedbackQueue } from './reporter-feedback/reporter-feedback.queue';
import { ReporterFeedbackRepository } from './reporter-feedback/reporter-feedback.repository';
import { ReporterFeedbackSender } from './reporter-feedback/reporter-feedback.sender';
import { ReporterFeedbackWorker } from './reporter-feedback/reporter-feedback.worker';
import { RecordReporterFeedbackUseCase } from './reporter-feedback/usecases/record-reporter-feedback/record-reporter-feedback.usecase';
import { RateLimiter } from './sources/rate-limiter';
import { SourceAuthGuard } from './sources/source-auth.guard';
import { SourceRepository } from './sources/source.repository';
import { LeadStatusConsumer } from './status/lead-status.consumer';
import { LeadStatusRepository } from './status/lead-status.repository';

/** intake's features: sources and keys, leads, evidence, screening, grid placement, status view, reporter feedback. */
@Module({
  controllers: [LeadsController, EvidenceController, ScreeningsController, IndicatorsController],
  providers: [
    {
      provide: FieldCipher,
      inject: [SERVICE_CONFIG],
      useFactory: (c: IntakeConfig) =>
        new FieldCipher(loadEncryptionKey(c.ENCRYPTION_KEY, c.ENCRYPTION_KEY_FILE, c.NODE_ENV === 'production')),
    },
    {
      provide: EVIDENCE_STORE,
      inject: [SERVICE_CONFIG],
      useFactory: (c: IntakeConfig) => new LocalEvidenceStore(c.EVIDENCE_DIR),
    },
    IntakeRedis,
    RateLimiter,
    SourceRepository,
    SourceAuthGuard,
    GridService,
    ScreeningService,
    ScreenRecordsUseCase,
    LeadRepository,
    RegisterLeadUseCase,
    RegisterBatchUseCase,
    AddEvidenceUseCase,
    LeadStatusRepository,
    LeadStatusConsumer,
    AfterCommit,
    ReporterFeedbackRepository,
    ReporterFeedbackSender,
    ReporterFeedbackWorker,
    ReporterFeedbackQueue,
    RecordReporterFeedbackUseCase,
    ReporterFeedbackConsumer,
    DemoSeeder,
  ],
})
export class IntakeModule {
  static forConfig(config: IntakeConfig): DynamicModule {
    return {
      module: IntakeModule,
      imports: [
        AuditModule.forService({
          service: 'intake',
          schema: config.DATABASE_SCHEMA,
          checkpointSink: { inject: [Outbox], useFactory: (o: Outbox) => outboxCheckpointSink(o) },
          controllerDecorators: [Roles('OPERATOR', 'SUPERVISOR', 'ADMIN')],
          kafkaBrokers: config.KAFKA_BROKERS,
          kafkaTopicPrefix: config.KAFKA_TOPIC_PREFIX,
        }),
      ],
    };
  }
}
