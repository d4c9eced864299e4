import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What travels with a request or a consumed event: HTTP → Outbox.add → Kafka headers/envelope → consumer → the next
 * Outbox.add. `causationId` is set by the consumer to the id of the event being handled.
 */
export interface CorrelationContext {
  correlationId: string;
  traceparent?: string;
  causationId?: string | null;
}

const storage = new AsyncLocalStorage<CorrelationContext>();

/** Runs `fn` with `ctx` as the current correlation context (also for everything it awaits). */
export function runWithCorrelation<R>(ctx: CorrelationContext, fn: () => R): R {
  return storage.run({ ...ctx }, fn);
}

/** The correlation context of the current async call chain, if any. */
export function currentCorrelation(): CorrelationContext | undefined {
  return storage.getStore();
}
