import { Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import type { FeedbackChannel } from './reporter-contact';

export type FeedbackStatus = 'PENDING' | 'SENT' | 'DEAD';

/** One message to one reporter. Holds no contact details: they are decrypted from the lead row at send time. */
export interface ReporterFeedback {
  id: string;
  leadId: string;
  sourceEventId: string;
  channel: FeedbackChannel;
  status: FeedbackStatus;
  message: string;
  attempts: number;
  lastError: string | null;
  providerId: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

/** What the sender needs of the lead: its public reference and the sealed reporter identity. */
export interface LeadContact {
  id: string;
  reference: string;
  reporterAnonymous: boolean;
  reporterSealed: string | null;
}

interface Row {
  id: string;
  lead_id: string;
  source_event_id: string;
  channel: FeedbackChannel;
  status: FeedbackStatus;
  message: string;
  attempts: number;
  last_error: string | null;
  provider_id: string | null;
  created_at: Date;
  sent_at: Date | null;
}

const toFeedback = (r: Row): ReporterFeedback => ({
  id: r.id,
  leadId: r.lead_id,
  sourceEventId: r.source_event_id,
  channel: r.channel,
  status: r.status,
  message: r.message,
  attempts: r.attempts,
  lastError: r.last_error,
  providerId: r.provider_id,
  createdAt: r.created_at,
  sentAt: r.sent_at,
});

type Db = DataSource | EntityManager;

@Injectable()
export class ReporterFeedbackRepository {
  async leadContact(db: Db, leadId: string): Promise<LeadContact | null> {
    const rows = (await db.query(`SELECT id, reference, reporter_anonymous, reporter_sealed FROM lead WHERE id = $1`, [
      leadId,
    ])) as Array<{ id: string; reference: string; reporter_anonymous: boolean; reporter_sealed: string | null }>;
    const r = rows[0];
    return r
      ? { id: r.id, reference: r.reference, reporterAnonymous: r.reporter_anonymous, reporterSealed: r.reporter_sealed }
      : null;
  }

  /** Records the intent; false when this (event, channel) already has a row (a repeated request). */
  async insert(
    tx: EntityManager,
    f: { id: string; leadId: string; sourceEventId: string; channel: FeedbackChannel; message: string },
  ): Promise<boolean> {
    const rows = (await tx.query(
      `INSERT INTO reporter_feedback (id, lead_id, source_event_id, channel, message) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT ON CONSTRAINT reporter_feedback_event_channel_key DO NOTHING RETURNING id`,
      [f.id, f.leadId, f.sourceEventId, f.channel, f.message],
    )) as unknown[];
    return rows.length === 1;
  }

  async get(db: Db, id: string, forUpdate = false): Promise<ReporterFeedback | null> {
    const rows = (await db.query(`SELECT * FROM reporter_feedback WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [
      id,
    ])) as Row[];
    return rows[0] ? toFeedback(rows[0]) : null;
  }

  /** PENDING rows (for the reconciler), oldest first. */
  async pendingIds(db: Db, limit = 1000): Promise<string[]> {
    const rows = (await db.query(
      `SELECT id FROM reporter_feedback WHERE status = 'PENDING' ORDER BY created_at LIMIT $1`,
      [limit],
    )) as Array<{ id: string }>;
    return rows.map((r) => r.id);
  }

  /** Counts an attempt before the provider is called (committed on its own), so attempts never under-report. */
  async countAttempt(db: Db, id: string): Promise<number | null> {
    const rows = (await db.query(
      `UPDATE reporter_feedback SET attempts = attempts + 1 WHERE id = $1 AND status = 'PENDING' RETURNING attempts`,
      [id],
    )) as [Array<{ attempts: number }>, number];
    return rows[0][0]?.attempts ?? null;
  }

  async recordError(db: Db, id: string, error: string): Promise<void> {
    await db.query(`UPDATE reporter_feedback SET last_error = $2 WHERE id = $1 AND status = 'PENDING'`, [id, error]);
  }

  /** PENDING → SENT, and the status view learns the reporter was told; false when the row was no longer PENDING. */
  async markSent(tx: EntityManager, id: string, providerId: string | null, at: Date): Promise<boolean> {
    const [rows] = (await tx.query(
      `UPDATE reporter_feedback SET status = 'SENT', provider_id = $2, sent_at = $3, last_error = NULL
        WHERE id = $1 AND status = 'PENDING' RETURNING lead_id`,
      [id, providerId, at],
    )) as [Array<{ lead_id: string }>, number];
    if (!rows[0]) return false;
    await tx.query(`UPDATE lead_status SET reporter_notified_at = $2 WHERE lead_id = $1`, [rows[0].lead_id, at]);
    return true;
  }

  /** PENDING → DEAD with the reason; false when the row was no longer PENDING. */
  async markDead(tx: EntityManager, id: string, reason: string): Promise<boolean> {
    const rows = (await tx.query(
      `UPDATE reporter_feedback SET status = 'DEAD', last_error = $2 WHERE id = $1 AND status = 'PENDING' RETURNING id`,
      [id, reason],
    )) as [unknown[], number];
    return rows[1] === 1;
  }
}
