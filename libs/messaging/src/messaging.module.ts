import {
  Inject,
  Injectable,
  Logger,
  Module,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, MetadataScanner } from '@nestjs/core';
import { deadLetterTopic, isTopic, TOPICS, type ServiceName, type Topic } from '@outpost/contracts';
import { DataSource, type EntityManager } from 'typeorm';
import { DeadLetterStore } from './dead-letter.store';
import type { EventEnvelope } from './event-envelope';
import { EventConsumer } from './event-consumer';
import { HANDLE_EVENT_METADATA } from './handle-event.decorator';
import { KafkaBus } from './kafka-bus';
import type { LoggerLike } from './logger';
import { loadMessagingConfig, type MessagingConfig } from './messaging.config';
import { Outbox } from './outbox';
import { OutboxRelay } from './outbox-relay';
import { MESSAGING_SCHEMA, MessagingOpsController } from './messaging-ops.controller';

export interface MessagingModuleOptions {
  service: ServiceName;
  /** The service's Postgres schema (outbox, inbox, dead_letter live there). */
  schema: string;
  /** Consumer group id; defaults to the service name. */
  groupId?: string;
  /**
   * Apply each fetched batch of a partition in one transaction (see EventConsumerOptions.batchTransactions): far fewer
   * commits for a backlog. Only for services whose handlers keep no effects outside the transaction before commit.
   */
  batchTransactions?: boolean;
  /**
   * Partitions this service's consumer handles at once unless CONSUMER_CONCURRENCY says otherwise (default 1). While
   * one batch waits for its commit (and the offset commit), the next is being read and applied: a consumer that keeps
   * up only at 1 spends about half its time waiting. Only for handlers that tolerate two transactions at once.
   */
  consumerConcurrency?: number;
}

export const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');
export const MESSAGING_CONFIG = Symbol('MESSAGING_CONFIG');

/** Adapts Nest's Logger (which nestjs-pino replaces app-wide) to LoggerLike. */
export function nestLogger(context: string): LoggerLike {
  const l = new Logger(context);
  const fmt = (o: object | string, msg?: string): object | string => (typeof o === 'string' ? o : { ...o, msg });
  return {
    info: (o, msg) => l.log(fmt(o, msg)),
    warn: (o, msg) => l.warn(fmt(o, msg)),
    error: (o, msg) => l.error(fmt(o, msg)),
    debug: (o, msg) => l.debug(fmt(o, msg)),
  };
}

/**
 * Wires @HandleEvent methods into the consumer, creates topics, starts the relay and the consumer once the app is up,
 * and on shutdown stops consuming first, then finishes and flushes the relay, then disconnects from Kafka.
 */
@Injectable()
class MessagingLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = nestLogger('Messaging');

  constructor(
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingModuleOptions,
    @Inject(MESSAGING_CONFIG) private readonly config: MessagingConfig,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly bus: KafkaBus,
    private readonly relay: OutboxRelay,
    private readonly consumer: EventConsumer,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.registerHandlers();
    const produced = (Object.keys(TOPICS) as Topic[]).filter(
      (t) => TOPICS[t].producer === this.options.service || TOPICS[t].producer === null,
    );
    const consumed = this.consumer.topics();
    await this.bus.connect();
    await this.bus.ensureTopics(
      [...produced, ...consumed, ...consumed.map(deadLetterTopic)],
      this.config.topicPartitions,
    );
    if (this.config.relayEnabled) await this.relay.start();
    await this.consumer.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.consumer.stop();
    if (this.config.relayEnabled) {
      await this.relay.stop();
      try {
        const n = await this.relay.flush();
        if (n) this.logger.info({ published: n }, 'outbox flushed on shutdown');
      } catch (err) {
        // Rows stay in the outbox and go out on next start: nothing is lost, so shutdown continues.
        this.logger.warn({ err: String(err) }, 'outbox flush on shutdown failed; rows stay pending');
      }
    }
    await this.bus.disconnect();
  }

  private registerHandlers(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const proto = Object.getPrototypeOf(instance) as object | null;
      if (!proto) continue;
      for (const name of this.scanner.getAllMethodNames(proto)) {
        const method = (instance as Record<string, unknown>)[name];
        if (typeof method !== 'function') continue;
        const topic: unknown = Reflect.getMetadata(HANDLE_EVENT_METADATA, method);
        if (typeof topic !== 'string' || !isTopic(topic)) continue;
        const bound = method.bind(instance) as (event: EventEnvelope, tx: EntityManager) => Promise<void>;
        this.consumer.register(topic, bound);
        this.logger.info({ topic, handler: `${proto.constructor.name}.${name}` }, 'event handler registered');
      }
    }
  }
}

