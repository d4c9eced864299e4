import { envelopeSchema, isTopic, parsePayload, type Topic } from '@outpost/contracts';
import { ZodError } from 'zod';
import type { EventEnvelope } from './event-envelope';

/** A consumed message that can never be handled as it is (not JSON, bad envelope, bad payload, wrong topic). */
export class InvalidMessageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidMessageError';
  }
}

/** Parses and validates a consumed Kafka value as the envelope of `topic` (logical name). */
export function parseEvent(topic: string, value: Buffer | string | null): EventEnvelope {
  if (!isTopic(topic)) throw new InvalidMessageError(`unknown topic ${topic}`);
  if (value === null) throw new InvalidMessageError('message has no value (tombstone)');
  let json: unknown;
  try {
    json = JSON.parse(value.toString());
  } catch (err) {
    throw new InvalidMessageError(`value is not JSON: ${(err as Error).message}`, { cause: err });
  }
  try {
    const envelope = envelopeSchema.parse(json);
    if (envelope.type !== topic)
      throw new InvalidMessageError(`envelope type ${envelope.type} does not match topic ${topic}`);
    const payload = parsePayload(topic as Topic, envelope.payload);
    return { ...envelope, type: topic, payload } as EventEnvelope;
  } catch (err) {
    if (err instanceof ZodError) {
      const issues = err.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      throw new InvalidMessageError(`invalid envelope or payload: ${issues}`, { cause: err });
    }
    throw err;
  }
}
