import { Injectable, Logger } from '@nestjs/common';
import {
  DataSource,
  type EntityManager,
  type EntitySubscriberInterface,
  type QueryRunner,
  type TransactionCommitEvent,
  type TransactionRollbackEvent,
} from 'typeorm';

type Hook = () => Promise<unknown>;

/**
 * Runs work (enqueueing a BullMQ job for a row just written) only once the transaction that wrote the row has
 * committed, including transactions opened by a library (the event consumer): TypeORM announces every commit to the
 * DataSource's subscribers with the transaction's QueryRunner. A hook that fails, or a crash before it runs, is
 * repaired by the reconciler (Postgres is the truth, Redis only a cache of it).
 */
@Injectable()
export class AfterCommit implements EntitySubscriberInterface {
  private readonly logger = new Logger(AfterCommit.name);
  private readonly pending = new WeakMap<QueryRunner, Hook[]>();

  constructor(dataSource: DataSource) {
    dataSource.subscribers.push(this);
  }

  defer(tx: EntityManager, hook: Hook): void {
    const runner = tx.queryRunner;
    if (!runner || !runner.isTransactionActive) {
      this.fire([hook]);
      return;
    }
    const hooks = this.pending.get(runner) ?? [];
    hooks.push(hook);
    this.pending.set(runner, hooks);
  }

  afterTransactionCommit(e: TransactionCommitEvent): void {
    // TypeORM announces a released savepoint as a commit too: only the outermost commit makes the rows visible.
    if (!e.queryRunner || e.queryRunner.isTransactionActive) return;
    const hooks = this.pending.get(e.queryRunner);
    if (!hooks) return;
    this.pending.delete(e.queryRunner);
    this.fire(hooks);
  }

  afterTransactionRollback(e: TransactionRollbackEvent): void {
    // A savepoint rolled back: the outer transaction (and its earlier hooks) may still commit. Hooks deferred inside
    // the savepoint then run for rows that do not exist, which they tolerate (Postgres is the truth).
    if (e.queryRunner && !e.queryRunner.isTransactionActive) this.pending.delete(e.queryRunner);
  }

  private fire(hooks: Hook[]): void {
    // Not awaited: the commit has happened; the caller must not wait on Redis (the reconciler covers failures).
    for (const h of hooks)
      void h().catch((err: unknown) =>
        this.logger.warn(`after-commit hook failed (the reconciler repairs it): ${String(err)}`),
      );
  }
}
