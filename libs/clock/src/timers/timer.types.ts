import type { EntityManager } from 'typeorm';

export type TimerStatus = 'PENDING' | 'FIRED' | 'CANCELLED';

/** One durable timer: a row of the service's `timer` table. */
export interface TimerRecord {
  /** Caller-chosen, deterministic id (e.g. `sla.claim.<leadId>.step1`), so scheduling twice is an upsert. */
  id: string;
  /** Selects the handler (`@OnTimer(kind)`). */
  kind: string;
  /** What the timer is about (a lead or case id); cancelForSubject and list use it. */
  subjectId: string;
  fireAt: Date;
  payload: Record<string, unknown>;
  status: TimerStatus;
  firedAt: Date | null;
  /** Handler executions so far, the successful one included. */
  attempts: number;
}

/**
 * Runs inside the transaction that marks the timer FIRED: write effects (state change, outbox event, audit entry)
 * through `tx` and they commit exactly once with it. Side effects outside Postgres (HTTP, e-mail) may run again on a
 * retry, so hand them to the outbox or give them their own idempotency key.
 */
export type TimerHandler = (timer: TimerRecord, tx: EntityManager) => Promise<void>;

export interface TimerSpec {
  id: string;
  kind: string;
  subjectId: string;
  fireAt: Date;
  payload?: Record<string, unknown>;
}

/** What schedule() did: a FIRED timer is never re-armed (a redelivered event must not fire a ladder step twice). */
export type ScheduleOutcome = 'CREATED' | 'UPDATED' | 'REARMED' | 'ALREADY_FIRED';

/** The slice of a pino-style logger the timers need (pino, PinoLogger and console-like adapters fit). */
export interface TimerLogger {
  info(o: object | string, msg?: string): void;
  warn(o: object | string, msg?: string): void;
  error(o: object | string, msg?: string): void;
}

export const SILENT_TIMER_LOGGER: TimerLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
