import { Client, Pool } from 'pg';
import { createTestDatabase, type TestDatabase } from '@outpost/testing';
import { withPoolClient } from '../src';

jest.setTimeout(30_000);

describe('withPoolClient (real Postgres)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let admin: Client;

  beforeAll(async () => {
    db = await createTestDatabase('poolclient');
    pool = new Pool({ connectionString: db.adminUrl, max: 2 });
    admin = new Client({ connectionString: db.adminUrl });
    await admin.connect();
  });
  afterAll(async () => {
    await admin.end();
    await pool.end();
    await db.drop();
  });

  it('survives the connection dying between queries (Postgres restart) and discards that client', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      const pid = await withPoolClient(pool, async (client) => {
        const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        const backend = rows[0]!.pid;
        // Like a Postgres restart while the caller awaits something else (Kafka): no query is in flight.
        await admin.query('SELECT pg_terminate_backend($1)', [backend]);
        await new Promise((r) => setTimeout(r, 300));
        return backend;
      });
      expect(uncaught).toEqual([]);
      // The dead client was not handed back: the next checkout gets a working connection with another backend.
      const next = await withPoolClient(
        pool,
        async (c) => (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid,
      );
      expect(next).not.toBe(pid);
      expect(pool.totalCount).toBeLessThanOrEqual(2);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });

  it('discards a client the work marks broken, and releases a healthy one for reuse', async () => {
    const first = await withPoolClient(
      pool,
      async (c) => (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid,
    );
    const again = await withPoolClient(
      pool,
      async (c) => (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid,
    );
    expect(again).toBe(first);
    await withPoolClient(pool, async (_c, markBroken) => markBroken(new Error('rollback failed')));
    const after = await withPoolClient(
      pool,
      async (c) => (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid,
    );
    expect(after).not.toBe(first);
  });
});
