import { Controller, Get, HttpCode, Inject, Param, Post, ServiceUnavailableException } from '@nestjs/common';
import type { AuditCheckpointV1 } from '@outpost/contracts';
import { DataSource } from 'typeorm';
import type { AuditEntry } from '../audit-entry';
import { readCheckpointsFromKafka } from '../audit-checkpoint';
import { AuditLog } from '../audit-log';
import { type VerifyReport, verifyAuditLog } from '../verify-audit-log';
import { AUDIT_OPTIONS, type ResolvedAuditOptions } from './audit-options';
import { CheckpointPublisher } from './checkpoint-publisher.service';

/**
 * Audit endpoints of one service. Authorisation is NOT decided here: AuditModule.forService applies the service's
 * `controllerDecorators` (e.g. `Roles('OPERATOR', 'SUPERVISOR')` from @outpost/platform) to a per-service subclass.
 */
@Controller('v1/audit')
export class AuditController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly publisher: CheckpointPublisher,
    @Inject(AUDIT_OPTIONS) private readonly options: ResolvedAuditOptions,
  ) {}

  /** Verifies every chain, against the newest checkpoints of this service read back from Kafka. */
  @Get('verify')
  async verify(): Promise<VerifyReport> {
    let checkpoints: AuditCheckpointV1[];
    try {
      checkpoints = await readCheckpointsFromKafka({
        brokers: this.options.kafkaBrokers,
        topicPrefix: this.options.kafkaTopicPrefix,
        service: this.options.service,
      });
    } catch (err) {
      // Verifying without the published heads would hide a rewrite: refuse instead of reporting a weaker "ok".
      throw new ServiceUnavailableException(
        `audit checkpoints could not be read from Kafka: ${(err as Error).message}`,
      );
    }
    return verifyAuditLog(this.dataSource, this.audit.schema, checkpoints);
  }

  @Get('leads/:leadId')
  async trail(@Param('leadId') leadId: string): Promise<{ leadId: string; entries: AuditEntry[] }> {
    return { leadId, entries: await this.audit.trail(this.dataSource, leadId) };
  }

  @Post('checkpoints')
  @HttpCode(201)
  async checkpoint(): Promise<AuditCheckpointV1> {
    return this.publisher.publishNow();
  }
}
