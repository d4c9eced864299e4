import { loadMessagingConfig } from './messaging.config';
import { messagingMigration } from './messaging.migration';

describe(loadMessagingConfig.name, () => {
  const sut = loadMessagingConfig;

  it('has working local defaults', () => {
    expect(sut({})).toMatchObject({
      kafkaBrokers: ['127.0.0.1:9092'],
      kafkaTopicPrefix: '',
      relayEnabled: true,
      outboxCrashAfterPublish: false,
      consumerMaxAttempts: 5,
      consumerConcurrency: undefined, // the service's own default
    });
    expect(sut({ CONSUMER_CONCURRENCY: '4' }).consumerConcurrency).toBe(4);
  });

  it('parses lists, numbers and flags', () => {
    const c = sut({
      KAFKA_BROKERS: 'a:1, b:2',
      OUTBOX_BATCH_SIZE: '50',
      OUTBOX_CRASH_AFTER_PUBLISH: '1',
      KAFKA_TOPIC_PREFIX: 't1.',
    });
    expect(c).toMatchObject({
      kafkaBrokers: ['a:1', 'b:2'],
      outboxBatchSize: 50,
      outboxCrashAfterPublish: true,
      kafkaTopicPrefix: 't1.',
    });
  });

  it('refuses bad values, naming the variable', () => {
    expect(() => sut({ KAFKA_BROKERS: 'no-port' })).toThrow(/KAFKA_BROKERS/);
    expect(() => sut({ OUTBOX_BATCH_SIZE: '-3' })).toThrow(/OUTBOX_BATCH_SIZE/);
    expect(() => sut({ OUTBOX_CRASH_AFTER_PUBLISH: 'yes' })).toThrow(/OUTBOX_CRASH_AFTER_PUBLISH/);
  });
});

describe(messagingMigration.name, () => {
  it('quotes the schema and role and refuses anything else', () => {
    const m = messagingMigration('intake', 'outpost_intake');
    expect(m.up.join('\n')).toContain('CREATE TABLE "intake".outbox');
    expect(m.up.join('\n')).toContain('TO "outpost_intake"');
    expect(() => messagingMigration('Intake;', 'x')).toThrow(/identifier/);
  });
});
