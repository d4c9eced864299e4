import { Kafka, logLevel, Partitioners, type Admin, type LogEntry, type Producer } from 'kafkajs';
import { SILENT_LOGGER, type LoggerLike } from './logger';

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  /** Prepended to every topic name (tests use a unique one so reruns never see old messages). */
  topicPrefix?: string;
  logger?: LoggerLike;
  /** kafkajs' own log level (default WARN); its entries go to `logger`. */
  kafkaLogLevel?: logLevel;
}

export interface BusMessage {
  /** Logical topic name (without prefix). */
  topic: string;
  key: string;
  value: string;
  headers?: Record<string, string>;
}

const DEFAULT_PARTITIONS = 3;

/**
 * The one Kafka client of a service: a producer (acks=all, one request in flight so a retried request cannot overtake
 * the next one) and an admin client. Every public method takes logical topic names and applies the prefix itself.
 */
export class KafkaBus {
  /** Raw kafkajs client, for consumers and admin work inside this library. */
  readonly kafka: Kafka;
  private readonly prefix: string;
  private readonly logger: LoggerLike;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private connected: Promise<void> | null = null;

  constructor(o: KafkaBusOptions) {
    this.prefix = o.topicPrefix ?? '';
    this.logger = o.logger ?? SILENT_LOGGER;
    const logger = this.logger;
    this.kafka = new Kafka({
      brokers: o.brokers,
      clientId: o.clientId,
      logLevel: o.kafkaLogLevel ?? logLevel.WARN,
      logCreator: () => (entry: LogEntry) => forwardKafkaLog(logger, entry),
    });
    this.producer = this.kafka.producer({
      // The Java-compatible murmur2 partitioner: the same key lands on the same partition whatever client produced it.
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
      maxInFlightRequests: 1,
    });
    this.admin = this.kafka.admin();
  }

  /** Connects the producer and admin client; idempotent. */
  connect(): Promise<void> {
    this.connected ??= Promise.all([this.producer.connect(), this.admin.connect()]).then(() => undefined);
    return this.connected.catch((err: unknown) => {
      this.connected = null;
      throw err;
    });
  }

  async disconnect(): Promise<void> {
    if (!this.connected) return;
    this.connected = null;
    await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect()]);
  }

  /** The physical (prefixed) name of a logical topic. */
  topic(name: string): string {
    return `${this.prefix}${name}`;
  }

  /** The logical name of a physical topic, or null when it does not carry this bus's prefix. */
  logicalTopic(physical: string): string | null {
    return physical.startsWith(this.prefix) ? physical.slice(this.prefix.length) : null;
  }

  /** Creates the missing ones of these logical topics (existing topics are left as they are). */
  async ensureTopics(names: string[], partitions = DEFAULT_PARTITIONS): Promise<void> {
    await this.connect();
    const wanted = [...new Set(names.map((n) => this.topic(n)))];
    // Several services start at once and create overlapping topics: a concurrent creation makes kafkajs's metadata
    // wait fail with a retriable UNKNOWN_TOPIC_OR_PARTITION. Re-list and retry until every topic exists with leaders.
    for (let attempt = 1; ; attempt++) {
      try {
        const existing = new Set(await this.admin.listTopics());
        const missing = wanted.filter((t) => !existing.has(t));
        if (missing.length) {
          await this.admin.createTopics({
            waitForLeaders: true,
            topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: -1 })),
          });
          this.logger.info({ topics: missing, partitions }, 'kafka topics created');
        }
        const metadata = await this.admin.fetchTopicMetadata({ topics: wanted });
        const leaderless = metadata.topics.filter((t) => t.partitions.some((p) => p.leader < 0));
        if (!leaderless.length) return;
        throw new Error(`topics without leaders yet: ${leaderless.map((t) => t.name).join(', ')}`);
      } catch (err) {
        if (attempt >= 20) throw err;
        this.logger.warn({ err: (err as Error).message, attempt }, 'kafka topics not ready; retrying');
        await new Promise((r) => setTimeout(r, Math.min(250 * attempt, 2000)));
      }
    }
  }

  /** Produces the messages with acks=all; resolves once every one is acknowledged. Order is kept per topic. */
  async send(messages: BusMessage[]): Promise<void> {
    if (!messages.length) return;
    await this.connect();
    const byTopic = new Map<string, Array<{ key: string; value: string; headers?: Record<string, string> }>>();
    for (const m of messages) {
      const topic = this.topic(m.topic);
      let list = byTopic.get(topic);
      if (!list) byTopic.set(topic, (list = []));
      list.push({ key: m.key, value: m.value, headers: m.headers });
    }
    await this.producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })),
    });
  }

  /** True when the cluster answers a metadata request within `timeoutMs`. */
  async isHealthy(timeoutMs = 3000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await this.connect();
      await Promise.race([
        this.admin.describeCluster(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('kafka health check timed out')), timeoutMs);
        }),
      ]);
      return true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The shared admin client (consumer lag, dead-letter replay tooling). */
  adminClient(): Admin {
    return this.admin;
  }
}

function forwardKafkaLog(logger: LoggerLike, entry: LogEntry): void {
  const { message, ...rest } = entry.log;
  const fields = { kafka: { namespace: entry.namespace, ...rest } };
  // kafkajs logs every protocol error response at ERROR (rebalance in progress, coordinator moving, topic exists)
  // although the layer above handles it; that layer logs real failures itself (crash, retries exhausted).
  if (entry.namespace === 'Connection' && message.startsWith('Response ')) {
    logger.debug?.(fields, message);
    return;
  }
  switch (entry.level) {
    case logLevel.ERROR:
      logger.error(fields, message);
      break;
    case logLevel.WARN:
      logger.warn(fields, message);
      break;
    case logLevel.INFO:
      logger.info(fields, message);
      break;
    case logLevel.DEBUG:
    case logLevel.NOTHING:
      logger.debug?.(fields, message);
      break;
  }
}
