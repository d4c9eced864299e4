import { envelopeSchema, HEADERS, TOPICS, type ServiceName, type Topic } from '@outpost/contracts';
import { DataSource, type EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { correlationOf } from './correlation';
import type { EventEnvelope, PublishInput } from './event-envelope';
import { markOutboxWrite, outboxCommitted } from './outbox-wake';
import { quoteIdent } from './sql-identifier';

export interface OutboxOptions {
  /** The service's Postgres schema, which holds its `outbox` table. */
  schema: string;
  producer: ServiceName;
  /** Source of `occurredAt` (tests and the simulated clock pass their own). */
  now?: () => Date;
}

/** The Kafka headers every published event carries (the value is the JSON envelope itself). */
export function envelopeHeaders(e: EventEnvelope): Record<string, string> {
  const headers: Record<string, string> = {
    [HEADERS.eventId]: e.id,
    [HEADERS.eventType]: e.type,
    [HEADERS.correlationId]: e.correlationId,
    [HEADERS.producer]: e.producer,
  };
  if (e.traceparent) headers[HEADERS.traceparent] = e.traceparent;
  return headers;
}

/**
 * Writes outgoing events into the service's outbox table inside the caller's transaction, so the event exists if and
 * only if the state change it describes was committed. The relay publishes it later.
 */
export class Outbox {
  private readonly schema: string;
  private readonly table: string;
  private readonly producer: ServiceName;
  private readonly now: () => Date;

  constructor(o: OutboxOptions) {
    this.schema = o.schema;
    this.table = `${quoteIdent(o.schema)}.outbox`;
    this.producer = o.producer;
    this.now = o.now ?? (() => new Date());
  }

  /**
   * Validates the payload against the topic's schema (throws a ZodError on mismatch), builds the envelope and inserts
   * it with `tx`. Returns the envelope; its id (UUID v7) is what consumers deduplicate on.
   */
  async add<T extends Topic>(tx: EntityManager, input: PublishInput<T>): Promise<EventEnvelope<T>> {
    const envelope = this.build(input, tx);
    await tx.query(
      `INSERT INTO ${this.table} (id, topic, key, value, headers) VALUES ($1, $2, $3, $4, $5)`,
      this.rowParams(envelope),
    );
    markOutboxWrite(tx, this.schema);
    return envelope;
  }

  /**
   * Inserts envelopes made with `build` in one statement, with `tx` (for callers that build events as things happen
   * and write them together later in the same transaction).
   */
  async insertMany(tx: EntityManager, envelopes: EventEnvelope[]): Promise<void> {
    if (!envelopes.length) return;
    await tx.query(`WITH ${this.insertFromJsonSql('ev', '$1::jsonb')} SELECT 1`, [
      JSON.stringify(this.records(envelopes)),
    ]);
    markOutboxWrite(tx, this.schema);
  }

  /** After committing a transaction that used `insertFromJsonSql` on a raw pg client: wakes this process's relay at once. */
  committed(): void {
    outboxCommitted(this.schema);
  }

  /**
   * After a statement used `insertFromJsonSql` through `db`: wakes this process's relay once its transaction commits,
   * or at once when it ran outside one (a DataSource, or a manager with no transaction: it has committed already).
   */
  written(db: DataSource | EntityManager): void {
    markOutboxWrite(db instanceof DataSource ? db.manager : db, this.schema);
  }

  /**
   * For hot paths that write events in their own statement (same transaction as the change, as with `add`): a
   * data-modifying CTE `<name>` inserting `build`-ed envelopes read from `json`, an SQL expression yielding a jsonb
   * array of `records` (e.g. a dollar-quoted literal in a simple query, or a parameter).
   */
  insertFromJsonSql(name: string, json: string): string {
    return `${name} AS (
      INSERT INTO ${this.table} (id, topic, key, value, headers)
      SELECT id, topic, key, value, headers FROM jsonb_to_recordset(${json}) AS r(id uuid, topic text, key text, value text, headers jsonb)
    )`;
  }

  /** Envelopes as the records insertFromJsonSql reads. */
  records(envelopes: EventEnvelope[]): Array<Record<string, unknown>> {
    return envelopes.map((e) => ({
      id: e.id,
      topic: e.type,
      key: e.key,
      value: JSON.stringify(e),
      headers: envelopeHeaders(e),
    }));
  }

  /** The 5 parameters of add's INSERT for one envelope. */
  private rowParams(envelope: EventEnvelope): unknown[] {
    return [
      envelope.id,
      envelope.type,
      envelope.key,
      JSON.stringify(envelope),
      JSON.stringify(envelopeHeaders(envelope)),
    ];
  }

  /**
   * Builds and validates the envelope without writing it (Outbox.add uses this). Correlation, causation and trace
   * context come from `input`, else from the context bound to `tx` (bindCorrelation), else the event starts its own.
   */
  build<T extends Topic>(input: PublishInput<T>, tx?: EntityManager): EventEnvelope<T> {
    const spec = TOPICS[input.topic];
    if (!spec) throw new Error(`unknown topic ${String(input.topic)}`);
    if (spec.producer !== null && spec.producer !== this.producer) {
      throw new Error(`${this.producer} may not publish ${input.topic}: it belongs to ${spec.producer}`);
    }
    const key = input.key ?? input.leadId;
    if (!key) throw new Error(`event ${input.topic} needs a leadId or an explicit key`);
    const payload = spec.schema.parse(input.payload);
    const ctx = correlationOf(tx);
    const id = uuidv7();
    const traceparent = input.traceparent ?? ctx?.traceparent;
    const candidate = {
      id,
      type: input.topic,
      version: spec.version,
      occurredAt: this.now().toISOString(),
      producer: this.producer,
      correlationId: input.correlationId ?? ctx?.correlationId ?? id,
      causationId: input.causationId !== undefined ? input.causationId : (ctx?.causationId ?? null),
      actor: input.actor,
      leadId: input.leadId,
      key,
      ...(traceparent ? { traceparent } : {}),
      payload,
    };
    // Catches a bad actor or ids before they reach the wire; the payload was validated above against its own schema.
    envelopeSchema.parse(candidate);
    return candidate as EventEnvelope<T>;
  }
}
