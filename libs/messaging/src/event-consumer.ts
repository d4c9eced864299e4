import { deadLetterTopic, type Topic } from '@outpost/contracts';
import type { Consumer, ConsumerConfig, IHeaders, KafkaMessage } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { runWithCorrelation } from './correlation';
import type { EventEnvelope, EventHandler, EventHandlers } from './event-envelope';
import { isInfrastructureError } from './infrastructure-error';
import type { KafkaBus } from './kafka-bus';
import { errorFields, SILENT_LOGGER, type LoggerLike } from './logger';
import { InvalidMessageError, parseEvent } from './parse-event';
import { quoteIdent } from './sql-identifier';

/** Headers the consumer adds to a dead-lettered message (on top of the original ones). */
export const DLQ_HEADERS = {
  error: 'dlq-error',
  reason: 'dlq-reason',
  attempts: 'dlq-attempts',
  originalTopic: 'dlq-original-topic',
  originalPartition: 'dlq-original-partition',
  originalOffset: 'dlq-original-offset',
  consumerGroup: 'dlq-consumer-group',
  failedAt: 'dlq-failed-at',
} as const;

/** A replayed dead letter carries this header: only the named consumer group handles it, every other group skips it. */
export const REPLAY_FOR_GROUP_HEADER = 'replay-for-group';

export interface EventConsumerOptions {
  dataSource: DataSource;
  /** The service's schema holding `inbox` and `dead_letter`. */
  schema: string;
  bus: KafkaBus;
  groupId: string;
  handlers: EventHandlers;
  /** Handler attempts before dead-lettering (default 5). */
  maxAttempts?: number;
  /** Partitions handled concurrently (default 1). Order within a partition is always kept. */
  concurrency?: number;
  /** First retry delay; doubles each attempt (default 200 ms, capped at 30 s). */
  retryBaseMs?: number;
  /** Delay between retries while Postgres/Kafka is unreachable (default 1000 ms, doubling up to 30 s). */
  infraRetryMs?: number;
  logger?: LoggerLike;
  /** Where a brand-new consumer group starts: true (default) so events published before first start are not skipped. */
  fromBeginning?: boolean;
  /** kafkajs group timings (tests shorten them). */
  consumerConfig?: Pick<
    ConsumerConfig,
    'sessionTimeout' | 'heartbeatInterval' | 'rebalanceTimeout' | 'maxWaitTimeInMs'
  >;
}

type Failure = { reason: 'HANDLER_FAILED' | 'INVALID_MESSAGE'; error: unknown; attempts: number };

class ConsumerStoppingError extends Error {
  constructor() {
    super('consumer stopping: message left uncommitted for redelivery');
    this.name = 'ConsumerStoppingError';
  }
}

const MAX_DELAY_MS = 30_000;
const JOIN_WAIT_MS = 30_000;

/**
 * Consumes the handlers' topics in one consumer group, one message at a time per partition (order per lead kept).
 *
 * Each message: validate → one transaction { insert inbox row (group, event id) ON CONFLICT DO NOTHING; if it was new,
 * run the handler } → commit. A redelivered event finds its inbox row and has no second effect. Handler errors are
 * retried with backoff, then dead-lettered (`<topic>.dlq` + dead_letter row) so the partition keeps flowing. Invalid
 * messages are dead-lettered at once. Infrastructure errors never dead-letter: the partition waits (heartbeating) and
 * retries until Postgres/Kafka is back.
 */
export class EventConsumer {
  private readonly o: Required<
    Pick<EventConsumerOptions, 'maxAttempts' | 'retryBaseMs' | 'infraRetryMs' | 'fromBeginning'>
  > &
    EventConsumerOptions;
  private readonly handlers: Map<Topic, EventHandler<Topic>> = new Map();
  private readonly logger: LoggerLike;
  private readonly inbox: string;
  private readonly deadLetters: string;
  private consumer: Consumer | null = null;
  private stopping = false;
  private wakeSleepers = new Set<() => void>();

  constructor(o: EventConsumerOptions) {
    this.o = { maxAttempts: 5, retryBaseMs: 200, infraRetryMs: 1000, fromBeginning: true, ...o };
    this.logger = o.logger ?? SILENT_LOGGER;
    this.inbox = `${quoteIdent(o.schema)}.inbox`;
    this.deadLetters = `${quoteIdent(o.schema)}.dead_letter`;
    for (const [topic, handler] of Object.entries(o.handlers) as Array<[Topic, EventHandler<Topic>]>)
      this.register(topic, handler);
  }

  /** Adds a handler before start() (MessagingModule registers the discovered @HandleEvent methods this way). */
  register<T extends Topic>(topic: T, handler: EventHandler<T>): void {
    if (this.consumer) throw new Error('EventConsumer.register must be called before start()');
    if (this.handlers.has(topic)) throw new Error(`two handlers for ${topic} in consumer group ${this.o.groupId}`);
    this.handlers.set(topic, handler as unknown as EventHandler<Topic>);
  }

