import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { AfterCommit } from './after-commit';

/** A query runner as TypeORM leaves it after COMMIT / RELEASE SAVEPOINT / ROLLBACK [TO SAVEPOINT]. */
function runner(): QueryRunner & { isTransactionActive: boolean } {
  return { isTransactionActive: true } as QueryRunner & { isTransactionActive: boolean };
}

describe('AfterCommit', () => {
  const flush = () => new Promise((r) => setImmediate(r));

  it('runs hooks at the outermost commit, not when a savepoint is released', async () => {
    const sut = new AfterCommit({ subscribers: [] } as unknown as DataSource);
    const qr = runner();
    const ran: string[] = [];
    sut.defer({ queryRunner: qr } as EntityManager, async () => ran.push('hook'));
    sut.afterTransactionCommit({ queryRunner: qr } as never); // RELEASE SAVEPOINT: still inside the transaction
    await flush();
    expect(ran).toEqual([]);
    qr.isTransactionActive = false; // COMMIT
    sut.afterTransactionCommit({ queryRunner: qr } as never);
    await flush();
    expect(ran).toEqual(['hook']);
  });

  it('keeps the outer hooks when a savepoint rolls back and drops them when the transaction does', async () => {
    const sut = new AfterCommit({ subscribers: [] } as unknown as DataSource);
    const qr = runner();
    const ran: string[] = [];
    sut.defer({ queryRunner: qr } as EntityManager, async () => ran.push('outer'));
    sut.afterTransactionRollback({ queryRunner: qr } as never); // ROLLBACK TO SAVEPOINT
    qr.isTransactionActive = false;
    sut.afterTransactionCommit({ queryRunner: qr } as never);
    await flush();
    expect(ran).toEqual(['outer']);

    const qr2 = runner();
    sut.defer({ queryRunner: qr2 } as EntityManager, async () => ran.push('rolled back'));
    qr2.isTransactionActive = false; // ROLLBACK
    sut.afterTransactionRollback({ queryRunner: qr2 } as never);
    sut.afterTransactionCommit({ queryRunner: qr2 } as never);
    await flush();
    expect(ran).toEqual(['outer']);
  });
});
