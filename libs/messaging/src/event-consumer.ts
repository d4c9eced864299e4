import { deadLetterTopic, type Topic } from '@outpost/contracts';
import { preparedQuery } from '@outpost/platform';
import type { Batch, Consumer, ConsumerConfig, IHeaders, KafkaMessage } from 'kafkajs';
import type { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { BatchEnd, type BatchEndStage, type BatchEnds } from './batch-end';
import { eventCorrelation, withCorrelation } from './correlation';
import type { EventEnvelope, EventHandler, EventHandlers } from './event-envelope';
import { isInfrastructureError } from './infrastructure-error';
import type { KafkaBus } from './kafka-bus';
import { errorFields, SILENT_LOGGER, type LoggerLike } from './logger';
import { InvalidMessageError, parseEvent } from './parse-event';
import { quoteIdent } from './sql-identifier';
import { transactionKey } from './transaction-key';

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
  /**
   * Apply the messages of one fetched batch (one partition) in ONE transaction: an inbox row and the handler's effect
   * per message, one commit for up to `maxBatchSize` of them, offsets resolved only after that commit. Default false
   * (one transaction per message). A handler error rolls the batch back; the messages before it are applied again in
   * their own transaction and the failing one takes the one-at-a-time path (retries, then dead-letter), so a poison
   * message neither fails its neighbours nor changes the order within the partition. Handlers must therefore keep
   * no effects outside the transaction until it commits (after-commit hooks are fine: a rollback drops them). Handlers
   * may share work across the batch: see beforeBatch and atBatchEnd.
   */
  batchTransactions?: boolean;
  /** Most messages per batch transaction (default 200). */
  maxBatchSize?: number;
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

type BatchItem =
  | { kind: 'skip' | 'invalid'; message: KafkaMessage }
  | { kind: 'event'; message: KafkaMessage; event: EventEnvelope; handler: EventHandler<Topic> };

/**
 * null: the run committed; failedAt: that handler failed (all rolled back); hooksFailed: a before-batch hook or a
 * batch-end callback failed (all rolled back).
 */
type BatchOutcome = { failedAt: number; error: unknown } | { hooksFailed: unknown } | null;

/**
 * Sees every new event of a batch transaction before its first handler runs, inside it: to read what they all need in
 * one query. Never runs on the one-message-at-a-time path, so handlers must also work without it.
 */
export type BeforeBatch = (events: EventEnvelope[], tx: EntityManager) => Promise<void>;

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
export class EventConsumer implements BatchEnds {
  private readonly o: Required<
    Pick<EventConsumerOptions, 'maxAttempts' | 'retryBaseMs' | 'infraRetryMs' | 'fromBeginning'>
  > &
    EventConsumerOptions;
  private readonly handlers: Map<Topic, EventHandler<Topic>> = new Map();
  private readonly logger: LoggerLike;
  private readonly inbox: string;
  private readonly deadLetters: string;
  private consumer: Consumer | null = null;
  private readonly beforeBatchHooks: BeforeBatch[] = [];
  /** The batch transactions being applied now (one per partition in hand), by transactionKey. */
  private readonly openBatches = new Map<object, BatchEnd>();
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

  /** Adds a hook run at the start of every batch transaction (batchTransactions only), before start(); any number. */
  beforeBatch(hook: BeforeBatch): void {
    if (this.consumer) throw new Error('EventConsumer.beforeBatch must be called before start()');
    this.beforeBatchHooks.push(hook);
  }

  /**
   * Defers `fn` to the end of the batch transaction `tx` and answers true: it runs after the batch's last handler,
   * inside the transaction, before its commit, so handlers can write what the whole batch produced in one statement
   * (BatchCollector, BatchState). False when `tx` is not one of this consumer's batch transactions (the
   * one-at-a-time path, a request's transaction): nothing is deferred, the caller does the work now.
   *
   * Every pending 'work' callback runs before the next 'write' one (BatchEndStage), each queue in the order deferred,
   * until nothing is pending. They run with no correlation bound to `tx`. One that fails does what a failing
   * before-batch hook does: the batch rolls back and its messages are applied one at a time, where nothing is deferred
   * (an infrastructure error propagates: that path waits the outage out).
   */
  atBatchEnd(tx: EntityManager, fn: () => Promise<void>, stage: BatchEndStage = 'work'): boolean {
    const end = this.openBatches.get(transactionKey(tx));
    end?.defer(fn, stage);
    return end !== undefined;
  }

  /**
   * Runs `fn` with `tx` as one of this consumer's batch transactions: what it defers with atBatchEnd runs when it has
   * returned, still in `tx`. The before-batch hooks do not run (there are no fetched events). For applying several
   * events in one transaction the way a batch does, outside Kafka (tests).
   */
  withBatchEnd<R>(tx: EntityManager, fn: () => Promise<R>): Promise<R> {
    return this.inBatch(tx, fn, (end) => end());
  }

  /** `fn` with `tx` open as a batch transaction, then its batch end (run through `runEnd`), then `tx` closed again. */
  private async inBatch<R>(
    tx: EntityManager,
    fn: () => Promise<R>,
    runEnd: (end: () => Promise<void>) => Promise<void>,
  ): Promise<R> {
    const key = transactionKey(tx);
    if (this.openBatches.has(key)) throw new Error('EventConsumer: this transaction is a batch transaction already');
    const end = new BatchEnd();
    this.openBatches.set(key, end);
    try {
      const result = await fn();
      await runEnd(() => end.run());
      return result;
    } finally {
      this.openBatches.delete(key);
    }
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
    if (this.o.batchTransactions) {
      await consumer.run({
        partitionsConsumedConcurrently: this.o.concurrency ?? 1,
        // Offsets are resolved by onBatch only after the transaction holding their effects has committed.
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) =>
          this.onBatch(batch, resolveOffset, heartbeat, () => isRunning() && !isStale()),
      });
    } else {
      await consumer.run({
        partitionsConsumedConcurrently: this.o.concurrency ?? 1,
        eachMessage: async ({ topic, partition, message, heartbeat }) =>
          this.onMessage(topic, partition, message, heartbeat),
      });
    }
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
    failedInBatch?: unknown,
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
    const where = {
      topic,
      partition,
      message,
      headers,
      eventId: event.id,
      correlationId: event.correlationId,
      heartbeat,
    };
    if (failedInBatch !== undefined) {
      // Its first attempt ran (and failed) inside a batch transaction: it counts, and the backoff follows it.
      attempts = 1;
      if (await this.afterHandlerFailure(failedInBatch, attempts, where)) return;
    }
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
        if (await this.afterHandlerFailure(err, attempts, where)) return;
      }
    }
  }

  /**
   * After the handler's `attempts`-th failed attempt: dead-letters the message once the attempts are used up (true),
   * otherwise logs and waits out the backoff (retryBaseMs doubling per attempt) before the next one (false).
   */
  private async afterHandlerFailure(
    err: unknown,
    attempts: number,
    m: {
      topic: string;
      partition: number;
      message: KafkaMessage;
      headers: Record<string, string>;
      eventId: string;
      correlationId: string;
      heartbeat: () => Promise<void>;
    },
  ): Promise<boolean> {
    const { topic, partition, message, eventId, correlationId, heartbeat } = m;
    if (attempts >= this.o.maxAttempts) {
      this.logger.error(
        { ...errorFields(err), topic, partition, offset: message.offset, eventId, correlationId, attempts },
        'handler failed: dead-lettering',
      );
      await this.deadLetter(
        topic,
        partition,
        message,
        m.headers,
        { reason: 'HANDLER_FAILED', error: err, attempts },
        heartbeat,
      );
      return true;
    }
    const delay = Math.min(this.o.retryBaseMs * 2 ** (attempts - 1), MAX_DELAY_MS);
    this.logger.warn(
      { ...errorFields(err), topic, eventId, correlationId, attempts, retryInMs: delay },
      'handler failed; retrying',
    );
    await this.sleep(delay, heartbeat);
    return false;
  }

  /** The inbox row and the handler's effect commit together, or neither does. */
  private async applyOnce(event: EventEnvelope, handler: EventHandler<Topic>): Promise<void> {
    await this.o.dataSource.transaction(async (tx) => {
      const inserted = await preparedQuery(
        tx,
        `INSERT INTO ${this.inbox} (consumer_group, event_id, topic) VALUES ($1, $2, $3)
         ON CONFLICT (consumer_group, event_id) DO NOTHING RETURNING event_id`,
        [this.o.groupId, event.id, event.type],
      );
      if (!inserted.length) {
        this.logger.debug?.({ eventId: event.id, topic: event.type }, 'duplicate event skipped');
        return;
      }
      await withCorrelation(tx, eventCorrelation(event), () => handler(event, tx));
    });
  }

  /**
   * batchTransactions mode: runs of consecutive applicable messages go through applyBatch (one transaction each);
   * anything else (invalid message, a handler failure, an outage) goes through the one-at-a-time path of onMessage,
   * which owns retries, dead-lettering and waiting out outages. Offsets are resolved strictly in order.
   */
  private async onBatch(
    batch: Batch,
    resolveOffset: (offset: string) => void,
    heartbeat: () => Promise<void>,
    current: () => boolean,
  ): Promise<void> {
    const topic = this.o.bus.logicalTopic(batch.topic) ?? batch.topic;
    const items = batch.messages.map((message) => this.classify(topic, message));
    const max = this.o.maxBatchSize ?? 200;
    let i = 0;
    // After a handler failure: the failing message's index and error (the run before it is applied without it).
    let failed = null as { at: number; error: unknown } | null;
    while (i < items.length) {
      if (this.stopping) throw new ConsumerStoppingError();
      if (!current()) return; // rebalanced or stopping: unresolved messages are fetched again
      const first = items[i]!;
      if (failed?.at === i) {
        // Its first attempt already failed in the batch: the one-at-a-time path continues from there.
        await this.onMessage(batch.topic, batch.partition, first.message, heartbeat, failed.error);
        resolveOffset(first.message.offset);
        i++;
        failed = null;
        continue;
      }
      if (first.kind === 'invalid') {
        await this.onMessage(batch.topic, batch.partition, first.message, heartbeat);
        resolveOffset(first.message.offset);
        i++;
        continue;
      }
      const cap = failed?.at ?? items.length;
      let end = i;
      while (end < cap && end - i < max && items[end]!.kind !== 'invalid') end++;
      const run = items.slice(i, end);
      let outcome: BatchOutcome;
      try {
        outcome = await this.applyBatch(run, heartbeat);
      } catch (err) {
        if (!isInfrastructureError(err)) throw err;
        // Postgres is away: the one-at-a-time path waits it out (heartbeating); batching resumes afterwards.
        await this.onMessage(batch.topic, batch.partition, first.message, heartbeat);
        resolveOffset(first.message.offset);
        i++;
        continue;
      }
      if (outcome && 'hooksFailed' in outcome) {
        this.logger.warn(
          { ...errorFields(outcome.hooksFailed), topic, partition: batch.partition, messages: run.length },
          'batch start or end failed: applying these messages one at a time',
        );
        for (const x of run) {
          if (this.stopping) throw new ConsumerStoppingError();
          if (!current()) return;
          await this.onMessage(batch.topic, batch.partition, x.message, heartbeat);
          resolveOffset(x.message.offset);
        }
        i = end;
        continue;
      }
      if (outcome) {
        failed = { at: i + outcome.failedAt, error: outcome.error };
        continue; // everything was rolled back: the messages before the failing one are applied again without it
      }
      resolveOffset(run[run.length - 1]!.message.offset);
      i = end;
      await heartbeat();
    }
  }

  private classify(topic: string, message: KafkaMessage): BatchItem {
    const replayFor = decodeHeaders(message.headers)[REPLAY_FOR_GROUP_HEADER];
    if (replayFor !== undefined && replayFor !== this.o.groupId) return { kind: 'skip', message };
    let event: EventEnvelope;
    try {
      event = parseEvent(topic, message.value);
    } catch (err) {
      if (!(err instanceof InvalidMessageError)) throw err;
      return { kind: 'invalid', message };
    }
    const handler = this.handlers.get(event.type);
    return handler ? { kind: 'event', message, event, handler } : { kind: 'skip', message };
  }

  /**
   * One transaction for a run of messages: inbox rows for all (a redelivered one is skipped), handlers in order.
   * A handler error rolls everything back and reports which message failed (null = all committed); an
   * infrastructure error propagates.
   */
  /**
   * Heartbeats between events (kafkajs sends one only when heartbeatInterval has passed): a run of a few hundred slow
   * handlers can outlast the session timeout, and a member evicted mid-batch could not commit its offsets — the group
   * rebalanced, the batch was applied again (no second effect, the inbox skips it) and the next batch met the same end.
   */
  private async applyBatch(run: BatchItem[], heartbeat: () => Promise<void>): Promise<BatchOutcome> {
    const events = run.flatMap((x, idx) => (x.kind === 'event' ? [{ ...x, idx }] : []));
    if (!events.length) return null;
    let outcome: BatchOutcome = null;
    const rollback = new Error('batch rolled back after a handler failure');
    try {
      await this.o.dataSource.transaction(async (tx) => {
        const inserted = await preparedQuery<{ event_id: string }>(
          tx,
          `INSERT INTO ${this.inbox} (consumer_group, event_id, topic)
           SELECT $1, e.id, e.topic FROM unnest($2::uuid[], $3::text[]) AS e(id, topic)
           ON CONFLICT (consumer_group, event_id) DO NOTHING RETURNING event_id`,
          [this.o.groupId, events.map((x) => x.event.id), events.map((x) => x.event.type)],
        );
        const fresh = new Set(inserted.map((r) => r.event_id));
        // A second copy of an event within one batch (or one seen before) has no second effect.
        const todo = events.filter((x) => fresh.delete(x.event.id));
        if (todo.length < events.length)
          this.logger.debug?.({ skipped: events.length - todo.length }, 'duplicate events skipped');
        if (!todo.length) return;
        const hook = async (fn: () => Promise<void>): Promise<void> => {
          try {
            await fn();
          } catch (err) {
            if (isInfrastructureError(err)) throw err;
            outcome = { hooksFailed: err };
            throw rollback;
          }
        };
        const newEvents = todo.map((x) => x.event);
        const handleAll = async (): Promise<void> => {
          for (const before of this.beforeBatchHooks) await hook(() => before(newEvents, tx));
          for (const x of todo) {
            await heartbeat();
            try {
              await withCorrelation(tx, eventCorrelation(x.event), () => x.handler(x.event, tx));
            } catch (err) {
              if (isInfrastructureError(err)) throw err;
              outcome = { failedAt: x.idx, error: err };
              throw rollback;
            }
          }
        };
        // A failing batch end counts as a failing hook.
        await this.inBatch(tx, handleAll, hook);
      });
    } catch (err) {
      if (err !== rollback) throw err;
    }
    return outcome;
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
