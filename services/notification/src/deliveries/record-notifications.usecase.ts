import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '@outpost/clock';
import type { Topic } from '@outpost/contracts';
import { Outbox, type EventEnvelope } from '@outpost/messaging';
import { SERVICE_CONFIG } from '@outpost/platform';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { NotificationConfig } from '../config/notification.config';
import { ContactRepository } from '../contacts/contact.repository';
import { LeadRefRepository } from '../leads/lead-ref.repository';
import { planNotifications, type Directory } from '../rules/notification-planner';
import { RuleRepository } from '../rules/rule.repository';
import { recipientKey, type LeadRef } from '../rules/rule.types';
import { AfterCommit } from '../shared/after-commit';
import { NOTIFICATION_ACTOR } from '../shared/actors';
import { renderMessage } from '../templates/templates';
import { WebhookEndpointRepository } from '../webhooks/webhook-endpoint.repository';
import { DeliveryQueues } from './delivery-queues';
import { DeliveryRepository, type NewDelivery } from './delivery.repository';
import { sendNotBefore } from './quiet-hours';
import { webhookBody } from './webhook-payload';

/**
 * For one consumed event, inside the consumer's transaction (which also writes the inbox row): fold the lead's routing
 * facts, evaluate the rules, and record one delivery row per (event, recipient, channel) with its rendered content:
 * the intent exists before anything is sent. Jobs are enqueued only after the commit.
 */
@Injectable()
export class RecordNotificationsUseCase {
  constructor(
    private readonly rules: RuleRepository,
    private readonly contacts: ContactRepository,
    private readonly leads: LeadRefRepository,
    private readonly deliveries: DeliveryRepository,
    private readonly endpoints: WebhookEndpointRepository,
    private readonly queues: DeliveryQueues,
    private readonly afterCommit: AfterCommit,
    private readonly outbox: Outbox,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationConfig,
  ) {}

  async execute(event: EventEnvelope<Topic>, tx: EntityManager): Promise<void> {
    const lead = event.leadId ? await this.leads.merge(tx, event.leadId, leadFacts(event)) : null;
    const rules = await this.rules.forEvent(tx, event.type);
    if (!rules.length) return;
    const dir = await this.contacts.directory(tx);
    const plan = planNotifications(rules, event, lead, dir);
    const now = this.clock.now();
    const reference = lead?.reference ?? event.leadId ?? '—';

    for (const p of plan.deliveries) {
      const base = {
        id: uuidv7(),
        eventId: event.id,
        eventType: event.type,
        leadId: event.leadId,
        recipient: recipientKey(p.recipient),
        channel: p.channel,
        ruleIds: p.ruleIds,
        urgent: p.urgent,
      };
      let row: NewDelivery;
      if (p.recipient.kind === 'source') {
        const hasEndpoint = await this.endpoints.hasActive(tx, p.recipient.sourceId);
        row = {
          ...base,
          subject: null,
          body: webhookBody(event, lead?.reference ?? null),
          notBefore: null,
          status: hasEndpoint ? 'PENDING' : 'SKIPPED',
          lastError: hasEndpoint
            ? null
            : `no active webhook endpoint for source ${p.recipient.sourceId} (configure one, then replay)`,
        };
      } else {
        const locale = personLocale(dir, p.recipient.personId);
        const msg = renderMessage(
          p.channel as 'INBOX' | 'EMAIL' | 'SMS',
          {
            eventType: event.type,
            reference,
            occurredAt: event.occurredAt,
            payload: event.payload as Record<string, unknown>,
          },
          locale,
        );
        const interruptive = p.channel === 'EMAIL' || p.channel === 'SMS';
        row = {
          ...base,
          subject: msg.subject,
          body: msg.body,
          status: p.digest ? 'DIGEST' : 'PENDING',
          notBefore:
            interruptive && !p.digest
              ? sendNotBefore(now, { start: this.config.QUIET_HOURS_START, end: this.config.QUIET_HOURS_END }, p.urgent)
              : null,
        };
      }
      const inserted = await this.deliveries.insert(tx, row, now);
      if (inserted && row.status === 'PENDING') this.afterCommit.defer(tx, () => this.queues.enqueue(row));
    }

    if (plan.reporterFeedback && event.type === 'escalation.lead-closed.v1' && event.leadId) {
      const closed = event.payload as { outcome: string; reporterFeedback: string | null };
      if (closed.reporterFeedback) {
        await this.outbox.add(tx, {
          topic: 'notification.reporter-feedback-requested.v1',
          leadId: event.leadId,
          actor: NOTIFICATION_ACTOR,
          payload: {
            leadId: event.leadId,
            reference: lead?.reference ?? null,
            sourceEventId: event.id,
            outcome: closed.outcome,
            feedback: closed.reporterFeedback,
          },
        });
      }
    }
  }
}

function personLocale(dir: Directory, personId: string): 'zh-CN' | 'en' {
  return dir.person(personId)?.locale ?? 'zh-CN';
}

/** The routing facts an event tells us about its lead. */
function leadFacts(event: EventEnvelope<Topic>): Partial<Omit<LeadRef, 'leadId'>> {
  const p = event.payload as Record<string, unknown>;
  const status = typeof p.status === 'string' ? p.status : undefined;
  switch (event.type) {
    case 'intake.lead-registered.v1': {
      const r = event.payload as EventEnvelope<'intake.lead-registered.v1'>['payload'];
      return {
        reference: r.reference,
        sourceId: r.sourceId,
        sourceChannel: r.sourceChannel,
        streetCode: r.placement.streetCode,
        gridIds: r.placement.gridIds,
        band: r.screening.band,
        filedBy: r.filedBy,
        reporterContactable: !r.reporter.anonymous && r.reporter.contactable,
        status: 'REPORTED',
      };
    }
    case 'assessment.lead-triaged.v1': {
      const t = event.payload as EventEnvelope<'assessment.lead-triaged.v1'>['payload'];
      return { band: t.band, gridIds: t.gridIds, streetCode: t.streetCode ?? undefined, status };
    }
    case 'assessment.lead-assigned.v1': {
      const a = event.payload as EventEnvelope<'assessment.lead-assigned.v1'>['payload'];
      return { assigneeId: a.assigneeId, partnerId: a.partnerId, status };
    }
    case 'intake.lead-linked.v1':
    case 'intake.evidence-added.v1':
    case 'notification.delivery-failed.v1':
      return {};
    default:
      return { status };
  }
}
