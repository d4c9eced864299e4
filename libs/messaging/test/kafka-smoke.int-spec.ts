import { TEST_INFRA, eventually, uniqueSuffix, uniqueTopicPrefix } from '@outpost/testing';
import { KafkaBus } from '../src';
import type { Consumer } from 'kafkajs';
import { FAST_GROUP, TEST_LOGGER } from './messaging-test.support';

jest.setTimeout(60_000);

/*
 * Issue 2's broker smoke test: the local broker and kafkajs agree on topic creation, acks=all produce, consumer
 * groups, rebalancing and offset commits. Every message must be consumed exactly once across a rebalance.
 */
describe('Kafka broker smoke test (real broker)', () => {
  const topic = 'smoke.messages.v1';
  const partitions = 3;
  let bus: KafkaBus;
  const consumers: Consumer[] = [];

  beforeAll(async () => {
    bus = new KafkaBus({
      brokers: TEST_INFRA.kafkaBrokers,
      clientId: 'smoke',
      topicPrefix: uniqueTopicPrefix('smoke'),
      logger: TEST_LOGGER,
    });
    await bus.connect();
  });
  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.disconnect()));
    await bus.disconnect();
  });

  it('creates a topic, produces with acks=all, and a group of two consumes each message once across a rebalance', async () => {
    await bus.ensureTopics([topic], partitions);
    const meta = await bus.adminClient().fetchTopicMetadata({ topics: [bus.topic(topic)] });
    expect(meta.topics[0]!.partitions).toHaveLength(partitions);

    const groupId = `smoke-${uniqueSuffix()}`;
    const seen: Array<{ who: string; partition: number; offset: string; value: string }> = [];
    const assignment = new Map<string, number[]>();

    const start = async (who: string): Promise<Consumer> => {
      const c = bus.kafka.consumer({ groupId, ...FAST_GROUP });
      consumers.push(c);
      c.on(c.events.GROUP_JOIN, (e) => assignment.set(who, e.payload.memberAssignment[bus.topic(topic)] ?? []));
      await c.connect();
      await c.subscribe({ topic: bus.topic(topic), fromBeginning: true });
      await c.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          seen.push({ who, partition, offset: message.offset, value: message.value!.toString() });
          // Commit right after processing, so a partition that moves to the other member resumes after this message.
          await c.commitOffsets([
            { topic: bus.topic(topic), partition, offset: (BigInt(message.offset) + 1n).toString() },
          ]);
        },
      });
      return c;
    };
    const a = await start('a');
    const b = await start('b');
    // Both members hold partitions before anything is produced.
    await eventually(() => {
      const all = [...(assignment.get('a') ?? []), ...(assignment.get('b') ?? [])].sort();
      return assignment.get('a')?.length && assignment.get('b')?.length && all.join() === '0,1,2' ? true : undefined;
    });

    const produce = (from: number, to: number) =>
      bus.send(
        Array.from({ length: to - from }, (_, i) => ({ topic, key: `k${(from + i) % 7}`, value: `m${from + i}` })),
      );
    await produce(0, 60);
    await eventually(() => (seen.length >= 60 ? true : undefined));
    expect(new Set(seen.map((s) => s.who))).toEqual(new Set(['a', 'b']));

    // Stop one member: the group rebalances and the survivor takes over b's partitions from b's committed offsets.
    await b.disconnect();
    consumers.splice(consumers.indexOf(b), 1);
    await produce(60, 120);
    await eventually(() => (seen.length >= 120 ? true : undefined));
    await new Promise((r) => setTimeout(r, 1000)); // duplicates, if any, would arrive now

    expect(assignment.get('a')).toEqual([0, 1, 2]);
    const values = seen.map((s) => s.value);
    expect(values).toHaveLength(120);
    expect(new Set(values).size).toBe(120);
    expect(new Set(seen.map((s) => `${s.partition}:${s.offset}`)).size).toBe(120);

    const committed = await bus.adminClient().fetchOffsets({ groupId, topics: [bus.topic(topic)] });
    const ends = await bus.adminClient().fetchTopicOffsets(bus.topic(topic));
    expect(committed[0]!.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual(
      ends.map((e) => [e.partition, e.high]).sort(),
    );
    await a.disconnect();
    consumers.splice(consumers.indexOf(a), 1);
  });
});
