import { type AuditCheckpointV1, type ServiceName, auditCheckpointV1, envelopeSchema } from '@outpost/contracts';
import { Kafka, logLevel } from 'kafkajs';
import type { ChainHead } from './audit-entry';

/** Topic base name the checkpoints travel on (the bus prepends KAFKA_TOPIC_PREFIX). Key = service name. */
export const AUDIT_CHECKPOINT_TOPIC = 'audit.checkpoint.v1';

export function toCheckpoint(service: ServiceName, heads: ChainHead[], takenAt: Date): AuditCheckpointV1 {
  return auditCheckpointV1.parse({
    service,
    takenAt: takenAt.toISOString(),
    chains: heads.map(({ chain, seq, hash }) => ({ chain, seq, hash })),
  });
}

export interface ReadCheckpointsOptions {
  brokers: string[];
  topicPrefix?: string;
  service: ServiceName;
  /** Give up (and throw) when the topic has not been read to its end by then. */
  timeoutMs?: number;
  /** How many of the newest messages of each partition to look at. */
  lookback?: number;
  clientId?: string;
}

/**
 * The newest published checkpoints of one service, oldest first, read back from Kafka (outside the database, which
 * is the point: someone who rewrote the audit table cannot rewrite these).
 *
 * Reads the last `lookback` messages of every partition up to the end offsets seen at the start, with a throwaway
 * consumer group that commits nothing. A missing topic means nothing was published yet: []. A message keyed with the
 * service whose envelope or payload is invalid is an error, not something to skip: it is exactly what tampering with
 * the checkpoints would look like.
 */
export async function readCheckpointsFromKafka(o: ReadCheckpointsOptions): Promise<AuditCheckpointV1[]> {
  const topic = `${o.topicPrefix ?? ''}${AUDIT_CHECKPOINT_TOPIC}`;
  const timeoutMs = o.timeoutMs ?? 15000;
  const lookback = o.lookback ?? 1000;
  const kafka = new Kafka({
    clientId: o.clientId ?? `audit-verify-${o.service}`,
    brokers: o.brokers,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  let ends: Array<{ partition: number; low: number; high: number }>;
  try {
    const topics = await admin.listTopics();
    if (!topics.includes(topic)) return [];
    ends = (await admin.fetchTopicOffsets(topic)).map((p) => ({
      partition: p.partition,
      low: Number(p.low),
      high: Number(p.high),
    }));
  } finally {
    await admin.disconnect();
  }
  const pending = new Map(ends.filter((p) => p.high > p.low).map((p) => [p.partition, p]));
  if (pending.size === 0) return [];

  const found: AuditCheckpointV1[] = [];
  const consumer = kafka.consumer({
    groupId: `audit-verify-${o.service}-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let failure: Error | undefined;
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`readCheckpointsFromKafka: ${topic} not read to its end within ${timeoutMs} ms`)),
        timeoutMs,
      );
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            const end = pending.get(partition);
            const offset = Number(message.offset);
            // Ignore what precedes the lookback window (fetched before the seek took effect) and what came after we started.
            if (!end || offset >= end.high || offset < end.high - lookback) return;
            if (message.key?.toString() === o.service) {
              try {
                const envelope = envelopeSchema.parse(JSON.parse(message.value?.toString() ?? 'null'));
                const checkpoint = auditCheckpointV1.parse(envelope.payload);
                if (checkpoint.service !== o.service)
                  throw new Error(`payload service ${checkpoint.service} under key ${o.service}`);
                found.push(checkpoint);
              } catch (e) {
                failure = new Error(
                  `readCheckpointsFromKafka: invalid checkpoint at ${topic}[${partition}]@${offset}: ${(e as Error).message}`,
                );
              }
            }
            if (failure || offset >= end.high - 1) pending.delete(partition);
            if (failure || pending.size === 0) {
              clearTimeout(timer);
              if (failure) reject(failure);
              else resolve();
            }
          },
        })
        .catch((e: unknown) => {
          clearTimeout(timer);
          reject(e instanceof Error ? e : new Error(String(e)));
        });
      // Start each partition at its lookback window once the group has the assignment.
      consumer.on(consumer.events.GROUP_JOIN, () => {
        for (const p of pending.values())
          consumer.seek({ topic, partition: p.partition, offset: String(Math.max(p.low, p.high - lookback)) });
      });
    });
    await done;
  } finally {
    await consumer.disconnect();
  }
  return found.sort((a, b) => a.takenAt.localeCompare(b.takenAt));
}
