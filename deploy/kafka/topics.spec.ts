import { ALL_TOPICS, deadLetterTopic } from '@outpost/contracts';
import { loadTopicsFile, planTopics } from './apply-topics';

// topics.yaml is what gets created in production: a topic added to TOPICS but forgotten here would only fail at run
// time (auto-creation is off on a production cluster), so the two lists must match exactly.
describe('deploy/kafka/topics.yaml', () => {
  const doc = loadTopicsFile();

  it('lists exactly the topics of TOPICS in libs/contracts', () => {
    expect(doc.topics.map((t) => t.name).sort()).toEqual([...ALL_TOPICS].sort());
  });

  it('plans every topic plus its dead-letter topic', () => {
    const names = planTopics(doc, {}).map((t) => t.name);
    expect(names.sort()).toEqual([...ALL_TOPICS, ...ALL_TOPICS.map(deadLetterTopic)].sort());
  });

  it('defaults to production durability: 6 partitions, replication 3, min.insync.replicas 2', () => {
    for (const t of planTopics(doc, {}).filter((p) => !p.name.endsWith('.dlq'))) {
      expect(t).toMatchObject({ partitions: 6, replicationFactor: 3 });
      expect(t.config['min.insync.replicas']).toBe('2');
      expect(t.config['unclean.leader.election.enable']).toBe('false');
      expect(Number(t.config['retention.ms'])).not.toBeNaN();
    }
  });

  it('applies the prefix and overrides, clamping min.insync.replicas to the replication factor', () => {
    const plan = planTopics(doc, { KAFKA_TOPIC_PREFIX: 'x.', TOPICS_REPLICATION_FACTOR: '1', TOPICS_PARTITIONS: '2' });
    const registered = plan.find((t) => t.name === 'x.intake.lead-registered.v1');
    expect(registered).toMatchObject({ partitions: 2, replicationFactor: 1 });
    expect(registered?.config['min.insync.replicas']).toBe('1');
    expect(plan.every((t) => t.name.startsWith('x.'))).toBe(true);
  });

  it('rejects a bad override', () => {
    expect(() => planTopics(doc, { TOPICS_PARTITIONS: '0' })).toThrow(/TOPICS_PARTITIONS/);
  });
});
