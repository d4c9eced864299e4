import { z } from 'zod';
import { envelopeSchema } from '../envelope';
import { ALL_TOPICS, TOPICS, type Topic } from '../topics';

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType): JsonSchema {
  const out = z.toJSONSchema(schema, { target: 'draft-7', unrepresentable: 'any' }) as JsonSchema;
  delete out.$schema;
  return out;
}

const channelId = (topic: string) => topic.replace(/\./g, '-');

/**
 * The AsyncAPI 3 description of every Kafka topic, generated from the same zod schemas the services validate with,
 * so the document cannot drift from the code (a test compares it with docs/asyncapi.yaml).
 */
export function buildAsyncApiDocument(): Record<string, unknown> {
  const envelope = jsonSchema(envelopeSchema.omit({ payload: true }));
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  for (const topic of ALL_TOPICS) {
    const def = TOPICS[topic as Topic];
    const id = channelId(topic);
    const properties = { ...(envelope.properties as JsonSchema), payload: jsonSchema(def.schema) };
    messages[id] = {
      name: topic,
      title: topic,
      summary: `Envelope of ${topic}; the Kafka key is the lead id (or the entity id for events not about one lead).`,
      contentType: 'application/json',
      headers: {
        type: 'object',
        properties: {
          'event-id': { type: 'string' },
          'event-type': { type: 'string' },
          'correlation-id': { type: 'string' },
          traceparent: { type: 'string' },
          producer: { type: 'string' },
        },
      },
      payload: { ...envelope, properties, required: [...((envelope.required as string[]) ?? []), 'payload'] },
      bindings: { kafka: { key: { type: 'string' }, bindingVersion: '0.5.0' } },
    };
    channels[id] = {
      address: topic,
      description: `Produced by ${def.producer ?? 'every service (audit checkpoints)'}; dead letters on ${topic}.dlq.`,
      messages: { [id]: { $ref: `#/components/messages/${id}` } },
    };
    operations[`send-${id}`] = {
      action: 'send',
      channel: { $ref: `#/channels/${id}` },
      messages: [{ $ref: `#/channels/${id}/messages/${id}` }],
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Outpost (前哨) events',
      version: '1.0.0',
      description:
        'Every Kafka message exchanged by the Outpost services. Topic names are versioned (<service>.<event>.v<N>); renaming one is a migration.',
    },
    defaultContentType: 'application/json',
    servers: { local: { host: '127.0.0.1:9092', protocol: 'kafka', description: 'Local single-node KRaft broker' } },
    channels,
    operations,
    components: { messages },
  };
}
