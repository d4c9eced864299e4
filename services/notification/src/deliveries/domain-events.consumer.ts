import { Injectable } from '@nestjs/common';
import type { Topic } from '@outpost/contracts';
import { HandleEvent, type EventEnvelope } from '@outpost/messaging';
import type { EntityManager } from 'typeorm';
import { RecordNotificationsUseCase } from './record-notifications.usecase';

/**
 * Every domain event (roster changes are handled by RosterConsumer; audit checkpoints are not news for people).
 * Each runs in the consumer's transaction together with its inbox row: a redelivered message has no second effect,
 * and UNIQUE (event_id, recipient, channel) on delivery backs that up.
 */
@Injectable()
export class DomainEventsConsumer {
  constructor(private readonly record: RecordNotificationsUseCase) {}

  private on<T extends Topic>(e: EventEnvelope<T>, tx: EntityManager): Promise<void> {
    return this.record.execute(e as unknown as EventEnvelope<Topic>, tx);
  }

  @HandleEvent('intake.lead-registered.v1') registered(
    e: EventEnvelope<'intake.lead-registered.v1'>,
    tx: EntityManager,
  ) {
    return this.on(e, tx);
  }
  @HandleEvent('intake.lead-linked.v1') linked(e: EventEnvelope<'intake.lead-linked.v1'>, tx: EntityManager) {
    return this.on(e, tx);
  }
  @HandleEvent('intake.evidence-added.v1') evidence(e: EventEnvelope<'intake.evidence-added.v1'>, tx: EntityManager) {
    return this.on(e, tx);
  }
  @HandleEvent('assessment.lead-triaged.v1') triaged(
    e: EventEnvelope<'assessment.lead-triaged.v1'>,
    tx: EntityManager,
  ) {
    return this.on(e, tx);
  }
  @HandleEvent('assessment.lead-assigned.v1') assigned(
    e: EventEnvelope<'assessment.lead-assigned.v1'>,
    tx: EntityManager,
  ) {
    return this.on(e, tx);
  }
  @HandleEvent('assessment.verification-requested.v1') verificationRequested(
    e: EventEnvelope<'assessment.verification-requested.v1'>,
    tx: EntityManager,
  ) {
    return this.on(e, tx);
  }
  @HandleEvent('assessment.verification-answered.v1') verificationAnswered(
    e: EventEnvelope<'assessment.verification-answered.v1'>,
    tx: EntityManager,
  ) {
    return this.on(e, tx);
  }
  @HandleEvent('assessment.opinion-submitted.v1') opinion(
    e: EventEnvelope<'assessment.opinion-submitted.v1'>,
    tx: EntityManager,
  ) {
    return this.on(e, tx);
  }
  @HandleEvent('assessment.lead-decided.v1') decided(
    e: EventEnvelope<'assessment.lead-decided.v1'>,
    tx: EntityManager,
  ) {
    return this.on(e, tx);
  }
  @HandleEvent('assessment.lead-transitioned.v1') transitioned(
    e: EventEnvelope<'assessment.lead-transitioned.v1'>,
    tx: EntityManager,
  ) {
    return this.on(e, tx);
  }
  @HandleEvent('assessment.deadline-reminder.v1') reminder(
    e: EventEnvelope<'assessment.deadline-reminder.v1'>,
    tx: EntityManager,
  ) {
    return this.on(e, tx);
  }
  @HandleEvent('assessment.deadline-breached.v1') breached(
    e: EventEnvelope<'assessment.deadline-breached.v1'>,
    tx: EntityManager,
  ) {
    return this.on(e, tx);
  }
  @HandleEvent('assessment.lead-alerted.v1') alerted(
    e: EventEnvelope<'assessment.lead-alerted.v1'>,
    tx: EntityManager,
  ) {
    return this.on(e, tx);
  }
  @HandleEvent('escalation.case-opened.v1') caseOpened(
    e: EventEnvelope<'escalation.case-opened.v1'>,
    tx: EntityManager,
  ) {
    return this.on(e, tx);
  }
  @HandleEvent('escalation.case-state-changed.v1') caseStateChanged(
    e: EventEnvelope<'escalation.case-state-changed.v1'>,
    tx: EntityManager,
  ) {
    return this.on(e, tx);
  }

  @HandleEvent('escalation.action-recorded.v1') actionRecorded(
    e: EventEnvelope<'escalation.action-recorded.v1'>,
    tx: EntityManager,
  ) {
    return this.on(e, tx);
  }
  @HandleEvent('escalation.reported-upstream.v1') reportedUpstream(
    e: EventEnvelope<'escalation.reported-upstream.v1'>,
    tx: EntityManager,
  ) {
    return this.on(e, tx);
  }
  @HandleEvent('escalation.upstream-acknowledged.v1') upstreamAck(
    e: EventEnvelope<'escalation.upstream-acknowledged.v1'>,
    tx: EntityManager,
  ) {
    return this.on(e, tx);
  }
  @HandleEvent('escalation.deadline-breached.v1') escalationBreached(
    e: EventEnvelope<'escalation.deadline-breached.v1'>,
    tx: EntityManager,
  ) {
    return this.on(e, tx);
  }
  @HandleEvent('escalation.lead-closed.v1') closed(e: EventEnvelope<'escalation.lead-closed.v1'>, tx: EntityManager) {
    return this.on(e, tx);
  }
  @HandleEvent('escalation.lead-reopened.v1') reopened(
    e: EventEnvelope<'escalation.lead-reopened.v1'>,
    tx: EntityManager,
  ) {
    return this.on(e, tx);
  }
  @HandleEvent('notification.delivery-failed.v1') deliveryFailed(
    e: EventEnvelope<'notification.delivery-failed.v1'>,
    tx: EntityManager,
  ) {
    return this.on(e, tx);
  }
}
