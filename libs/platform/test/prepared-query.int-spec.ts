import { createTestDatabase, type TestDatabase } from '@outpost/testing';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { preparedQuery, SessionStatement } from '../src';

jest.setTimeout(30_000);

// One database for the file; each describe makes its own table and connection.
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('prepared');
});
afterAll(async () => {
  await db.drop();
});

describe('preparedQuery (real Postgres)', () => {
  let ds: DataSource;
  const insert = `INSERT INTO item (id, label) VALUES ($1, $2) RETURNING id, label`;

  beforeAll(async () => {
    ds = new DataSource({ type: 'postgres', url: db.adminUrl, extra: { max: 2 } });
    await ds.initialize();
    await ds.query(`CREATE TABLE item (id int PRIMARY KEY, label text NOT NULL)`);
  });
  afterAll(async () => {
    await ds.destroy();
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

describe('SessionStatement (real Postgres)', () => {
  let client: Client;
  /** Runs one simple query (several statements) and returns the last result's rows. */
  const run = async (sql: string): Promise<Array<Record<string, unknown>>> => {
    const r = (await client.query(sql)) as unknown as { rows: unknown[] } | Array<{ rows: unknown[] }>;
    return (Array.isArray(r) ? r[r.length - 1]! : r).rows as Array<Record<string, unknown>>;
  };
  /** This session's prepared statements of one base name. */
  const preparedNames = async (base: string): Promise<string[]> =>
    (
      (await client.query(`SELECT name FROM pg_prepared_statements WHERE name LIKE $1 ORDER BY name`, [`${base}%`]))
        .rows as Array<{ name: string }>
    ).map((r) => r.name);

  beforeAll(async () => {
    client = new Client({ connectionString: db.adminUrl });
    await client.connect();
    await client.query(`CREATE TABLE session_item (id int PRIMARY KEY, label text NOT NULL)`);
  });
  afterAll(async () => {
    await client.end();
  });

  it('runs inside a one-round-trip transaction, prepared once per connection, its values as literals', async () => {
    const insert = new SessionStatement(
      'item_insert',
      ['int', 'text'],
      `INSERT INTO session_item VALUES ($1, $2) RETURNING *`,
    );
    for (let i = 1; i <= 10; i++) {
      const rows = await run(`BEGIN; ${insert.sql(client, [String(i), `'n${i}'`])}; COMMIT`);
      expect(rows).toEqual([]); // COMMIT's result; the row is checked below
    }
    expect(await preparedNames('item_insert')).toEqual([expect.stringMatching(/^item_insert_\d+$/)]);
    expect((await client.query(`SELECT count(*)::int AS n FROM session_item`)).rows[0]).toEqual({ n: 10 });
    expect(await run(`BEGIN; ${insert.sql(client, ['11', "'eleven'"])}`)).toEqual([{ id: 11, label: 'eleven' }]);
    await client.query('COMMIT');
  });

  it('prepares afresh after 16 runs, then 32: one statement of its name on the connection at a time', async () => {
    const count = new SessionStatement('item_count', [], `SELECT count(*)::int AS n FROM session_item`);
    const seen: string[] = [];
    for (let i = 1; i <= 16 + 32 + 1; i++) {
      await run(count.sql(client, []));
      const names = await preparedNames('item_count');
      expect(names).toHaveLength(1);
      if (seen[seen.length - 1] !== names[0]) seen.push(names[0]!);
    }
    // Runs 1–16 on the first plan, 17–48 on the second, run 49 on the third.
    expect(seen).toHaveLength(3);
  });

  it('after a failed query, forget() makes the next run prepare under a new name (its PREPARE may never have run)', async () => {
    const label = new SessionStatement('item_label', ['int'], `SELECT label FROM session_item WHERE id = $1`);
    // The statement before the PREPARE fails: Postgres runs nothing after it, so nothing was prepared.
    await expect(run(`BEGIN; SELECT 1/0; ${label.sql(client, ['1'])}`)).rejects.toMatchObject({ code: '22012' });
    await client.query('ROLLBACK');
    // Without forget() the statement believes it is prepared on this connection:
    await expect(run(label.sql(client, ['1']))).rejects.toMatchObject({ code: '26000' });
    label.forget(client);
    expect(await run(label.sql(client, ['1']))).toEqual([{ label: 'n1' }]);
  });
});
