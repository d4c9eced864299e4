import type { DataSource } from 'typeorm';
import { REPLAY_FOR_GROUP_HEADER } from './event-consumer';
import type { KafkaBus } from './kafka-bus';
import { quoteIdent } from './sql-identifier';

export type DeadLetterStatus = 'OPEN' | 'REPLAYED' | 'DISCARDED';

/** A message a consumer group gave up on. */
export interface DeadLetter {
  id: string;
  consumerGroup: string;
  /** Logical topic it was consumed from (the dead-letter topic is `<topic>.dlq`). */
  topic: string;
  partition: number;
  offset: string;
  eventId: string | null;
  key: string | null;
  /** The original Kafka value, byte for byte (as text). */
  value: string | null;
  /** The original Kafka headers. */
  headers: Record<string, string>;
  reason: 'HANDLER_FAILED' | 'INVALID_MESSAGE';
  error: string;
  attempts: number;
  status: DeadLetterStatus;
  createdAt: Date;
  replayedAt: Date | null;
  discardedAt: Date | null;
  discardReason: string | null;
}

/** Thrown when a dead letter does not exist or is no longer OPEN. */
export class DeadLetterNotOpenError extends Error {
  constructor(id: string) {
    super(`dead letter ${id} does not exist or is not OPEN`);
    this.name = 'DeadLetterNotOpenError';
  }
}

interface Row {
  id: string;
  consumer_group: string;
  topic: string;
  kafka_partition: number;
  kafka_offset: string;
  event_id: string | null;
  message_key: string | null;
  message_value: string | null;
  headers: Record<string, string>;
  reason: DeadLetter['reason'];
  error: string;
  attempts: number;
  status: DeadLetterStatus;
  created_at: Date;
  replayed_at: Date | null;
  discarded_at: Date | null;
  discard_reason: string | null;
}

/** Operator access to a service's dead letters: list, inspect, replay after fixing the cause, or discard. */
export class DeadLetterStore {
  private readonly dataSource: DataSource;
  private readonly table: string;
  private readonly bus: KafkaBus;

  constructor(o: { dataSource: DataSource; schema: string; bus: KafkaBus }) {
    this.dataSource = o.dataSource;
    this.table = `${quoteIdent(o.schema)}.dead_letter`;
    this.bus = o.bus;
  }

  async list(q: { status?: DeadLetterStatus; limit?: number } = {}): Promise<DeadLetter[]> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT * FROM ${this.table} WHERE ($1::text IS NULL OR status = $1) ORDER BY created_at, id LIMIT $2`,
      [q.status ?? null, Math.min(Math.max(q.limit ?? 100, 1), 1000)],
    );
    return rows.map(toDeadLetter);
  }

  async get(id: string): Promise<DeadLetter | null> {
    const rows: Row[] = await this.dataSource.query(`SELECT * FROM ${this.table} WHERE id = $1`, [id]);
    return rows[0] ? toDeadLetter(rows[0]) : null;
  }

  /**
   * Re-produces the original message (value, key, headers) to its original topic and marks it REPLAYED, in that
   * order inside one transaction: a failed produce leaves it OPEN. The message carries `replay-for-group` so only the
   * group that failed handles it again; that group's inbox has no row for it (the failed transaction rolled back).
   */
  async replay(id: string): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      const rows: Row[] = await tx.query(`SELECT * FROM ${this.table} WHERE id = $1 AND status = 'OPEN' FOR UPDATE`, [
        id,
      ]);
      const row = rows[0];
      if (!row) throw new DeadLetterNotOpenError(id);
      await this.bus.send([
        {
          topic: row.topic,
          key: row.message_key ?? '',
          value: row.message_value ?? '',
          headers: { ...row.headers, [REPLAY_FOR_GROUP_HEADER]: row.consumer_group, 'replayed-dead-letter-id': row.id },
        },
      ]);
      await tx.query(`UPDATE ${this.table} SET status = 'REPLAYED', replayed_at = now() WHERE id = $1`, [id]);
    });
  }

  /** Marks an OPEN dead letter as deliberately dropped, with the operator's reason. */
  async discard(id: string, reason: string): Promise<void> {
    if (!reason.trim()) throw new Error('a discard needs a reason');
    const res: [unknown[], number] = await this.dataSource.query(
      `UPDATE ${this.table} SET status = 'DISCARDED', discarded_at = now(), discard_reason = $2 WHERE id = $1 AND status = 'OPEN'`,
      [id, reason],
    );
    if (res[1] !== 1) throw new DeadLetterNotOpenError(id);
  }
}

function toDeadLetter(r: Row): DeadLetter {
  return {
    id: r.id,
    consumerGroup: r.consumer_group,
    topic: r.topic,
    partition: r.kafka_partition,
    offset: r.kafka_offset,
    eventId: r.event_id,
    key: r.message_key,
    value: r.message_value,
    headers: r.headers,
    reason: r.reason,
    error: r.error,
    attempts: r.attempts,
    status: r.status,
    createdAt: r.created_at,
    replayedAt: r.replayed_at,
    discardedAt: r.discarded_at,
    discardReason: r.discard_reason,
  };
}
