import { ConfigResourceTypes, Kafka, logLevel, type Admin } from 'kafkajs';
import { ALL_TOPICS } from '@outpost/contracts';
import { eventually, TEST_INFRA, uniqueTopicPrefix } from '@outpost/testing';
import { applyTopics, loadTopicsFile, planTopics } from './apply-topics';

// Runs apply-topics against the real local broker with a unique prefix and replication factor 1.
describe('apply-topics against the local broker', () => {
  const prefix = uniqueTopicPrefix('topics');
  const doc = loadTopicsFile();
  const env = (partitions: number) => ({
    KAFKA_TOPIC_PREFIX: prefix,
    TOPICS_REPLICATION_FACTOR: '1',
    TOPICS_PARTITIONS: String(partitions),
  });
  let admin: Admin;

  beforeAll(async () => {
    admin = new Kafka({
      clientId: 'apply-topics-test',
      brokers: TEST_INFRA.kafkaBrokers,
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
  });
  afterAll(async () => {
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (mine.length) await admin.deleteTopics({ topics: mine });
    await admin.disconnect();
  });

  const partitionsOf = async (topic: string) =>
    (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions.length;
  const retentionOf = async (topic: string) => {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms'] }],
    });
    return resources[0]!.configEntries[0]!.configValue;
  };
  // Metadata and config changes reach the broker through the KRaft metadata log: read them until they show.
  const settles = (read: () => Promise<unknown>, expected: unknown) =>
    eventually(async () => ((await read()) === expected ? true : undefined), 15000, 200);

  it('creates every topic and dead-letter topic, then is a no-op, raises partitions and never lowers them', async () => {
    const first = await applyTopics(admin, planTopics(doc, env(1)));
    expect(first.created).toHaveLength(ALL_TOPICS.length * 2);
    const existing = new Set(await admin.listTopics());
    for (const t of ALL_TOPICS) {
      expect(existing.has(`${prefix}${t}`)).toBe(true);
      expect(existing.has(`${prefix}${t}.dlq`)).toBe(true);
    }
    const registered = `${prefix}intake.lead-registered.v1`;
    expect(await partitionsOf(registered)).toBe(1);
    expect(await retentionOf(`${prefix}audit.checkpoint.v1`)).toBe('-1');

    const again = await applyTopics(admin, planTopics(doc, env(1)));
    expect(again).toMatchObject({ created: [], partitionsRaised: [], configsUpdated: [], warnings: [] });
    expect(again.unchanged).toHaveLength(ALL_TOPICS.length * 2);

    const raised = await applyTopics(admin, planTopics(doc, env(2)));
    expect(raised.created).toEqual([]);
    expect(raised.partitionsRaised).toContainEqual({ topic: registered, from: 1, to: 2 });
    await settles(() => partitionsOf(registered), 2);
    const lowered = await applyTopics(admin, planTopics(doc, env(1)));
    expect(lowered.partitionsRaised).toEqual([]);
    expect(lowered.warnings.some((w) => w.startsWith(registered))).toBe(true);
    expect(await partitionsOf(registered)).toBe(2);
  });

  it('restores a config an operator changed by hand', async () => {
    const topic = `${prefix}intake.lead-linked.v1`;
    await applyTopics(admin, planTopics(doc, env(1)));
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        { type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'retention.ms', value: '1000' }] },
      ],
    });
    await settles(() => retentionOf(topic), '1000');
    const report = await applyTopics(admin, planTopics(doc, env(2)));
    expect(report.configsUpdated.map((c) => c.topic)).toContain(topic);
    await settles(() => retentionOf(topic), '1209600000');
  });
});