/** Kafka bus, outbox, relay, consumer and dead-letter store for one service. Expects a TypeORM DataSource provider. */
@Module({})
export class MessagingModule {
  static forService(o: MessagingModuleOptions): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      imports: [DiscoveryModule],
      controllers: [MessagingOpsController],
      providers: [
        { provide: MESSAGING_OPTIONS, useValue: o },
        { provide: MESSAGING_SCHEMA, useValue: o.schema },
        { provide: MESSAGING_CONFIG, useFactory: () => loadMessagingConfig() },
        {
          provide: KafkaBus,
          inject: [MESSAGING_CONFIG],
          useFactory: (c: MessagingConfig) =>
            new KafkaBus({
              brokers: c.kafkaBrokers,
              clientId: c.kafkaClientId ?? o.service,
              topicPrefix: c.kafkaTopicPrefix,
              logger: nestLogger('Kafka'),
            }),
        },
        { provide: Outbox, useFactory: () => new Outbox({ schema: o.schema, producer: o.service }) },
        {
          provide: OutboxRelay,
          inject: [DataSource, KafkaBus, MESSAGING_CONFIG],
          useFactory: (dataSource: DataSource, bus: KafkaBus, c: MessagingConfig) =>
            new OutboxRelay({
              dataSource,
              schema: o.schema,
              bus,
              batchSize: c.outboxBatchSize,
              pollIntervalMs: c.outboxPollIntervalMs,
              retentionMs: c.outboxRetentionMs,
              logger: nestLogger('OutboxRelay'),
              crashAfterPublish: c.outboxCrashAfterPublish ? () => true : undefined,
              exitOnSimulatedCrash: c.outboxCrashAfterPublish,
            }),
        },
        {
          provide: EventConsumer,
          inject: [DataSource, KafkaBus, MESSAGING_CONFIG],
          useFactory: (dataSource: DataSource, bus: KafkaBus, c: MessagingConfig) =>
            new EventConsumer({
              dataSource,
              schema: o.schema,
              bus,
              // Topics under a prefix (tests, parallel environments on one cluster) get consumer groups under the same
              // prefix: one group subscribed to differently prefixed topics would starve one of its members.
              groupId:
                c.kafkaTopicPrefix && !(o.groupId ?? o.service).startsWith(c.kafkaTopicPrefix)
                  ? `${c.kafkaTopicPrefix}${o.groupId ?? o.service}`
                  : (o.groupId ?? o.service),
              handlers: {},
              maxAttempts: c.consumerMaxAttempts,
              concurrency: c.consumerConcurrency ?? o.consumerConcurrency ?? 1,
              batchTransactions: o.batchTransactions ?? false,
              retryBaseMs: c.consumerRetryBaseMs,
              // Heartbeats every 3 s (kafkajs default) stay well inside it.
              consumerConfig: { sessionTimeout: c.consumerSessionTimeoutMs },
              logger: nestLogger('EventConsumer'),
            }),
        },
        {
          provide: DeadLetterStore,
          inject: [DataSource, KafkaBus],
          useFactory: (dataSource: DataSource, bus: KafkaBus) =>
            new DeadLetterStore({ dataSource, schema: o.schema, bus }),
        },
        MessagingLifecycle,
      ],
      exports: [KafkaBus, Outbox, OutboxRelay, EventConsumer, DeadLetterStore, MESSAGING_CONFIG],
    };
  }
}
