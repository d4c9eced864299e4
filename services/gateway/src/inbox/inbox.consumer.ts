import { Injectable } from '@nestjs/common';
import type { InboxItemAddedV1 } from '@outpost/contracts';
import { BatchCollector, EventConsumer, HandleEvent, type EventEnvelope } from '@outpost/messaging';
import type { EntityManager } from 'typeorm';

/** NOTIFY channel: a new inbox item (small JSON, see InboxPush), delivered at commit to every gateway instance. */
export const INBOX_ADDED_CHANNEL = 'gateway_inbox_added';

/** What the SSE stream sends as `event: inbox` (the item's list fields; the body stays with notification). */
export type InboxPush = InboxItemAddedV1;

/** NOTIFY payloads are limited to 8000 bytes: a title longer than this is cut (the inbox list has the full one). */
const MAX_TITLE = 1000;

/**
 * notification.inbox-item-added.v1 → NOTIFY in the consumer's inbox transaction: the push leaves only if the event is
 * recorded as handled, and a redelivered event (deduplicated by the inbox) pushes nothing again. The gateway keeps no
 * copy of anyone's inbox: the list is read from notification.
 *
 * In a consumer batch (one transaction for a fetched batch) the pushes are collected and sent by one statement at the
 * end of the batch, in event order (BatchCollector): a bench lead brings ~5 items, each its own round trip before.
 */
@Injectable()
export class InboxConsumer {
  private readonly pushes: BatchCollector<string>;

  constructor(consumer: EventConsumer) {
    this.pushes = new BatchCollector(consumer, notify);
  }

  @HandleEvent('notification.inbox-item-added.v1')
  async onItemAdded(e: EventEnvelope<'notification.inbox-item-added.v1'>, tx: EntityManager): Promise<void> {
    const p = e.payload;
    const push: InboxPush = {
      itemId: p.itemId,
      personId: p.personId,
      eventType: p.eventType,
      leadId: p.leadId,
      title: p.title.length > MAX_TITLE ? `${p.title.slice(0, MAX_TITLE - 1)}…` : p.title,
      urgent: p.urgent,
      createdAt: p.createdAt,
    };
    await this.pushes.add(tx, JSON.stringify(push));
  }
}

/** One NOTIFY per payload, in the given order, by one statement (queued in the transaction, delivered at commit). */
async function notify(tx: EntityManager, payloads: string[]): Promise<void> {
  await tx.query(
    `SELECT pg_notify($1, p.payload) FROM unnest($2::text[]) WITH ORDINALITY AS p(payload, n) ORDER BY p.n`,
    [INBOX_ADDED_CHANNEL, payloads],
  );
}
