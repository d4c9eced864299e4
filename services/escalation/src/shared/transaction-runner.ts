import { Injectable, Logger } from '@nestjs/common';
import { TimerService } from '@outpost/clock';
import { AfterCommit } from '@outpost/platform';
import type { EntityManager } from 'typeorm';

type Hook = () => Promise<unknown>;

/**
 * Escalation's commands and callbacks: one transaction, then the work that must happen only after it commits (enqueue a
 * BullMQ job for a row written in it), awaited before the caller answers. `defer` outside `run()` (in a transaction a
 * library opened: event consumer, timer handler) hands the hook to the platform's AfterCommit, which runs it when
 * TypeORM announces that transaction's commit and drops it if it rolls back; the reconcilers repair anything lost in
 * a crash.
 */
@Injectable()
export class TransactionRunner {
  private readonly logger = new Logger(TransactionRunner.name);
  private readonly pending = new WeakMap<EntityManager, Hook[]>();

  constructor(
    private readonly timers: TimerService,
    private readonly afterCommit: AfterCommit,
  ) {}

  /** Runs `work` in one transaction (timers scheduled in it are kicked after commit), then the deferred hooks. */
  async run<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    const hooks: Hook[] = [];
    const result = await this.timers.withTransaction(async (tx) => {
      this.pending.set(tx, hooks);
      return work(tx);
    });
    for (const h of hooks)
      await h().catch((err: unknown) =>
        this.logger.warn(`after-commit hook failed (reconciler repairs it): ${String(err)}`),
      );
    return result;
  }

  defer(tx: EntityManager, hook: Hook): void {
    const hooks = this.pending.get(tx);
    if (hooks) {
      hooks.push(hook);
      return;
    }
    this.afterCommit.defer(tx, hook);
  }
}
