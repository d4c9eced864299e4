import { Injectable } from '@nestjs/common';
import { OnTimer, type TimerRecord } from '@outpost/clock';
import { HandleEvent, type EventEnvelope } from '@outpost/messaging';
import type { EntityManager } from 'typeorm';
import { TIMER_ACTOR } from '../shared/actors';
import { reopenedEvent } from './case-commands';
import { CaseRepository } from './case.repository';
import { CaseWriter } from './case-writer';
import { OpenCaseUseCase, REVISIT_TIMER } from './usecases/open-case.usecase';

/**
 * Kafka side of cases. Each handler runs in the consumer's transaction together with its inbox row, so a redelivered
 * event has no second effect (idempotent case opening).
 */
@Injectable()
export class LeadEventsConsumer {
  constructor(
    private readonly openCase: OpenCaseUseCase,
    private readonly cases: CaseRepository,
    private readonly writer: CaseWriter,
  ) {}

  @HandleEvent('assessment.lead-decided.v1')
  async onDecided(event: EventEnvelope<'assessment.lead-decided.v1'>, tx: EntityManager): Promise<void> {
    await this.openCase.execute(tx, event.payload, event.actor, new Date(event.occurredAt));
  }

  /** Whether a reporter awaits feedback on closure (nothing about who they are). */
  @HandleEvent('intake.lead-registered.v1')
  async onRegistered(event: EventEnvelope<'intake.lead-registered.v1'>, tx: EntityManager): Promise<void> {
    const p = event.payload;
    await this.cases.recordOrigin(tx, {
      leadId: p.leadId,
      reference: p.reference,
      sourceChannel: p.sourceChannel,
      hasReporter: p.sourceChannel === 'PUBLIC_REPORT' || p.reporter.contactable,
      registeredAt: new Date(p.reportedAt),
    });
  }

  /** A new report about a subject with an open lead: it joins the case; a lead under 回头看 goes back to assessment. */
  @HandleEvent('intake.lead-linked.v1')
  async onLinked(event: EventEnvelope<'intake.lead-linked.v1'>, tx: EntityManager): Promise<void> {
    const p = event.payload;
    const c = await this.cases.byLead(tx, p.leadId, true);
    if (!c) return; // still with assessment: it handles linked leads itself
    const at = new Date(event.occurredAt);
    const primary = (await this.cases.leads(tx, c.id)).find((l) => l.leadId === c.primaryLeadId);
    await this.cases.addLead(tx, {
      leadId: p.linkedLeadId,
      caseId: c.id,
      relation: 'LINKED',
      streetCode: primary?.streetCode ?? null,
      gridIds: primary?.gridIds ?? [],
      addedAt: at,
    });
    const newSignal = `新线索 ${p.linkedReference} 关联（第${p.reportCount}次反映）`;
    if (c.state === 'MONITORING') {
      const reason = `回头看期间出现新线索：${newSignal}`;
      await this.writer.apply(tx, c, {
        action: 'reopen',
        actor: event.actor,
        from: c.state,
        to: 'REOPENED',
        reason,
        at,
        events: [reopenedEvent(c.primaryLeadId, c.id, reason, event.actor)],
      });
    } else {
      await this.writer.apply(tx, c, {
        action: 'lead-linked',
        actor: event.actor,
        from: c.state,
        to: c.state,
        reason: newSignal,
        at,
        detail: { linkedLeadId: p.linkedLeadId },
      });
    }
  }

  /** 回头看 due: the lead goes back to assessment. */
  @OnTimer(REVISIT_TIMER)
  async onRevisitDue(timer: TimerRecord, tx: EntityManager): Promise<void> {
    const c = await this.cases.byId(tx, String(timer.payload['caseId']), true);
    if (!c || c.state !== 'MONITORING' || c.cycle !== Number(timer.payload['cycle'])) return;
    const reason = '回头看到期，重新研判';
    await this.writer.apply(tx, c, {
      action: 'revisit-due',
      actor: TIMER_ACTOR,
      from: c.state,
      to: 'REOPENED',
      reason,
      at: timer.fireAt,
      events: [reopenedEvent(c.primaryLeadId, c.id, reason, TIMER_ACTOR)],
    });
  }
}
