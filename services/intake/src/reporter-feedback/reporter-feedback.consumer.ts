import { Injectable } from '@nestjs/common';
import { HandleEvent, type EventEnvelope } from '@outpost/messaging';
import type { EntityManager } from 'typeorm';
import { RecordReporterFeedbackUseCase } from './usecases/record-reporter-feedback/record-reporter-feedback.usecase';

/**
 * notification decides THAT a contactable reporter should hear the outcome; intake, which alone holds the sealed
 * contact, records and sends it. Runs in the transaction that writes the inbox row: a redelivery has no second effect.
 */
@Injectable()
export class ReporterFeedbackConsumer {
  constructor(private readonly record: RecordReporterFeedbackUseCase) {}

  @HandleEvent('notification.reporter-feedback-requested.v1')
  onFeedbackRequested(e: EventEnvelope<'notification.reporter-feedback-requested.v1'>, tx: EntityManager) {
    return this.record.execute(e, tx);
  }
}
