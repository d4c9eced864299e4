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
  /** With status SENT: recorded as already delivered (an inbox item written in the same transaction). */
  providerId?: string | null;
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
    // The intent and its first history row in one statement (one round trip per delivery).
    const rows: unknown[] = await tx.query(
      `WITH ins AS (
         INSERT INTO delivery (id, event_id, event_type, lead_id, recipient, channel, rule_ids, urgent, status, subject, body, not_before, last_error, created_at, updated_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$14)
         ON CONFLICT ON CONSTRAINT delivery_once DO NOTHING RETURNING id
       )
       INSERT INTO delivery_history (delivery_id, status, at, detail) SELECT id, $9, $14, $15 FROM ins
       RETURNING delivery_id`,
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
        d.lastError ?? (d.notBefore ? `not before ${d.notBefore.toISOString()} (quiet hours)` : null),
      ],
    );
    return rows.length > 0;
  }

  /**
   * insert() for the deliveries of a consumer batch in one statement (one round trip however many recipients), each
   * created (and, recorded as SENT, sent) at its own `createdAt`: when its event was handled, as its inbox item. Returns
   * the ids actually inserted (a row whose (event, recipient, channel) already exists is left out).
   */
  async insertMany(tx: EntityManager, ds: Array<NewDelivery & { createdAt: Date }>): Promise<Set<string>> {
    if (!ds.length) return new Set();
    const input = ds.map((d, ord) => ({
      id: d.id,
      event_id: d.eventId,
      event_type: d.eventType,
      lead_id: d.leadId,
      recipient: d.recipient,
      channel: d.channel,
      rule_ids: d.ruleIds,
      urgent: d.urgent,
      status: d.status,
      subject: d.subject,
      body: d.body,
      not_before: d.notBefore,
      last_error: d.lastError ?? null,
      provider_id: d.providerId ?? null,
      created_at: d.createdAt,
      detail:
        d.lastError ??
        (d.notBefore
          ? `not before ${d.notBefore.toISOString()} (quiet hours)`
          : d.status === 'SENT'
            ? 'written in the transaction that recorded the event'
            : null),
      ord,
    }));
    const rows: Array<{ delivery_id: string }> = await tx.query(
      `WITH input AS (
         SELECT * FROM json_to_recordset($1::json) AS x(
           id uuid, event_id uuid, event_type text, lead_id text, recipient text, channel text, rule_ids text[],
           urgent boolean, status text, subject text, body text, not_before timestamptz, last_error text,
           provider_id text, created_at timestamptz, detail text, ord int)
       ), ins AS (
         INSERT INTO delivery (id, event_id, event_type, lead_id, recipient, channel, rule_ids, urgent, status, subject, body, not_before, last_error, provider_id, attempts, sent_at, created_at, updated_at)
         SELECT id, event_id, event_type, lead_id, recipient, channel, rule_ids, urgent, status, subject, body, not_before, last_error, provider_id,
                CASE WHEN status = 'SENT' THEN 1 ELSE 0 END, CASE WHEN status = 'SENT' THEN created_at END, created_at, created_at
         FROM input ORDER BY ord
         ON CONFLICT ON CONSTRAINT delivery_once DO NOTHING RETURNING id
       )
       INSERT INTO delivery_history (delivery_id, status, at, detail)
       SELECT i.id, i.status, i.created_at, i.detail FROM input i JOIN ins ON ins.id = i.id ORDER BY i.ord
       RETURNING delivery_id`,
      [JSON.stringify(input)],
    );
    return new Set(rows.map((r) => r.delivery_id));
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

  /** The newest first by last change (a dead delivery by when it died); `status` any of (delivery_status_idx). */
  async list(f: { leadId?: string; status?: DeliveryStatus[]; limit: number }): Promise<Delivery[]> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT * FROM delivery WHERE ($1::text IS NULL OR lead_id = $1) AND ($2::text[] IS NULL OR status = ANY($2))
        ORDER BY updated_at DESC, id LIMIT $3`,
      [f.leadId ?? null, f.status?.length ? f.status : null, f.limit],
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

  /**
   * The common claim, for many deliveries in one statement (one round trip, one commit): each that is PENDING/RETRYING
   * and due becomes SENDING, its attempt counted and a history row written; the claimed rows come back. A delivery in
   * any other state (SENDING after a crash, not yet due, finished, missing) is not in the result: the caller takes the
   * careful path for it. Rows are locked in id order, so two such statements cannot deadlock each other.
   */
  async claimDue(db: DataSource | EntityManager, ids: string[], now: Date): Promise<Map<string, Delivery>> {
    // Not a prepared statement: a generic plan for `id = ANY($1)` scanned the table (30 ms instead of 0.3).
    const rows: Row[] = await db.query(
      `WITH claimed AS (
         UPDATE delivery SET status = 'SENDING', updated_at = $2, attempts = attempts + 1
         WHERE id IN (SELECT id FROM delivery WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE)
           AND status IN ('PENDING', 'RETRYING') AND (not_before IS NULL OR not_before <= $2)
         RETURNING *
       ), h AS (
         INSERT INTO delivery_history (delivery_id, status, at, detail) SELECT id, 'SENDING', $2, NULL FROM claimed
       )
       SELECT * FROM claimed`,
      [ids, now],
    );
    return new Map(rows.map((r) => [r.id, toDelivery(r)]));
  }

  /**
   * SENDING/UNCERTAIN → SENT with the history rows, for many deliveries in one statement. Returns the ids that were in
   * neither state (nothing changed for them).
   */
  async markSent(
    db: DataSource | EntityManager,
    sent: Array<{ id: string; providerId: string | null }>,
    now: Date,
  ): Promise<Set<string>> {
    const rows: Array<{ delivery_id: string }> = await db.query(
      `WITH input AS (
         SELECT * FROM unnest($1::uuid[], $2::text[]) AS x(id, provider_id)
       ), sent AS (
         UPDATE delivery d SET status = 'SENT', updated_at = $3, sent_at = $3, last_error = NULL,
           provider_id = COALESCE(x.provider_id, d.provider_id)
         FROM input x
         WHERE d.id = x.id AND d.id IN (SELECT id FROM delivery WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE)
           AND d.status IN ('SENDING', 'UNCERTAIN')
         RETURNING d.id
       )
       INSERT INTO delivery_history (delivery_id, status, at, detail) SELECT id, 'SENT', $3, NULL FROM sent
       RETURNING delivery_id`,
      [sent.map((x) => x.id), sent.map((x) => x.providerId), now],
    );
    const done = new Set(rows.map((r) => r.delivery_id));
    return new Set(sent.filter((x) => !done.has(x.id)).map((x) => x.id));
  }

  /** SENDING → RETRYING with the reason and its history row, in one statement (the attempt failed, BullMQ retries). */
  async markRetrying(db: DataSource | EntityManager, id: string, lastError: string, now: Date): Promise<boolean> {
    const rows: unknown[] = await db.query(
      `WITH r AS (
         UPDATE delivery SET status = 'RETRYING', updated_at = $2, last_error = $3 WHERE id = $1 AND status = 'SENDING'
         RETURNING id
       )
       INSERT INTO delivery_history (delivery_id, status, at, detail) SELECT id, 'RETRYING', $2, $3 FROM r
       RETURNING delivery_id`,
      [id, now, lastError],
    );
    return rows.length > 0;
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
