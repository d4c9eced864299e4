import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { Delivery } from '../deliveries/delivery.types';
import { parseRecipientKey } from '../rules/rule.types';
import { PermanentChannelError, type Channel, type SendResult } from './channel';

/** The in-app inbox: a stored item per delivery (UNIQUE delivery_id, so a repeated send adds nothing). */
@Injectable()
export class InboxChannel implements Channel {
  readonly name = 'INBOX' as const;

  constructor(private readonly dataSource: DataSource) {}

  async send(d: Delivery): Promise<SendResult> {
    const r = parseRecipientKey(d.recipient);
    if (r.kind !== 'person') throw new PermanentChannelError('inbox items are for people');
    await this.dataSource.query(
      `INSERT INTO inbox_item (id, delivery_id, person_id, event_id, event_type, lead_id, title, body, urgent, created_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT (delivery_id) DO NOTHING`,
      [uuidv7(), d.id, r.personId, d.eventId, d.eventType, d.leadId, d.subject ?? '', d.body, d.urgent, d.createdAt],
    );
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT id FROM inbox_item WHERE delivery_id = $1`,
      [d.id],
    );
    return { providerId: rows[0]?.id };
  }
}