  /** Topics this consumer subscribes to (logical names). */
  topics(): Topic[] {
    return [...this.handlers.keys()];
  }

  /** Ensures the topics and their dead-letter topics exist, joins the group and starts consuming. */
  async start(): Promise<void> {
    if (this.consumer) return;
    const topics = this.topics();
    if (!topics.length) {
      this.logger.info({ groupId: this.o.groupId }, 'no event handlers registered: consumer not started');
      return;
    }
    this.stopping = false;
    await this.o.bus.ensureTopics([...topics, ...topics.map(deadLetterTopic)]);
    const consumer = this.o.bus.kafka.consumer({
      groupId: this.o.groupId,
      allowAutoTopicCreation: false,
      // The fetch long-poll bounds how long stop() waits (kafkajs finishes the in-flight fetch): 1 s, not the 5 s default.
      maxWaitTimeInMs: 1000,
      ...this.o.consumerConfig,
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: topics.map((t) => this.o.bus.topic(t)), fromBeginning: this.o.fromBeginning });
    const joined = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.logger.warn(
          { groupId: this.o.groupId },
          `consumer group not joined after ${JOIN_WAIT_MS} ms; continuing in the background`,
        );
        resolve();
      }, JOIN_WAIT_MS);
      const off = consumer.on(consumer.events.GROUP_JOIN, () => {
        clearTimeout(timer);
        off();
        resolve();
      });
    });
    await consumer.run({
      partitionsConsumedConcurrently: this.o.concurrency ?? 1,
      eachMessage: async ({ topic, partition, message, heartbeat }) =>
        this.onMessage(topic, partition, message, heartbeat),
    });
    await joined;
    this.logger.info({ groupId: this.o.groupId, topics }, 'event consumer started');
  }

  /** Stops fetching, lets the message in hand finish (or leaves it uncommitted when it is waiting), leaves the group. */
  async stop(): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) return;
    this.stopping = true;
    for (const wake of this.wakeSleepers) wake();
    await consumer.disconnect();
    this.consumer = null;
  }

  /** Messages not yet committed by this group, per partition of each subscribed topic. */
  async lag(): Promise<Array<{ topic: string; partition: number; lag: number }>> {
    const admin = this.o.bus.adminClient();
    const out: Array<{ topic: string; partition: number; lag: number }> = [];
    const topics = this.topics();
    if (!topics.length) return out;
    const committed = await admin.fetchOffsets({
      groupId: this.o.groupId,
      topics: topics.map((t) => this.o.bus.topic(t)),
    });
    for (const t of topics) {
      const ends = await admin.fetchTopicOffsets(this.o.bus.topic(t));
      const group = committed.find((c) => c.topic === this.o.bus.topic(t));
      for (const p of ends) {
        const c = group?.partitions.find((x) => x.partition === p.partition);
        const from = c && Number(c.offset) >= 0 ? Number(c.offset) : Number(p.low);
        out.push({ topic: t, partition: p.partition, lag: Math.max(0, Number(p.high) - from) });
      }
    }
    return out;
  }

  private async onMessage(
    physicalTopic: string,
    partition: number,
    message: KafkaMessage,
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    const topic = this.o.bus.logicalTopic(physicalTopic) ?? physicalTopic;
    const headers = decodeHeaders(message.headers);
    const replayFor = headers[REPLAY_FOR_GROUP_HEADER];
    if (replayFor !== undefined && replayFor !== this.o.groupId) return; // another group's replay: not ours

    let event: EventEnvelope;
    try {
      event = parseEvent(topic, message.value);
    } catch (err) {
      if (!(err instanceof InvalidMessageError)) throw err;
      this.logger.warn(
        { ...errorFields(err), topic, partition, offset: message.offset },
        'invalid message: dead-lettering',
      );
      await this.deadLetter(
        topic,
        partition,
        message,
        headers,
        { reason: 'INVALID_MESSAGE', error: err, attempts: 0 },
        heartbeat,
      );
      return;
    }
    const handler = this.handlers.get(event.type);
    if (!handler) return;

    let attempts = 0;
    let infraFailures = 0;
    for (;;) {
      if (this.stopping) throw new ConsumerStoppingError();
      try {
        await this.applyOnce(event, handler);
        return;
      } catch (err) {
        if (isInfrastructureError(err)) {
          infraFailures++;
          const delay = Math.min(this.o.infraRetryMs * 2 ** Math.min(infraFailures - 1, 5), MAX_DELAY_MS);
          this.logger.warn(
            { ...errorFields(err), topic, partition, offset: message.offset, retryInMs: delay },
            'infrastructure unavailable; waiting',
          );
          await this.sleep(delay, heartbeat);
          continue;
        }
        attempts++;
        if (attempts >= this.o.maxAttempts) {
          this.logger.error(
            { ...errorFields(err), topic, partition, offset: message.offset, eventId: event.id, attempts },
            'handler failed: dead-lettering',
          );
          await this.deadLetter(
            topic,
            partition,
            message,
            headers,
            { reason: 'HANDLER_FAILED', error: err, attempts },
            heartbeat,
          );
          return;
        }
        const delay = Math.min(this.o.retryBaseMs * 2 ** (attempts - 1), MAX_DELAY_MS);
        this.logger.warn(
          { ...errorFields(err), topic, eventId: event.id, attempts, retryInMs: delay },
          'handler failed; retrying',
        );
        await this.sleep(delay, heartbeat);
      }
    }
  }

  /** The inbox row and the handler's effect commit together, or neither does. */
  private async applyOnce(event: EventEnvelope, handler: EventHandler<Topic>): Promise<void> {
    await this.o.dataSource.transaction(async (tx) => {
      const inserted: unknown[] = await tx.query(
        `INSERT INTO ${this.inbox} (consumer_group, event_id, topic) VALUES ($1, $2, $3)
         ON CONFLICT (consumer_group, event_id) DO NOTHING RETURNING event_id`,
        [this.o.groupId, event.id, event.type],
      );
      if (!inserted.length) {
        this.logger.debug?.({ eventId: event.id, topic: event.type }, 'duplicate event skipped');
        return;
      }
      await runWithCorrelation(
        { correlationId: event.correlationId, traceparent: event.traceparent, causationId: event.id },
        () => handler(event, tx),
      );
    });
  }

  /** Records the failure (idempotently per group+offset) and produces the message to `<topic>.dlq`; waits out outages. */
  private async deadLetter(
    topic: string,
    partition: number,
    message: KafkaMessage,
    headers: Record<string, string>,
    failure: Failure,
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    const errorText = describeError(failure.error);
    const key = message.key?.toString() ?? null;
    const value = message.value?.toString() ?? null;
    let eventId: string | null = null;
    try {
      const parsed = value ? (JSON.parse(value) as { id?: unknown }) : null;
      if (parsed && typeof parsed.id === 'string' && /^[0-9a-f-]{36}$/i.test(parsed.id)) eventId = parsed.id;
    } catch {
      eventId = null; // not JSON: nothing to extract
    }
    let infraFailures = 0;
    for (;;) {
      if (this.stopping) throw new ConsumerStoppingError();
      try {
        await this.o.dataSource.query(
          `INSERT INTO ${this.deadLetters}
             (id, consumer_group, topic, kafka_partition, kafka_offset, event_id, message_key, message_value, headers, reason, error, attempts)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
           ON CONFLICT (consumer_group, topic, kafka_partition, kafka_offset) DO NOTHING`,
          [
            uuidv7(),
            this.o.groupId,
            topic,
            partition,
            message.offset,
            eventId,
            key,
            value,
            JSON.stringify(headers),
            failure.reason,
            errorText,
            failure.attempts,
          ],
        );
        await this.o.bus.send([
          {
            topic: deadLetterTopic(topic),
            key: key ?? '',
            value: value ?? '',
            headers: {
              ...headers,
              [DLQ_HEADERS.error]: errorText.slice(0, 4000),
              [DLQ_HEADERS.reason]: failure.reason,
              [DLQ_HEADERS.attempts]: String(failure.attempts),
              [DLQ_HEADERS.originalTopic]: topic,
              [DLQ_HEADERS.originalPartition]: String(partition),
              [DLQ_HEADERS.originalOffset]: message.offset,
              [DLQ_HEADERS.consumerGroup]: this.o.groupId,
              [DLQ_HEADERS.failedAt]: new Date().toISOString(),
            },
          },
        ]);
        return;
      } catch (err) {
        if (!isInfrastructureError(err)) throw err;
        infraFailures++;
        const delay = Math.min(this.o.infraRetryMs * 2 ** Math.min(infraFailures - 1, 5), MAX_DELAY_MS);
        this.logger.warn(
          { ...errorFields(err), topic, retryInMs: delay },
          'dead-lettering blocked by an outage; waiting',
        );
        await this.sleep(delay, heartbeat);
      }
    }
  }

  /** Waits `ms`, heartbeating so the group does not evict us; a rebalance error propagates (kafkajs rejoins). */
  private async sleep(ms: number, heartbeat: () => Promise<void>): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.stopping && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.wakeSleepers.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(500, Math.max(0, deadline - Date.now())));
        this.wakeSleepers.add(done);
      });
      if (!this.stopping) await heartbeat();
    }
  }
}

function decodeHeaders(h: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) {
    if (v === undefined) continue;
    const first = Array.isArray(v) ? v[0] : v;
    if (first !== undefined) out[k] = first.toString();
  }
  return out;
}

function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
