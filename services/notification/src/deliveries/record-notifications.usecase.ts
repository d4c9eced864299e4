import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { CLOCK, type Clock } from '@outpost/clock';
import type { Topic } from '@outpost/contracts';
import { BatchCollector, BatchState, EventConsumer, Outbox, type EventEnvelope } from '@outpost/messaging';
import { AfterCommit, SERVICE_CONFIG } from '@outpost/platform';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { NotificationConfig } from '../config/notification.config';
import { InboxChannel, type InboxWrite } from '../channels/inbox.channel';
import { ContactRepository } from '../contacts/contact.repository';
import { emptyLeadRef, LeadRefRepository, type FoldedLead } from '../leads/lead-ref.repository';
import { planNotifications, type Directory } from '../rules/notification-planner';
import { RuleRepository } from '../rules/rule.repository';
import { recipientKey, type LeadRef } from '../rules/rule.types';
import { NOTIFICATION_ACTOR } from '../shared/actors';
import { renderMessage } from '../templates/templates';
import { WebhookEndpointRepository } from '../webhooks/webhook-endpoint.repository';
import { DeliveryQueues } from './delivery-queues';
import { DeliveryRepository, type NewDelivery } from './delivery.repository';
import { sendNotBefore } from './quiet-hours';
import { webhookBody } from './webhook-payload';

/** A delivery as recorded: created when its event was handled (its inbox item, if any, carries the same time). */
type RecordedDelivery = NewDelivery & { createdAt: Date };

/** A delivery row and, when it was recorded as SENT to the in-app inbox, its item. */
type Recorded = { row: RecordedDelivery; item: InboxWrite | null };

/** The leads of a batch transaction, as its events have folded them so far (see prefetch). */
interface BatchLeads {
  /** Leads looked up (found or not). */
  known: Set<string>;
  /** touched: an event of the batch merged facts into it (only those are written). */
  leads: Map<string, FoldedLead & { touched: boolean }>;
}

/**
 * For one consumed event, inside the consumer's transaction (which also writes the inbox row): fold the lead's routing
 * facts, evaluate the rules, and record one delivery row per (event, recipient, channel) with its rendered content:
 * the intent exists before anything is sent. Jobs are enqueued only after the commit.
 */
@Injectable()
export class RecordNotificationsUseCase implements OnModuleInit {
  /** Reads made once per transaction (see perTx). */
  private readonly perTxReads = new WeakMap<EntityManager, Map<string, Promise<unknown>>>();
  /** In a batch transaction: its leads, folded in memory and written at its end (see prefetch). */
  private readonly batchLeads: BatchState<BatchLeads>;
  /** In a batch transaction: its deliveries, written at its end after its leads (one at a time: at once). */
  private readonly recorded: BatchCollector<Recorded>;

  constructor(
    private readonly rules: RuleRepository,
    private readonly contacts: ContactRepository,
    private readonly leads: LeadRefRepository,
    private readonly deliveries: DeliveryRepository,
    private readonly endpoints: WebhookEndpointRepository,
    private readonly queues: DeliveryQueues,
    private readonly inbox: InboxChannel,
    private readonly afterCommit: AfterCommit,
    private readonly outbox: Outbox,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationConfig,
    private readonly consumer: EventConsumer,
  ) {
    this.batchLeads = new BatchState(consumer, {
      start: () => ({ known: new Set(), leads: new Map() }),
      end: (tx, batch) =>
        this.leads.writeMany(
          tx,
          [...batch.leads.values()].filter((f) => f.touched),
        ),
    });
    this.recorded = new BatchCollector(consumer, (tx, recorded) => this.insertDeliveries(tx, recorded));
  }

  /** A fetched batch is one transaction (batchTransactions): its leads are read and its rows written once for all. */
  onModuleInit(): void {
    this.consumer.beforeBatch((events, tx) => this.prefetch(events, tx));
  }

  /**
   * The roster, the rules of an event type and whether a source has a webhook endpoint are read once per transaction:
   * the consumer may apply a whole fetched batch of events in one transaction, and these change through other
   * transactions (roster events arrive on their own topics, rules and endpoints through the API), so one read serves
   * every event of the batch; a change applies from the next transaction on.
   */
  private perTx<T>(tx: EntityManager, key: string, read: () => Promise<T>): Promise<T> {
    let reads = this.perTxReads.get(tx);
    if (!reads) {
      reads = new Map();
      this.perTxReads.set(tx, reads);
    }
    let value = reads.get(key) as Promise<T> | undefined;
    if (!value) {
      value = read();
      reads.set(key, value);
    }
    return value;
  }

