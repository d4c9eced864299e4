import type { EntityManager } from 'typeorm';
import { transactionKey } from './transaction-key';

/**
 * Which queue a batch-end callback joins. Every pending 'work' callback runs before the next 'write' one: work may
 * record more (assessment routes a batch's leads at its end and journals each assignment), and the writes after it
 * must include that.
 */
export type BatchEndStage = 'work' | 'write';

/** Defers work to the end of a consumer batch transaction: EventConsumer (see its atBatchEnd). */
export interface BatchEnds {
  atBatchEnd(tx: EntityManager, fn: () => Promise<void>, stage?: BatchEndStage): boolean;
}

/** The callbacks one batch transaction runs at its end, before its commit (EventConsumer keeps one per open batch). */
export class BatchEnd {
  private readonly work: Array<() => Promise<void>> = [];
  private readonly writes: Array<() => Promise<void>> = [];

  defer(fn: () => Promise<void>, stage: BatchEndStage): void {
    (stage === 'work' ? this.work : this.writes).push(fn);
  }

  /**
   * Runs the callbacks in the order deferred, work first, until none is pending: one may defer more (a write adding to
   * a collector that was written already), and that has to commit with the batch too.
   */
  async run(): Promise<void> {
    for (let next = this.next(); next; next = this.next()) await next();
  }

  private next(): (() => Promise<void>) | undefined {
    return this.work.shift() ?? this.writes.shift();
  }
}

/**
 * What the handlers of one consumer batch transaction share (e.g. leads read for the whole batch at its start and
 * updated by each event): made on first use in the batch, handed to `end` at the batch's end, then forgotten (anything
 * that asks for it while `end` runs gets a new one, ended in turn). Outside a batch transaction there is none: the
 * caller does its work at once, so the same code serves the one-at-a-time path.
 */
export class BatchState<S> {
  // Weak: a batch that rolls back never reaches its end, and its state goes with its transaction.
  private readonly states = new WeakMap<object, S>();

  constructor(
    private readonly batches: BatchEnds,
    private readonly o: {
      start: () => S;
      end: (tx: EntityManager, state: S) => Promise<void>;
      /** Default 'write'. */
      stage?: BatchEndStage;
    },
  ) {}

  /** The state of `tx`'s batch, made now on first use; undefined when `tx` is not a batch transaction. */
  of(tx: EntityManager): S | undefined {
    const key = transactionKey(tx);
    if (this.states.has(key)) return this.states.get(key);
    const state = this.o.start();
    const deferred = this.batches.atBatchEnd(
      tx,
      async () => {
        this.states.delete(key);
        await this.o.end(tx, state);
      },
      this.o.stage ?? 'write',
    );
    if (!deferred) return undefined;
    this.states.set(key, state);
    return state;
  }
}

/**
 * Collects what the handlers of a consumer batch transaction produce and hands it to `flush` once, at the batch's end,
 * in the order added: a statement or two per batch instead of per event. Outside a batch transaction `add` flushes at
 * once, so the same code serves the one-at-a-time path. Items are kept as given: build anything that depends on the
 * transaction's correlation (Outbox.build) when adding, since batch-end callbacks run with none bound.
 */
export class BatchCollector<T> {
  private readonly pending: BatchState<T[]>;

  constructor(
    batches: BatchEnds,
    private readonly flush: (tx: EntityManager, items: T[]) => Promise<void>,
    /** stage: default 'write'; 'work' for a flush that records more (it then runs before the writes). */
    o: { stage?: BatchEndStage } = {},
  ) {
    this.pending = new BatchState<T[]>(batches, { start: () => [], end: flush, stage: o.stage });
  }

  async add(tx: EntityManager, ...items: T[]): Promise<void> {
    if (!items.length) return;
    const pending = this.pending.of(tx);
    if (pending) pending.push(...items);
    else await this.flush(tx, items);
  }
}
