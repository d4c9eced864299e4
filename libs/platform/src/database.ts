import { Client, type Pool, type PoolClient } from 'pg';
import { DataSource, type DataSourceOptions, type MigrationInterface, type QueryRunner } from 'typeorm';
import type { BaseConfig } from './config';

type MigrationClass = new () => MigrationInterface;

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** The schema a migration runs in (migrations are written schema-agnostic; the search_path points at the service's schema). */
export function schemaOf(queryRunner: QueryRunner): string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema;
  if (!schema) throw new Error('migration DataSource has no schema');
  return schema;
}

/** The runtime role migrations grant to (set by prepareDatabase). */
export function runtimeRoleOf(queryRunner: QueryRunner): string {
  const role = (queryRunner.connection.options as { extra?: { outpostRuntimeRole?: string } }).extra
    ?.outpostRuntimeRole;
  if (!role) throw new Error('migration DataSource has no runtime role');
  return role;
}

/**
 * Creates the database, the service's schema and least-privilege runtime role if missing, then runs the service's
 * migrations as the admin role. Guarded by an advisory lock, so several instances may start at once.
 */
export async function prepareDatabase(
  config: Pick<BaseConfig, 'DATABASE_ADMIN_URL' | 'DATABASE_URL' | 'DATABASE_SCHEMA' | 'DATABASE_ROLE'>,
  migrations: MigrationClass[],
): Promise<void> {
  const adminUrl = new URL(config.DATABASE_ADMIN_URL);
  const database = adminUrl.pathname.replace(/^\//, '') || 'outpost';
  const schema = config.DATABASE_SCHEMA;
  const role = config.DATABASE_ROLE;

  const server = new Client({ connectionString: withDatabase(config.DATABASE_ADMIN_URL, 'postgres') });
  await connectOrExplain(server, config.DATABASE_ADMIN_URL);
  try {
    const exists = await server.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) {
      await server.query(`CREATE DATABASE ${quoteIdent(database)}`).catch((e: { code?: string }) => {
        // Created concurrently (services starting together on a fresh machine): 42P04 duplicate_database, or 23505
        // when the other CREATE DATABASE commits while this one is inserting the same name into pg_database.
        if (e.code !== '42P04' && e.code !== '23505') throw e;
      });
    }
  } finally {
    await server.end();
  }

  const admin = new Client({ connectionString: config.DATABASE_ADMIN_URL });
  await admin.connect();
  try {
    // Roles and database grants are cluster/database-wide: services starting together take turns on them
    // (concurrent GRANTs on one database fail with "tuple concurrently updated").
    await admin.query('SELECT pg_advisory_lock(hashtext($1))', ['outpost-prepare-database']);
    await admin.query(`DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN CREATE ROLE ${quoteIdent(role)} LOGIN; END IF;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`);
    await admin.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    await admin.query(`GRANT CONNECT ON DATABASE ${quoteIdent(database)} TO ${quoteIdent(role)}`);
    await admin.query('SELECT pg_advisory_unlock(hashtext($1))', ['outpost-prepare-database']);
    await admin.query('SELECT pg_advisory_lock(hashtext($1))', [`outpost-migrate-${schema}`]);
    await admin.query(`GRANT USAGE ON SCHEMA ${quoteIdent(schema)} TO ${quoteIdent(role)}`);
    await admin.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA ${quoteIdent(schema)} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${quoteIdent(role)}`,
    );
    await admin.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA ${quoteIdent(schema)} GRANT USAGE, SELECT ON SEQUENCES TO ${quoteIdent(role)}`,
    );

    const ds = new DataSource({
      type: 'postgres',
      url: config.DATABASE_ADMIN_URL,
      schema,
      migrations,
      migrationsTableName: 'migrations',
      migrationsTransactionMode: 'each',
      extra: { options: `-c search_path=${schema},public`, outpostRuntimeRole: role, max: 2 },
      logging: ['error'],
    } as DataSourceOptions);
    await ds.initialize();
    try {
      await ds.runMigrations();
    } finally {
      await ds.destroy();
    }
  } finally {
    await admin.query('SELECT pg_advisory_unlock(hashtext($1))', [`outpost-migrate-${schema}`]).catch(() => undefined);
    await admin.end();
  }
}

