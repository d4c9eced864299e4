import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { DeliveryChannel } from '../rules/rule.types';
import type { Delivery, DeliveryHistoryEntry, DeliveryStatus } from './delivery.types';

interface Row {
  id: string;
  event_id: string;
  event_type: string;
  lead_id: string | null;
  recipient: string;
  channel: DeliveryChannel;
  rule_ids: string[];
  urgent: boolean;
  status: DeliveryStatus;
  subject: string | null;
  body: string;
  not_before: Date | null;
  attempts: number;
  last_error: string | null;
  provider_id: string | null;
  digest_id: string | null;
  created_at: Date;
  updated_at: Date;
  sent_at: Date | null;
}
const toDelivery = (r: Row): Delivery => ({
  id: r.id,
  eventId: r.event_id,
  eventType: r.event_type,
  leadId: r.lead_id,
  recipient: r.recipient,
  channel: r.channel,
  ruleIds: r.rule_ids,
  urgent: r.urgent,
  status: r.status,
  subject: r.subject,
  body: r.body,
  notBefore: r.not_before,
  attempts: Number(r.attempts),
  lastError: r.last_error,
  providerId: r.provider_id,
  digestId: r.digest_id,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  sentAt: r.sent_at,
});

export type NewDelivery = Pick<
  Delivery,
  | 'id'
  | 'eventId'
  | 'eventType'
  | 'leadId'
  | 'recipient'
  | 'channel'
  | 'ruleIds'
  | 'urgent'
  | 'status'
  | 'subject'
  | 'body'
  | 'notBefore'
> & {
  lastError?: string | null;
};

/** The delivery log: one row per (event, recipient, channel) plus its status history. */
@Injectable()
export class DeliveryRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records the intent. UNIQUE (event_id, recipient, channel) makes a second insert for the same triple a no-op:
   * returns false then (the delivery already exists and owns the effect).
   */
  async insert(tx: EntityManager, d: NewDelivery, now: Date): Promise<boolean> {
    const rows: unknown[] = await tx.query(
      `INSERT INTO delivery (id, event_id, event_type, lead_id, recipient, channel, rule_ids, urgent, status, subject, body, not_before, last_error, created_at, updated_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$14)
       ON CONFLICT ON CONSTRAINT delivery_once DO NOTHING RETURNING id`,
      [
        d.id,
        d.eventId,
        d.eventType,
        d.leadId,
        d.recipient,
        d.channel,
        d.ruleIds,
        d.urgent,
        d.status,
        d.subject,
        d.body,
        d.notBefore,
        d.lastError ?? null,
        now,
      ],
    );
    if (!rows.length) return false;
    await this.history(
      tx,
      d.id,
      d.status,
      d.lastError ?? (d.notBefore ? `not before ${d.notBefore.toISOString()} (quiet hours)` : null),
      now,
    );
    return true;
  }

  async history(
    db: DataSource | EntityManager,
    deliveryId: string,
    status: string,
    detail: string | null,
    at: Date,
  ): Promise<void> {
    await db.query(`INSERT INTO delivery_history (delivery_id, status, at, detail) VALUES ($1,$2,$3,$4)`, [
      deliveryId,
      status,
      at,
      detail,
    ]);
  }

  async get(db: DataSource | EntityManager, id: string, lock = false): Promise<Delivery | null> {
    const rows: Row[] = await db.query(`SELECT * FROM delivery WHERE id = $1 ${lock ? 'FOR UPDATE' : ''}`, [id]);
    return rows[0] ? toDelivery(rows[0]) : null;
  }

  async historyOf(id: string): Promise<DeliveryHistoryEntry[]> {
    const rows: Array<{ status: string; at: Date; detail: string | null }> = await this.dataSource.query(
      `SELECT status, at, detail FROM delivery_history WHERE delivery_id = $1 ORDER BY seq`,
      [id],
    );
    return rows;
  }

  async list(f: { leadId?: string; status?: DeliveryStatus; limit: number }): Promise<Delivery[]> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT * FROM delivery WHERE ($1::text IS NULL OR lead_id = $1) AND ($2::text IS NULL OR status = $2) ORDER BY created_at DESC, id LIMIT $3`,
      [f.leadId ?? null, f.status ?? null, f.limit],
    );
    return rows.map(toDelivery);
  }

  /** Moves a delivery to `to` if it is in one of `from`; records history. Returns the row as it was before, or null. */
  async transition(
    tx: EntityManager,
    id: string,
    from: DeliveryStatus[],
    to: DeliveryStatus,
    now: Date,
    o: {
      detail?: string | null;
      providerId?: string | null;
      lastError?: string | null;
      countAttempt?: boolean;
      sent?: boolean;
      notBefore?: Date | null;
      digestId?: string;
    } = {},
  ): Promise<Delivery | null> {
    const before = await this.get(tx, id, true);
    if (!before || !from.includes(before.status)) return null;
    await tx.query(
      `UPDATE delivery SET status = $2, updated_at = $3,
         attempts = attempts + $4,
         provider_id = COALESCE($5, provider_id),
         last_error = CASE WHEN $6::boolean THEN $7 ELSE last_error END,
         sent_at = CASE WHEN $8::boolean THEN $3 ELSE sent_at END,
         not_before = CASE WHEN $9::boolean THEN $10 ELSE not_before END,
         digest_id = COALESCE($11, digest_id)
       WHERE id = $1`,
      [
        id,
        to,
        now,
        o.countAttempt ? 1 : 0,
        o.providerId ?? null,
        o.lastError !== undefined,
        o.lastError ?? null,
        !!o.sent,
        o.notBefore !== undefined,
        o.notBefore ?? null,
        o.digestId ?? null,
      ],
    );
    await this.history(tx, id, to, o.detail ?? o.lastError ?? null, now);
    return before;
  }

  /** Deliveries that should have a live job: PENDING/RETRYING, and SENDING ones left by a dead worker. */
  async open(olderThan: Date, limit = 500): Promise<Delivery[]> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT * FROM delivery WHERE status IN ('PENDING','SENDING','RETRYING') AND updated_at < $1 ORDER BY created_at LIMIT $2`,
      [olderThan, limit],
    );
    return rows.map(toDelivery);
  }
}
