import 'reflect-metadata';
import { Global, Module, SetMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { TypeOrmModule } from '@nestjs/typeorm';
import {
  AUDIT_CHECKPOINT_TOPIC,
  AuditController,
  AuditLog,
  AuditModule,
  type CheckpointSink,
  type VerifyReport,
} from '../src';
import type { AuditCheckpointV1 } from '@outpost/contracts';
import { Outbox, messagingMigration, outboxPendingByTxSql } from '@outpost/messaging';
import { TEST_INFRA, eventually, uniqueTopicPrefix } from '@outpost/testing';
import { Kafka, logLevel } from 'kafkajs';
import { DataSource } from 'typeorm';
import {
  type AuditTestDb,
  RUNTIME_ROLE,
  chainEntries,
  migrate,
  openAuditTestDb,
  relink,
  rewriteChain,
} from './audit-fixture';

describe(AuditModule.name, () => {
  let t: AuditTestDb;
  let app: NestFastifyApplication;
  const published: AuditCheckpointV1[] = [];
  const topicPrefix = uniqueTopicPrefix('audit');
  const kafka = new Kafka({
    clientId: 'audit-module-test',
    brokers: TEST_INFRA.kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer();
  // Stands in for the messaging Outbox + relay: records what the publisher wrote (in its transaction).
  const sink: CheckpointSink = {
    async write(tx, checkpoint) {
      await tx.query('SELECT 1'); // proves a live transaction was handed over
      published.push(checkpoint);
    },
  };
  const ROLES_KEY = 'outpost:roles';

  beforeAll(async () => {
    t = await openAuditTestDb('audit_module');
    await migrate(t, 'notification', 4);
    const url = new URL(t.db.adminUrl);
    url.username = RUNTIME_ROLE;

    @Module({
      imports: [
        TypeOrmModule.forRoot({ type: 'postgres', url: url.toString() }),
        AuditModule.forService({
          service: 'notification',
          schema: 'notification',
          checkpointSink: { useFactory: () => sink },
          controllerDecorators: [SetMetadata(ROLES_KEY, ['OPERATOR', 'SUPERVISOR'])],
          checkpointIntervalMs: 150,
          kafkaBrokers: TEST_INFRA.kafkaBrokers,
          kafkaTopicPrefix: topicPrefix,
        }),
      ],
    })
    class TestAppModule {}

    app = await NestFactory.create<NestFastifyApplication>(TestAppModule, new FastifyAdapter(), { logger: false });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    await producer.connect();
  }, 30_000);
  afterAll(async () => {
    await producer.disconnect();
    await app.close();
    await t.close();
  });

  it('serves a lead trail written through the provided AuditLog', async () => {
    const log = app.get(AuditLog);
    const ds = app.get(DataSource);
    await ds.transaction(async (tx) => {
      await log.append(tx, {
        leadId: 'L-9',
        actor: { type: 'system' },
        action: 'notification.sent',
        payload: { channel: 'sms' },
      });
      await log.append(tx, { leadId: 'L-9', actor: { type: 'system' }, action: 'notification.delivered' });
    });
    const res = await app.inject({ method: 'GET', url: '/v1/audit/leads/L-9' });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ leadId: string; entries: Array<{ action: string; seq: number }> }>();
    expect(body.leadId).toBe('L-9');
    expect(body.entries.map((e) => e.action)).toEqual(['notification.sent', 'notification.delivered']);
  });

  it('publishes the heads periodically whenever they moved (not when idle), and on demand', async () => {
    const log = app.get(AuditLog);
    const published_with = (heads: unknown) => () =>
      published.find((c) => JSON.stringify(c.chains) === JSON.stringify(heads));
    const heads = await log.heads(t.admin);
    const periodic = await eventually(published_with(heads), 10_000);
    expect(periodic.service).toBe('notification');
    const count = published.length;
    await new Promise((r) => setTimeout(r, 500));
    expect(published.length).toBe(count); // idle: nothing new to say

    await app
      .get(DataSource)
      .transaction((tx) => log.append(tx, { leadId: 'L-10', actor: { type: 'system' }, action: 'notification.sent' }));
    const moved = await log.heads(t.admin);
    await eventually(published_with(moved), 10_000);

    const res = await app.inject({ method: 'POST', url: '/v1/audit/checkpoints' });
    expect(res.statusCode).toBe(201);
    expect(res.json<AuditCheckpointV1>().chains).toEqual(moved);
    expect(published.at(-1)!.chains).toEqual(moved);
  }, 30_000);

  it('GET /v1/audit/verify checks against the checkpoints on Kafka and reports a rewrite', async () => {
    const cp = published.at(-1)!;
    await producer.send({
      topic: `${topicPrefix}${AUDIT_CHECKPOINT_TOPIC}`,
      acks: -1,
      messages: [
        {
          key: 'notification',
          value: JSON.stringify({
            id: '0190b6b4-1f2a-7c3d-8e4f-5a6b7c8d9e0f',
            type: AUDIT_CHECKPOINT_TOPIC,
            version: 1,
            occurredAt: cp.takenAt,
            producer: 'notification',
            correlationId: 'c',
            causationId: null,
            actor: { type: 'system' },
            leadId: null,
            key: 'notification',
            payload: cp,
          }),
        },
      ],
    });
    const clean = await app.inject({ method: 'GET', url: '/v1/audit/verify' });
    expect(clean.statusCode).toBe(200);
    expect(clean.json<VerifyReport>()).toMatchObject({
      ok: true,
      entriesChecked: 3,
      chains: 4,
      checkpointsChecked: 1,
      firstBreak: null,
    });

    const { chain, seq } = cp.chains.find((c) => c.seq > 0)!;
    const entries = await chainEntries(t, 'notification', chain);
    await rewriteChain(
      t,
      'notification',
      chain,
      relink(
        entries.map((e) => ({ ...e, reason: 'rewritten' })),
        entries[0]!.prevHash,
      ),
    );
    const broken = await app.inject({ method: 'GET', url: '/v1/audit/verify' });
    expect(broken.json<VerifyReport>()).toMatchObject({
      ok: false,
      firstBreak: { chain, seq, reason: 'checkpoint hash mismatch: rewritten' },
    });
  }, 45_000);

  it('applies the service-provided auth decorators to its controller (the hook for @Roles)', () => {
    const dyn = AuditModule.forService({
      service: 'gateway',
      schema: 'gateway',
      checkpointSink: { useFactory: () => sink },
      controllerDecorators: [SetMetadata(ROLES_KEY, ['ADMIN'])],
      checkpointIntervalMs: 0,
    });
    const [controller] = dyn.controllers!;
    expect(Reflect.getMetadata(ROLES_KEY, controller!)).toEqual(['ADMIN']);
    // Each service gets its own subclass: one service's roles never leak onto the shared base class.
    expect(Reflect.getOwnMetadata(ROLES_KEY, AuditController)).toBeUndefined();
  });
});

describe(`${AuditModule.name} with the default sink`, () => {
  let t: AuditTestDb;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    t = await openAuditTestDb('audit_module_outbox');
    await migrate(t, 'intake', 2);
    await t.admin.transaction(async (tx) => {
      for (const sql of [...messagingMigration('intake', RUNTIME_ROLE).up, ...outboxPendingByTxSql('intake')])
        await tx.query(sql);
    });
    const url = new URL(t.db.adminUrl);
    url.username = RUNTIME_ROLE;

    // What MessagingModule.forService provides globally, without its Kafka consumer and relay.
    @Global()
    @Module({
      providers: [{ provide: Outbox, useValue: new Outbox({ schema: 'intake', producer: 'intake' }) }],
      exports: [Outbox],
    })
    class FakeMessagingModule {}

    @Module({
      imports: [
        TypeOrmModule.forRoot({ type: 'postgres', url: url.toString() }),
        FakeMessagingModule,
        AuditModule.forService({ service: 'intake', schema: 'intake', checkpointIntervalMs: 0 }),
      ],
    })
    class TestAppModule {}

    app = await NestFactory.create<NestFastifyApplication>(TestAppModule, new FastifyAdapter(), { logger: false });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  }, 30_000);
  afterAll(async () => {
    await app.close();
    await t.close();
  });

  it('writes the checkpoint as an audit.checkpoint.v1 outbox row keyed by the service, without a lead', async () => {
    await app
      .get(DataSource)
      .transaction((tx) =>
        app.get(AuditLog).append(tx, { leadId: 'L-1', actor: { type: 'system' }, action: 'lead.registered' }),
      );
    const res = await app.inject({ method: 'POST', url: '/v1/audit/checkpoints' });
    expect(res.statusCode).toBe(201);
    const rows: Array<{ topic: string; key: string; value: string }> = await t.admin.query(
      `SELECT topic, key, value FROM intake.outbox`,
    );
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0]!.value)).toMatchObject({
      leadId: null,
      key: 'intake',
      payload: res.json<AuditCheckpointV1>(),
    });
    expect(rows[0]).toMatchObject({
      topic: AUDIT_CHECKPOINT_TOPIC,
      key: 'intake',
    });
  });
});
