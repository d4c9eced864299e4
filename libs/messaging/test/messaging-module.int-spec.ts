import 'reflect-metadata';
import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import {
  bindCorrelation,
  correlationOf,
  DeadLetterStore,
  EventConsumer,
  HandleEvent,
  MessagingModule,
  Outbox,
  OutboxRelay,
  type CorrelationContext,
  type EventEnvelope,
} from '../src';
import { eventually } from '@outpost/testing';
import { DataSource, type EntityManager } from 'typeorm';
import { setupMessagingTest, SCHEMA, testEvent, TOPIC, type MessagingTestEnv } from './messaging-test.support';

jest.setTimeout(60_000);

const seen: Array<{ event: EventEnvelope<typeof TOPIC>; ctx: CorrelationContext | undefined }> = [];

/** What a service's `*.consumer.ts` looks like: a provider with @HandleEvent methods. */
@Injectable()
class CheckpointConsumer {
  constructor(private readonly outbox: Outbox) {}

  @HandleEvent(TOPIC)
  async onCheckpoint(event: EventEnvelope<typeof TOPIC>, tx: EntityManager): Promise<void> {
    seen.push({ event, ctx: correlationOf(tx) });
    const { hash: key, seq } = event.payload.chains[0]!;
    await tx.query(`INSERT INTO ${SCHEMA}.effects (event_id, key, n) VALUES ($1, $2, $3)`, [event.id, key, seq]);
    // A follow-up event written in the handler's transaction inherits correlation and gets causation = this event.
    if (key === 'first') await this.outbox.add(tx, testEvent('second', 1));
  }
}

describe(`${MessagingModule.name} (Nest app, real Postgres + Kafka)`, () => {
  let env: MessagingTestEnv;
  let app: INestApplicationContext;
  const saved = { ...process.env };

  beforeAll(async () => {
    env = await setupMessagingTest('module');
    process.env.KAFKA_TOPIC_PREFIX = env.prefix;
    process.env.OUTBOX_POLL_INTERVAL_MS = '100';

    @Module({
      imports: [
        TypeOrmModule.forRoot({ type: 'postgres', url: env.db.adminUrl, synchronize: false }),
        MessagingModule.forService({ service: 'intake', schema: SCHEMA, groupId: 'module-test' }),
      ],
      providers: [CheckpointConsumer],
    })
    class TestAppModule {}

    app = await NestFactory.createApplicationContext(TestAppModule, { logger: ['error'] });
    await app.init();
  });
  afterAll(async () => {
    await app?.close();
    process.env = saved;
    await env.close();
  });

  it('wires outbox → relay → Kafka → @HandleEvent, carrying the correlation id and causation', async () => {
    const dataSource = app.get(DataSource);
    const outbox = app.get(Outbox);
    expect(app.get(EventConsumer).topics()).toEqual([TOPIC]);

    const first = await dataSource.transaction((tx) => {
      bindCorrelation(tx, {
        correlationId: 'http-req-42',
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      });
      return outbox.add(tx, testEvent('first', 1));
    });

    await eventually(() => (seen.length >= 2 ? true : undefined));
    const [a, b] = seen;
    expect(a!.event.id).toBe(first.id);
    expect(a!.ctx).toEqual({ correlationId: 'http-req-42', traceparent: first.traceparent, causationId: first.id });
    expect(b!.event).toMatchObject({
      correlationId: 'http-req-42',
      causationId: first.id,
      traceparent: first.traceparent,
      producer: 'intake',
    });
    expect(await app.get(OutboxRelay).backlog()).toBe(0);
    expect(await app.get(DeadLetterStore).list()).toEqual([]);
    // Topics were created at start with the prefix from config.
    const topics = await env.bus.adminClient().listTopics();
    expect(topics).toEqual(
      expect.arrayContaining([
        `${env.prefix}${TOPIC}`,
        `${env.prefix}${TOPIC}.dlq`,
        `${env.prefix}intake.lead-registered.v1`,
      ]),
    );
  });

  it('on shutdown stops consuming and flushes the outbox', async () => {
    const dataSource = app.get(DataSource);
    const relay = app.get(OutboxRelay);
    await app.get(EventConsumer).stop(); // so the handler does not add more while we count
    await relay.stop();
    await dataSource.transaction((tx) => app.get(Outbox).add(tx, testEvent('late', 1)));
    expect(await relay.backlog()).toBe(1);

    await app.close();

    const pending = await env.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${SCHEMA}.outbox WHERE sent_at IS NULL`,
    );
    expect(pending[0]!.n).toBe(0);
  });
});