async function connectOrExplain(client: Client, url: string): Promise<void> {
  try {
    await client.connect();
  } catch (e) {
    const u = new URL(url);
    throw new Error(
      `PostgreSQL is not reachable at ${u.hostname}:${u.port || 5432} as ${u.username || '(default user)'} (${(e as Error).message}). ` +
        'Start it (pg_ctlcluster <version> main start), or point DATABASE_ADMIN_URL/DATABASE_URL at a running server.',
    );
  }
}

/** TypeORM options for the service's runtime connection (least-privilege role, its own schema, no synchronize). */
export function runtimeDataSourceOptions(
  config: Pick<BaseConfig, 'DATABASE_URL' | 'DATABASE_SCHEMA' | 'DATABASE_POOL_SIZE'>,
  entities: DataSourceOptions['entities'] = [],
): DataSourceOptions {
  return {
    type: 'postgres',
    url: config.DATABASE_URL,
    schema: config.DATABASE_SCHEMA,
    entities,
    synchronize: false,
    migrationsRun: false,
    logging: ['error'],
    extra: {
      max: config.DATABASE_POOL_SIZE,
      // lz4, not pglz, for values Postgres compresses (TOAST): read models and outbox rows carry 1–3 kB JSON updated
      // several times per lead, and lz4 compressed a lead_view update ~40 % faster (same size on disk).
      // No JIT: services run short statements, and JIT compiles any plan whose estimated cost passes jit_above_cost,
      // at every execution. Without table statistics (autovacuum off) estimates grow with the tables: intake's
      // registration read crossed the threshold at ~36,000 leads and then spent ~30 ms compiling for 0.3 ms of work.
      options: `-c search_path=${config.DATABASE_SCHEMA},public -c default_toast_compression=lz4 -c jit=off`,
      // Also bounds the wait for a free pooled client: generous, so a burst queues instead of failing; an unreachable
      // server still fails at once (connection refused), which is what answers 503 quickly.
      connectionTimeoutMillis: 10000,
      statement_timeout: 15000,
    },
  };
}

/** The pg Pool behind a TypeORM DataSource, for hot paths that bypass TypeORM's QueryRunner (see withPoolClient). */
export function rawPoolOf(dataSource: DataSource): Pool {
  return (dataSource.driver as unknown as { master: Pool }).master;
}

/**
 * Runs `work` on a client checked out of a raw pg Pool (hot paths that bypass TypeORM's QueryRunner). While checked out,
 * a client whose connection dies BETWEEN queries (Postgres restarted while the caller awaited Kafka, say) emits
 * 'error', and with no listener that kills the process; TypeORM's QueryRunner attaches one, a raw client needs its own.
 * Such a client — or one `work` reports broken (e.g. its ROLLBACK failed) — is discarded by the pool, never reused.
 */
export async function withPoolClient<T>(
  pool: Pool,
  work: (client: PoolClient, markBroken: (err: Error) => void) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (err: Error): void => {
    broken = err;
  };
  client.on('error', onError);
  try {
    return await work(client, (err) => (broken = err));
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

/**
 * `text` as a dollar-quoted SQL literal (`$q<n>$…$q<n>$`), with a tag that does not occur in it: safe without any
 * escaping, so a hot path can send a document inside a multi-statement simple query (one round trip) instead of as a
 * bind parameter of a statement of its own.
 */
export function dollarQuoted(text: string): string {
  let n = 0;
  while (text.includes(`$q${n}$`)) n++;
  return `$q${n}$${text}$q${n}$`;
}
