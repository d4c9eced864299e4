import { Injectable } from '@nestjs/common';
import { Outbox, type EventEnvelope } from '@outpost/messaging';
import { Coalescer, fulfilled, preparedQuery } from '@outpost/platform';
import { DataSource, type EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { Delivery } from '../deliveries/delivery.types';
import { parseRecipientKey } from '../rules/rule.types';
import { NOTIFICATION_ACTOR } from '../shared/actors';
import { PermanentChannelError, type Channel, type SendResult } from './channel';

interface NewItem {
  id: string;
  delivery_id: string;
  person_id: string;
  event_id: string;
  event_type: string;
  lead_id: string | null;
  title: string;
  body: string;
  urgent: boolean;
  created_at: Date;
}

/** An inbox item with its notification.inbox-item-added.v1, built (in the causing event's context) and not yet stored. */
export interface InboxWrite {
  item: NewItem;
  event: EventEnvelope;
}

/** What an inbox item is made from: a delivery row, or one being recorded. */
type ItemSource = Pick<
  Delivery,
  'id' | 'recipient' | 'eventId' | 'eventType' | 'leadId' | 'subject' | 'body' | 'urgent' | 'createdAt'
>;

/**
 * The in-app inbox: a stored item per delivery (UNIQUE delivery_id, so a repeated send adds nothing). A new item and its
 * notification.inbox-item-added.v1 (the gateway pushes it live) are written by one statement: the event exists if and
 * only if the item does, and a repeated send publishes nothing again.
 *
 * Normally the item is written by the consumer, in the transaction that records the causing event and the delivery
 * (as SENT): nothing leaves the database, so no job, claim or second commit is needed. The channel's `send` serves
 * deliveries that reach the worker anyway (an operator's replay, rows written before that): concurrent sends share
 * one statement (see Coalescer), one round trip and one commit for the items waiting at that moment.
 */
@Injectable()
export class InboxChannel implements Channel {
  readonly name = 'INBOX' as const;
  private readonly writes = new Coalescer<InboxWrite, string>({
    maxBatch: 100,
    maxInFlight: 1,
    run: async (writes) => (await this.store(this.dataSource, writes)).map((id) => fulfilled(id)),
  });

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
  ) {}

  async send(d: Delivery): Promise<SendResult> {
    const write = this.prepare(d);
    if (!write) throw new PermanentChannelError('inbox items are for people');
    return { providerId: await this.writes.submit(write) };
  }

  /**
   * The item for a delivery and its event, built now; null when the recipient is not a person. `tx`: the consumer's
   * transaction handling the causing event, whose correlation the item's event then carries.
   */
  prepare(d: ItemSource, tx?: EntityManager): InboxWrite | null {
    const r = parseRecipientKey(d.recipient);
    if (r.kind !== 'person') return null;
    const item: NewItem = {
      id: uuidv7(),
      delivery_id: d.id,
      person_id: r.personId,
      event_id: d.eventId,
      event_type: d.eventType,
      lead_id: d.leadId,
      title: d.subject ?? '',
      body: d.body,
      urgent: d.urgent,
      created_at: d.createdAt,
    };
    return { item, event: this.event(item, tx) };
  }

  /**
   * Inserts the items that do not exist yet and the events of exactly those; returns each delivery's item id. With a
   * transaction's EntityManager the rows commit with it (the relay is woken after that commit).
   */
  async store(db: DataSource | EntityManager, writes: InboxWrite[]): Promise<string[]> {
    const items = writes.map((w) => w.item);
    const events = this.outbox.records(writes.map((w) => w.event)).map((e, i) => ({ ...e, item: items[i]!.id }));
    // Items in delivery-id order: two such statements (other instances) take the unique-index locks in one order.
    const rows = await preparedQuery<{ delivery_id: string; id: string }>(
      db,
      `WITH input AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(
           id uuid, delivery_id uuid, person_id text, event_id uuid, event_type text, lead_id text, title text,
           body text, urgent boolean, created_at timestamptz)
       ), ins AS (
         INSERT INTO inbox_item (id, delivery_id, person_id, event_id, event_type, lead_id, title, body, urgent, created_at)
         SELECT id, delivery_id, person_id, event_id, event_type, lead_id, title, body, urgent, created_at
         FROM input ORDER BY delivery_id
         ON CONFLICT (delivery_id) DO NOTHING RETURNING id, delivery_id
       ), ${this.outbox.insertFromJsonSql(
         'ev',
         `(SELECT jsonb_agg(t.e ORDER BY t.n) FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS t(e, n)
           WHERE (t.e->>'item')::uuid IN (SELECT id FROM ins))`,
       )}
       SELECT delivery_id, id FROM ins`,
      [JSON.stringify(items), JSON.stringify(events)],
    );
    if (rows.length) this.outbox.written(db);
    const ids = new Map(rows.map((row) => [row.delivery_id, row.id]));
    // Items that existed already (a repeated send): their id, nothing published again.
    const missing = items.filter((item) => !ids.has(item.delivery_id)).map((item) => item.delivery_id);
    if (missing.length) {
      const existing: Array<{ delivery_id: string; id: string }> = await db.query(
        `SELECT delivery_id, id FROM inbox_item WHERE delivery_id = ANY($1::uuid[])`,
        [missing],
      );
      for (const row of existing) ids.set(row.delivery_id, row.id);
    }
    return items.map((item) => {
      const id = ids.get(item.delivery_id);
      if (!id) throw new Error(`inbox item of delivery ${item.delivery_id} neither inserted nor found`);
      return id;
    });
  }

  private event(item: NewItem, tx?: EntityManager): EventEnvelope<'notification.inbox-item-added.v1'> {
    return this.outbox.build(
      {
        topic: 'notification.inbox-item-added.v1',
        leadId: item.lead_id,
        key: item.lead_id ?? item.id,
        actor: NOTIFICATION_ACTOR,
        payload: {
          itemId: item.id,
          personId: item.person_id,
          eventType: item.event_type,
          leadId: item.lead_id,
          title: item.title,
          urgent: item.urgent,
          createdAt: item.created_at.toISOString(),
        },
      },
      tx,
    );
  }
}
