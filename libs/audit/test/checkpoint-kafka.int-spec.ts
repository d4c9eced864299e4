import { randomUUID } from 'node:crypto';
import { AUDIT_CHECKPOINT_TOPIC, readCheckpointsFromKafka, toCheckpoint, verifyAuditLog } from '../src';
import type { AuditCheckpointV1, EnvelopeBase } from '@outpost/contracts';
import { TEST_INFRA, uniqueTopicPrefix } from '@outpost/testing';
import { Kafka, logLevel } from 'kafkajs';
import { type AuditTestDb, chainEntries, migrate, openAuditTestDb, relink, rewriteChain, seed } from './audit-fixture';

function envelope(checkpoint: AuditCheckpointV1): EnvelopeBase {
  const id = randomUUID();
  return {
    id,
    type: AUDIT_CHECKPOINT_TOPIC,
    version: 1,
    occurredAt: checkpoint.takenAt,
    producer: checkpoint.service,
    correlationId: id,
    causationId: null,
    actor: { type: 'system', name: 'audit-checkpoint' },
    leadId: null,
    key: checkpoint.service,
    payload: checkpoint,
  };
}

describe(readCheckpointsFromKafka.name, () => {
  let t: AuditTestDb;
  const kafka = new Kafka({
    clientId: 'audit-checkpoint-test',
    brokers: TEST_INFRA.kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer();

  beforeAll(async () => {
    t = await openAuditTestDb('audit_kafka');
    await producer.connect();
  });
  afterAll(async () => {
    await producer.disconnect();
    await t.close();
  });

  it('returns [] when nothing was published yet (no topic)', async () => {
    expect(
      await readCheckpointsFromKafka({
        brokers: TEST_INFRA.kafkaBrokers,
        topicPrefix: uniqueTopicPrefix('audit'),
        service: 'intake',
      }),
    ).toEqual([]);
  }, 30_000);

  it('reads back the checkpoints of one service that were published to Kafka, and a rewrite is caught against them', async () => {
    const topicPrefix = uniqueTopicPrefix('audit');
    const topic = `${topicPrefix}${AUDIT_CHECKPOINT_TOPIC}`;
    const log = await migrate(t, 'intake', 2);
    await seed(t, log, 20);
    const first = toCheckpoint('intake', await log.heads(t.admin), new Date(Date.now() - 1000));
    await seed(t, log, 5);
    const second = toCheckpoint('intake', await log.heads(t.admin), new Date());
    const other = toCheckpoint('assessment', [{ chain: 0, seq: 1, hash: 'a'.repeat(64) }], new Date());
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    await admin.disconnect();
    await producer.send({
      topic,
      acks: -1,
      messages: [second, other, first].map((cp) => ({ key: cp.service, value: JSON.stringify(envelope(cp)) })),
    });

    const sut = await readCheckpointsFromKafka({
      brokers: TEST_INFRA.kafkaBrokers,
      topicPrefix,
      service: 'intake',
      timeoutMs: 20_000,
    });
    expect(sut).toEqual([first, second]); // oldest first, other services' checkpoints left out

    expect(await verifyAuditLog(t.admin, 'intake', sut)).toMatchObject({ ok: true, checkpointsChecked: 2 });
    const chain = second.chains.find((c) => c.seq > 0)!.chain;
    const entries = await chainEntries(t, 'intake', chain);
    await rewriteChain(
      t,
      'intake',
      chain,
      relink(
        entries.map((e, i) => (i === 0 ? { ...e, action: 'rewritten' } : e)),
        entries[0]!.prevHash,
      ),
    );
    const report = await verifyAuditLog(t.admin, 'intake', sut);
    expect(report.ok).toBe(false);
    expect(report.firstBreak?.reason).toBe('checkpoint hash mismatch: rewritten');
  }, 45_000);

  it('fails loudly on a message under the service key that is not a valid checkpoint', async () => {
    const topicPrefix = uniqueTopicPrefix('audit');
    const topic = `${topicPrefix}${AUDIT_CHECKPOINT_TOPIC}`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    await producer.send({
      topic,
      acks: -1,
      messages: [{ key: 'intake', value: JSON.stringify({ not: 'an envelope' }) }],
    });
    await expect(
      readCheckpointsFromKafka({ brokers: TEST_INFRA.kafkaBrokers, topicPrefix, service: 'intake', timeoutMs: 20_000 }),
    ).rejects.toThrow(/invalid checkpoint/);
  }, 45_000);
});
