import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { HandleEvent, type EventEnvelope } from '@outpost/messaging';
import type { LeadStatus } from '@outpost/contracts';
import { LeadStatusRepository } from './lead-status.repository';

type StatusEvent = EventEnvelope & { payload: { leadId: string; status: LeadStatus } };

/**
 * Keeps the status view of each lead current from the later stages' events (assessment, escalation), so a source's
 * GET /v1/leads/{id} shows progress and, once closed, the outcome and the reply for the reporter.
 * Each handler runs in the transaction that records the event in the inbox: a redelivery has no second effect.
 */
@Injectable()
export class LeadStatusConsumer {
  constructor(private readonly status: LeadStatusRepository) {}

  private progress(e: StatusEvent, tx: EntityManager): Promise<void> {
    return this.status.apply(tx, e.payload.leadId, e.payload.status, e.occurredAt);
  }

  @HandleEvent('assessment.lead-triaged.v1')
  onTriaged(e: EventEnvelope<'assessment.lead-triaged.v1'>, tx: EntityManager) {
    return this.progress(e, tx);
  }

  @HandleEvent('assessment.lead-assigned.v1')
  onAssigned(e: EventEnvelope<'assessment.lead-assigned.v1'>, tx: EntityManager) {
    return this.progress(e, tx);
  }

  @HandleEvent('assessment.verification-requested.v1')
  onVerificationRequested(e: EventEnvelope<'assessment.verification-requested.v1'>, tx: EntityManager) {
    return this.progress(e, tx);
  }

  @HandleEvent('assessment.verification-answered.v1')
  onVerificationAnswered(e: EventEnvelope<'assessment.verification-answered.v1'>, tx: EntityManager) {
    return this.progress(e, tx);
  }

  @HandleEvent('assessment.opinion-submitted.v1')
  onOpinion(e: EventEnvelope<'assessment.opinion-submitted.v1'>, tx: EntityManager) {
    return this.progress(e, tx);
  }

  @HandleEvent('assessment.lead-decided.v1')
  onDecided(e: EventEnvelope<'assessment.lead-decided.v1'>, tx: EntityManager) {
    return this.progress(e, tx);
  }

  @HandleEvent('assessment.lead-transitioned.v1')
  onTransitioned(e: EventEnvelope<'assessment.lead-transitioned.v1'>, tx: EntityManager) {
    return this.progress(e, tx);
  }

  @HandleEvent('escalation.case-opened.v1')
  async onCaseOpened(e: EventEnvelope<'escalation.case-opened.v1'>, tx: EntityManager) {
    for (const leadId of new Set([e.payload.leadId, ...e.payload.leadIds]))
      await this.status.apply(tx, leadId, e.payload.status, e.occurredAt);
  }

  @HandleEvent('escalation.action-recorded.v1')
  onActionRecorded(e: EventEnvelope<'escalation.action-recorded.v1'>, tx: EntityManager) {
    return this.progress(e, tx);
  }

  @HandleEvent('escalation.reported-upstream.v1')
  onReportedUpstream(e: EventEnvelope<'escalation.reported-upstream.v1'>, tx: EntityManager) {
    return this.progress(e, tx);
  }

  @HandleEvent('escalation.upstream-acknowledged.v1')
  onUpstreamAcknowledged(e: EventEnvelope<'escalation.upstream-acknowledged.v1'>, tx: EntityManager) {
    return this.progress(e, tx);
  }

  @HandleEvent('escalation.lead-closed.v1')
  onClosed(e: EventEnvelope<'escalation.lead-closed.v1'>, tx: EntityManager) {
    const p = e.payload;
    return this.status.close(tx, p.leadId, p.linkedLeadIds, p.outcome, p.reporterFeedback, e.occurredAt);
  }

  @HandleEvent('escalation.lead-reopened.v1')
  onReopened(e: EventEnvelope<'escalation.lead-reopened.v1'>, tx: EntityManager) {
    return this.status.reopen(tx, e.payload.leadId, e.occurredAt);
  }
}
