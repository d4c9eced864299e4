import type { Actor, EnvelopeBase, PayloadOf, Topic } from '@outpost/contracts';
import type { EntityManager } from 'typeorm';

/** An envelope whose `type` is a known topic and whose payload is that topic's payload type. */
export type EventEnvelope<T extends Topic = Topic> = Omit<EnvelopeBase, 'payload' | 'type'> & {
  type: T;
  payload: PayloadOf<T>;
};

/** What a use case hands to Outbox.add. */
export interface PublishInput<T extends Topic> {
  topic: T;
  payload: PayloadOf<T>;
  /** The lead the event is about; also the Kafka key unless `key` is given. */
  leadId: string | null;
  /** Kafka key for events not about one lead (e.g. roster changes); defaults to leadId. */
  key?: string;
  actor: Actor;
  /** Defaults to the correlation bound to the transaction (see bindCorrelation), else the new event's id. */
  correlationId?: string;
  /** Defaults to the transaction's context's causation id (the event being consumed), else null. */
  causationId?: string | null;
  traceparent?: string;
}

/** A handler of one topic's events; `tx` is the transaction that also records the event in the inbox. */
export type EventHandler<T extends Topic> = (event: EventEnvelope<T>, tx: EntityManager) => Promise<void>;

/** One handler per topic. */
export type EventHandlers = { [T in Topic]?: EventHandler<T> };
