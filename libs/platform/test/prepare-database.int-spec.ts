import { Client } from 'pg';
import { TEST_INFRA, uniqueSuffix } from '@outpost/testing';
import { prepareDatabase } from '../src';

/** Five services starting at once on a fresh machine: each creates the missing database, schema and role. */
describe(prepareDatabase.name, () => {
  const tag = uniqueSuffix();
  const database = `outpost_prepare_${tag}`;
  const services = ['a', 'b', 'c', 'd', 'e'].map((s) => ({ schema: `svc_${s}`, role: `outpost_prepare_${tag}_${s}` }));
  const url = (db: string) => {
    const u = new URL(TEST_INFRA.adminDatabaseUrl);
    u.pathname = `/${db}`;
    return u.toString();
  };
  const server = new Client({ connectionString: url('postgres') });

  beforeAll(() => server.connect());
  afterAll(async () => {
    await server.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    for (const s of services) await server.query(`DROP ROLE IF EXISTS ${s.role}`);
    await server.end();
  });

  it('lets services started together each create what is missing, none failing on the database another created', async () => {
    const results = await Promise.allSettled(
      services.map((s) =>
        prepareDatabase(
          {
            DATABASE_ADMIN_URL: url(database),
            DATABASE_URL: url(database),
            DATABASE_SCHEMA: s.schema,
            DATABASE_ROLE: s.role,
          },
          [],
        ),
      ),
    );

    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const db = new Client({ connectionString: url(database) });
    await db.connect();
    try {
      const schemas = await db.query<{ nspname: string }>(
        `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'svc\\_%' ORDER BY nspname`,
      );
      expect(schemas.rows.map((r) => r.nspname)).toEqual(services.map((s) => s.schema));
    } finally {
      await db.end();
    }
    const roles = await server.query(`SELECT rolname FROM pg_roles WHERE rolname LIKE $1`, [
      `outpost_prepare_${tag}_%`,
    ]);
    expect(roles.rowCount).toBe(services.length);
  });
});
