import { Injectable } from '@nestjs/common';
import { Outbox } from '@outpost/messaging';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { Delivery } from '../deliveries/delivery.types';
import { parseRecipientKey } from '../rules/rule.types';
import { NOTIFICATION_ACTOR } from '../shared/actors';
import { PermanentChannelError, type Channel, type SendResult } from './channel';

interface InsertedItem {
  id: string;
  created_at: Date;
}

/**
 * The in-app inbox: a stored item per delivery (UNIQUE delivery_id, so a repeated send adds nothing). A new item and its
 * notification.inbox-item-added.v1 (the gateway pushes it live) are written in one transaction: the event exists if and
 * only if the item does, and a repeated send publishes nothing again.
 */
@Injectable()
export class InboxChannel implements Channel {
  readonly name = 'INBOX' as const;

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
  ) {}

  async send(d: Delivery): Promise<SendResult> {
    const r = parseRecipientKey(d.recipient);
    if (r.kind !== 'person') throw new PermanentChannelError('inbox items are for people');
    return this.dataSource.transaction(async (tx) => {
      const title = d.subject ?? '';
      const inserted: InsertedItem[] = await tx.query(
        `INSERT INTO inbox_item (id, delivery_id, person_id, event_id, event_type, lead_id, title, body, urgent, created_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT (delivery_id) DO NOTHING RETURNING id, created_at`,
        [uuidv7(), d.id, r.personId, d.eventId, d.eventType, d.leadId, title, d.body, d.urgent, d.createdAt],
      );
      const item = inserted[0];
      if (!item) {
        const rows: Array<{ id: string }> = await tx.query(`SELECT id FROM inbox_item WHERE delivery_id = $1`, [d.id]);
        return { providerId: rows[0]?.id };
      }
      await this.outbox.add(tx, {
        topic: 'notification.inbox-item-added.v1',
        leadId: d.leadId,
        key: d.leadId ?? item.id,
        actor: NOTIFICATION_ACTOR,
        payload: {
          itemId: item.id,
          personId: r.personId,
          eventType: d.eventType,
          leadId: d.leadId,
          title,
          urgent: d.urgent,
          createdAt: new Date(item.created_at).toISOString(),
        },
      });
      return { providerId: item.id };
    });
  }
}