  /**
   * Before-batch hook (EventConsumer batchTransactions): reads the leads of every event of the batch in one query;
   * execute() then folds each event's facts in memory, in order, and collects the delivery rows, and the batch's end
   * writes them all (leads in two statements, deliveries in one) before the same commit. Same rows as one execute() at
   * a time.
   */
  private async prefetch(events: EventEnvelope[], tx: EntityManager): Promise<void> {
    const batch = this.batchLeads.of(tx);
    if (!batch) return;
    const ids = [...new Set(events.flatMap((e) => (e.leadId ? [e.leadId] : [])))];
    const found = await this.leads.getMany(tx, ids);
    for (const id of ids) batch.known.add(id);
    for (const [id, lead] of found) batch.leads.set(id, { lead, changed: new Set(), touched: false });
  }

  /** Delivery rows, the inbox items of those recorded as SENT, and (after the commit) the jobs of the PENDING ones. */
  private async insertDeliveries(tx: EntityManager, recorded: Recorded[]): Promise<void> {
    const rows = recorded.map((r) => r.row);
    const inserted = await this.deliveries.insertMany(tx, rows);
    // A redelivered event's rows exist already (delivery_once): nothing new, and no second item.
    const fresh = recorded.flatMap((r) => (r.item && inserted.has(r.item.item.delivery_id) ? [r.item] : []));
    if (fresh.length) await this.inbox.store(tx, fresh);
    for (const row of rows)
      if (inserted.has(row.id) && row.status === 'PENDING')
        this.afterCommit.defer(tx, () => this.queues.enqueueNew(row));
  }

  /** merge() in memory for a batch: the same fields set, the same resulting row. */
  private async fold(
    tx: EntityManager,
    batch: BatchLeads,
    leadId: string,
    event: EventEnvelope<Topic>,
  ): Promise<LeadRef> {
    if (!batch.known.has(leadId)) {
      // Not read by prefetch (a batch without before-batch hooks, e.g. EventConsumer.withBatchEnd): read it now.
      batch.known.add(leadId);
      const existing = await this.leads.get(tx, leadId);
      if (existing) batch.leads.set(leadId, { lead: existing, changed: new Set(), touched: false });
    }
    let f = batch.leads.get(leadId);
    if (!f) {
      f = { lead: emptyLeadRef(leadId), changed: new Set(), touched: false };
      batch.leads.set(leadId, f);
    }
    f.touched = true;
    const patch = leadFacts(event);
    for (const key of Object.keys(patch) as Array<keyof typeof patch>) {
      if (patch[key] === undefined) continue;
      (f.lead as unknown as Record<string, unknown>)[key] = patch[key];
      f.changed.add(key);
    }
    return { ...f.lead, gridIds: [...f.lead.gridIds] };
  }

  async execute(event: EventEnvelope<Topic>, tx: EntityManager): Promise<void> {
    const batch = this.batchLeads.of(tx);
    const lead = !event.leadId
      ? null
      : batch
        ? await this.fold(tx, batch, event.leadId, event)
        : await this.leads.merge(tx, event.leadId, leadFacts(event));
    const rules = await this.perTx(tx, `rules:${event.type}`, () => this.rules.forEvent(tx, event.type));
    if (!rules.length) return;
    const dir = await this.perTx(tx, 'directory', () => this.contacts.directory(tx));
    const plan = planNotifications(rules, event, lead, dir);
    const now = this.clock.now();
    const reference = lead?.reference ?? event.leadId ?? '—';

    const recorded: Recorded[] = [];
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
        createdAt: now,
      };
      let row: RecordedDelivery;
      if (p.recipient.kind === 'source') {
        const sourceId = p.recipient.sourceId;
        const hasEndpoint = await this.perTx(tx, `endpoint:${sourceId}`, () => this.endpoints.hasActive(tx, sourceId));
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
      let item: InboxWrite | null = null;
      if (row.channel === 'INBOX' && row.status === 'PENDING') {
        // In-app: the item is written with this transaction (its event carries the handled event's correlation), the
        // delivery SENT.
        item = this.inbox.prepare(row, tx);
        if (item) row = { ...row, status: 'SENT', providerId: item.item.id };
      }
      recorded.push({ row, item });
    }
    await this.recorded.add(tx, ...recorded);

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
      return {
        reference: t.reference ?? undefined,
        band: t.band,
        gridIds: t.gridIds,
        streetCode: t.streetCode ?? undefined,
        status,
      };
    }
    case 'assessment.lead-assigned.v1': {
      const a = event.payload as EventEnvelope<'assessment.lead-assigned.v1'>['payload'];
      return { reference: a.reference ?? undefined, assigneeId: a.assigneeId, partnerId: a.partnerId, status };
    }
    case 'assessment.lead-alerted.v1': {
      const a = event.payload as EventEnvelope<'assessment.lead-alerted.v1'>['payload'];
      return { reference: a.reference ?? undefined, status };
    }
    case 'intake.lead-linked.v1':
    case 'intake.evidence-added.v1':
    case 'notification.delivery-failed.v1':
      return {};
    default:
      return { status };
  }
}
