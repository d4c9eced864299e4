import { Injectable, Logger } from '@nestjs/common';
import { HandleEvent, type EventEnvelope } from '@outpost/messaging';
import type { EntityManager } from 'typeorm';
import { RunCommandUsecase } from './usecases/run-command.usecase';

/** Escalation reopens a closed lead: assessment reopens its decided assessment and routes it again. */
@Injectable()
export class ReopenConsumer {
  private readonly logger = new Logger('ReopenConsumer');

  constructor(private readonly commands: RunCommandUsecase) {}

  @HandleEvent('escalation.lead-reopened.v1')
  async onReopened(event: EventEnvelope<'escalation.lead-reopened.v1'>, tx: EntityManager): Promise<void> {
    const done = await this.commands.reopenFromEscalation(tx, event.payload.leadId, event.payload.reason, event.actor);
    if (!done)
      this.logger.warn(
        { eventId: event.id, correlationId: event.correlationId },
        `lead ${event.payload.leadId} is not decided here; reopen from escalation ignored`,
      );
  }
}
