import { createTestDatabase, type TestDatabase } from '@outpost/testing';
import { DataSource } from 'typeorm';
import { runtimeDataSourceOptions } from '../src';

describe("a service's runtime connection (real Postgres)", () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('runtime_conn');
    ds = new DataSource(
      runtimeDataSourceOptions({ DATABASE_URL: db.adminUrl, DATABASE_SCHEMA: 'svc', DATABASE_POOL_SIZE: 2 }),
    );
    await ds.initialize();
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  it('runs with its schema first on the search path, lz4 compression and no JIT', async () => {
    const [row] = (await ds.query(
      `SELECT current_setting('search_path') AS search_path, current_setting('default_toast_compression') AS toast,
              current_setting('jit') AS jit`,
    )) as Array<{ search_path: string; toast: string; jit: string }>;
    expect(row).toEqual({ search_path: 'svc,public', toast: 'lz4', jit: 'off' });
  });
});
