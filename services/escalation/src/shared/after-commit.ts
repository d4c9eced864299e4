import { Injectable, Logger } from '@nestjs/common';
import { TimerService } from '@outpost/clock';
import { AfterCommit as OnCommit } from '@outpost/platform';
import type { EntityManager } from 'typeorm';

type Hook = () => Promise<unknown>;

/**
 * Work that must happen only after a transaction commits (enqueue a BullMQ job for a row written in it).
 * Inside `run()` hooks run right after the commit. In a transaction opened by a library (event consumer, timer
 * handler) they run when TypeORM announces that transaction's commit (the platform's AfterCommit) and are dropped if
 * it rolls back; the reconcilers repair anything lost in a crash.
 */
@Injectable()
export class AfterCommit {
  private readonly logger = new Logger(AfterCommit.name);
  private readonly pending = new WeakMap<EntityManager, Hook[]>();

  constructor(
    private readonly timers: TimerService,
    private readonly onCommit: OnCommit,
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
    this.onCommit.defer(tx, hook);
  }
}
