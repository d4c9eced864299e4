import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { transactionKey } from './transaction-key';

/**
 * What travels with a request or a consumed event: HTTP → Outbox.add → Kafka headers/envelope → consumer → the next
 * Outbox.add. `causationId` is set by the consumer to the id of the event being handled.
 *
 * It is passed explicitly, never kept in AsyncLocalStorage: on Node 20 any AsyncLocalStorage in a process turns on
 * V8's promise hooks for every promise (with nestjs-pino's middleware gone too, intake used ~15 % less CPU per lead
 * under its HTTP load, bench/results/intake-write-path.md). A consumer
 * binds the handled event's context to the handler's transaction; a request's use case binds the request's context
 * (RequestCorrelation) to the transaction it opens; Outbox and LeadJournal read it from the transaction they write in.
 */
export interface CorrelationContext {
  correlationId: string;
  traceparent?: string;
  causationId?: string | null;
}

const byTransaction = new WeakMap<object, CorrelationContext>();

/** The context events written in `tx` carry from now on (undefined: none, each event starts its own correlation). */
export function bindCorrelation(tx: object, ctx: CorrelationContext | undefined): void {
  if (ctx) byTransaction.set(transactionKey(tx), { ...ctx });
  else byTransaction.delete(transactionKey(tx));
}

/** The context bound to `tx`, if any. */
export function correlationOf(tx: object | undefined): CorrelationContext | undefined {
  return tx ? byTransaction.get(transactionKey(tx)) : undefined;
}

/**
 * A request's transaction work, with the request's context (RequestCorrelation) bound to its transaction before it
 * starts: what it writes carries the request's correlation. It wraps the work rather than opening the transaction, so
 * each use case keeps its own way of opening one (an isolation level, TimerService.withTransaction, a runner with
 * after-commit hooks): `dataSource.transaction(correlated(correlation, async (tx) => …))`. An opener that retries runs
 * it again in a new transaction, which is bound again.
 */
export function correlated<T extends object, R>(
  ctx: CorrelationContext | undefined,
  work: (tx: T) => Promise<R>,
): (tx: T) => Promise<R> {
  return (tx) => {
    bindCorrelation(tx, ctx);
    return work(tx);
  };
}

/**
 * Runs `fn` with `ctx` bound to `tx`, then restores what was bound before: for work done in one transaction on behalf
 * of several events in turn (a consumer batch's end). The transaction's work is sequential, so nothing else sees it.
 */
export async function withCorrelation<R>(
  tx: object,
  ctx: CorrelationContext | undefined,
  fn: () => Promise<R>,
): Promise<R> {
  const before = correlationOf(tx);
  bindCorrelation(tx, ctx);
  try {
    return await fn();
  } finally {
    bindCorrelation(tx, before);
  }
}

/** What an event's handler writes carries: the event's correlation and trace context, the event as its cause. */
export function eventCorrelation(event: {
  id: string;
  correlationId: string;
  traceparent?: string;
}): CorrelationContext {
  return { correlationId: event.correlationId, traceparent: event.traceparent, causationId: event.id };
}

/**
 * A context as the explicit fields of an Outbox publish input, for events built outside a transaction that carries
 * it (no context: the event starts its own correlation).
 */
export function correlationFields(ctx: CorrelationContext | undefined): {
  correlationId?: string;
  traceparent?: string;
  causationId?: string | null;
} {
  return ctx
    ? { correlationId: ctx.correlationId, traceparent: ctx.traceparent, causationId: ctx.causationId ?? null }
    : {};
}

/** A W3C trace context header (version-traceid-parentid-flags, lower-case hex). */
const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;

/**
 * A request's correlation context: its id (Fastify's request id, taken from `x-correlation-id` when the caller sent a
 * well-formed one) and a well-formed `traceparent`; no causation.
 */
export function requestCorrelation(req: {
  id?: unknown;
  headers: Record<string, string | string[] | undefined>;
}): CorrelationContext | undefined {
  if (typeof req.id !== 'string' || !req.id) return undefined;
  const traceparent = req.headers.traceparent;
  return {
    correlationId: req.id,
    ...(typeof traceparent === 'string' && TRACEPARENT.test(traceparent) ? { traceparent } : {}),
    causationId: null,
  };
}

/** Controller parameter: the request's correlation context (requestCorrelation), for the use case to bind. */
export const RequestCorrelation = createParamDecorator((_data: unknown, ctx: ExecutionContext) =>
  requestCorrelation(ctx.switchToHttp().getRequest()),
);
