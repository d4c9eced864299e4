import { Injectable } from '@nestjs/common';
import { HandleEvent, type EventEnvelope } from '@outpost/messaging';
import type { EntityManager } from 'typeorm';
import { TriageLeadUsecase } from './usecases/triage-lead.usecase';

/** Intake's events, each handled in one transaction with its inbox row (a redelivery has no second effect). */
@Injectable()
export class TriageConsumer {
  constructor(private readonly triage: TriageLeadUsecase) {}

  @HandleEvent('intake.lead-registered.v1')
  async onRegistered(event: EventEnvelope<'intake.lead-registered.v1'>, tx: EntityManager): Promise<void> {
    await this.triage.registered(tx, event.payload);
  }

  @HandleEvent('intake.lead-linked.v1')
  async onLinked(event: EventEnvelope<'intake.lead-linked.v1'>, tx: EntityManager): Promise<void> {
    await this.triage.linked(tx, event.payload);
  }
}
