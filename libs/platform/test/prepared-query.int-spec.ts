import { createTestDatabase, type TestDatabase } from '@outpost/testing';
import { DataSource } from 'typeorm';
import { preparedQuery } from '../src';

jest.setTimeout(30_000);

describe('preparedQuery (real Postgres)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  const insert = `INSERT INTO item (id, label) VALUES ($1, $2) RETURNING id, label`;

  beforeAll(async () => {
    db = await createTestDatabase('prepared');
    ds = new DataSource({ type: 'postgres', url: db.adminUrl, extra: { max: 2 } });
    await ds.initialize();
    await ds.query(`CREATE TABLE item (id int PRIMARY KEY, label text NOT NULL)`);
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  it("runs on the transaction's own connection: its rows commit or roll back with the transaction", async () => {
    await ds.transaction(async (tx) => {
      expect(await preparedQuery(tx, insert, [1, 'kept'])).toEqual([{ id: 1, label: 'kept' }]);
      // Same connection: the transaction sees its own uncommitted row through an ordinary query.
      expect(await tx.query(`SELECT label FROM item WHERE id = 1`)).toEqual([{ label: 'kept' }]);
    });
    await expect(
      ds.transaction(async (tx) => {
        await preparedQuery(tx, insert, [2, 'rolled back']);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await ds.query(`SELECT id, label FROM item ORDER BY id`)).toEqual([{ id: 1, label: 'kept' }]);
  });

  it('prepares a statement once per connection and runs it again by name, also outside a transaction', async () => {
    for (let i = 10; i < 20; i++) await preparedQuery(ds, insert, [i, `n${i}`]);
    const { count } = (await ds.query(`SELECT count(*)::int AS count FROM item WHERE id >= 10`))[0] as {
      count: number;
    };
    expect(count).toBe(10);
    // pg_prepared_statements shows the asking session's own statements: ask on a connection that ran it.
    await ds.transaction(async (tx) => {
      await preparedQuery(tx, insert, [30, 'again']);
      const rows: Array<{ n: number }> = await tx.query(
        `SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement = $1`,
        [insert],
      );
      expect(rows[0]!.n).toBe(1);
    });
  });

  it('reports a failing statement with its SQLSTATE', async () => {
    await expect(preparedQuery(ds, insert, [1, 'duplicate'])).rejects.toMatchObject({ code: '23505' });
  });
});
