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

/**
 * Runs `fn` in `ctx`, or with no correlation context at all when `ctx` is undefined: for work done on behalf of one
 * caller from inside another's context (a group of requests written together).
 */
export function withCorrelation<R>(ctx: CorrelationContext | undefined, fn: () => R): R {
  return ctx ? runWithCorrelation(ctx, fn) : storage.exit(fn);
}

/** A W3C trace context header (version-traceid-parentid-flags, lower-case hex). */
const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;

/**
 * Nest middleware (every route): the request's correlation id (Fastify's request id, taken from `x-correlation-id` when
 * the caller sent a well-formed one) and a well-formed `traceparent` become the correlation context of the request, so
 * events its handler writes carry them, as events written by a consumer carry the consumed event's.
 */
export function correlationMiddleware(
  req: { id?: unknown; headers: Record<string, string | string[] | undefined> },
  _res: unknown,
  next: () => void,
): void {
  if (typeof req.id !== 'string' || !req.id) return next();
  const traceparent = req.headers.traceparent;
  runWithCorrelation(
    {
      correlationId: req.id,
      ...(typeof traceparent === 'string' && TRACEPARENT.test(traceparent) ? { traceparent } : {}),
      causationId: null,
    },
    next,
  );
}

/** The correlation context of the current async call chain, if any. */
export function currentCorrelation(): CorrelationContext | undefined {
  return storage.getStore();
}
