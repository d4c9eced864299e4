import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** Where the real test infrastructure lives (same defaults as the services; override with the same variables). */
export const TEST_INFRA = {
  adminDatabaseUrl: process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  kafkaBrokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
};

/** A short random suffix for names that must not collide between test files or reruns. */
export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/** A unique Kafka topic prefix (services prepend it to every topic name) so reruns never see old messages. */
export function uniqueTopicPrefix(label = 't'): string {
  return `${label}-${uniqueSuffix()}.`;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export interface TestDatabase {
  name: string;
  /** Superuser URL of the new database (migrations, assertions). */
  adminUrl: string;
  drop(): Promise<void>;
}

/** Creates an empty, uniquely named database on the real Postgres; drop() removes it. */
export async function createTestDatabase(label = 'test'): Promise<TestDatabase> {
  const name = `outpost_${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${uniqueSuffix()}`.slice(0, 63);
  const admin = new Client({ connectionString: TEST_INFRA.adminDatabaseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return {
    name,
    adminUrl: withDatabase(TEST_INFRA.adminDatabaseUrl, name),
    async drop() {
      const c = new Client({ connectionString: TEST_INFRA.adminDatabaseUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** Polls `check` until it returns a non-undefined value or the timeout passes (for eventually-consistent outcomes). */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 20000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms${lastError ? `: ${String(lastError)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Runs SQL in a service's schema and returns the rows (a harness's `sql`, or a pg client's query mapped to rows). */
export type RowQuery = <R = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<R[]>;

/**
 * Waits until a service's consumer has handled every one of these events: its inbox holds their ids, so each handler's
 * transaction committed. Fails as soon as one of them is dead-lettered instead, with the consumer's error.
 */
export async function handledByConsumer(query: RowQuery, eventIds: string[], timeoutMs = 30_000): Promise<void> {
  const outcome = await eventually(async () => {
    const [row] = await query<{ handled: number; dead: string | null }>(
      `SELECT (SELECT count(DISTINCT event_id)::int FROM inbox WHERE event_id = ANY($1::uuid[])) AS handled,
              (SELECT string_agg(event_id || ': ' || error, '; ') FROM dead_letter WHERE event_id = ANY($1::uuid[])) AS dead`,
      [eventIds],
    );
    if (row?.dead) return new Error(`dead-lettered instead of handled: ${row.dead}`);
    return row?.handled === eventIds.length ? true : undefined;
  }, timeoutMs);
  if (outcome instanceof Error) throw outcome;
}
