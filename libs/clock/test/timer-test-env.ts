import { createTestDatabase, TEST_INFRA, uniqueSuffix, type TestDatabase } from '@outpost/testing';
import IORedis from 'ioredis';
import { Client } from 'pg';
import { DataSource, type EntityManager } from 'typeorm';
import { timersMigration, type TimerHandler } from '../src';

export const SCHEMA = 'svc';

/**
 * One test file's world: its own database (timers migration run as the admin role), a runtime role created for it,
 * an `effect` table handlers write to (so "fired once" is counted in Postgres, not in memory), and helpers.
 */
export interface TimerTestEnv {
  db: TestDatabase;
  role: string;
  runtimeUrl: string;
  /** A DataSource as the runtime role; application_name lets a test find (and kill) its backends. */
  dataSource(applicationName?: string): Promise<DataSource>;
  admin: Client;
  effects(timerId: string): Promise<number>;
  teardown(): Promise<void>;
}

export async function createTimerTestEnv(label: string): Promise<TimerTestEnv> {
  const db = await createTestDatabase(label);
  const role = `clock_rt_${uniqueSuffix()}`;
  const admin = new Client({ connectionString: db.adminUrl });
  await admin.connect();
  await admin.query(`CREATE ROLE "${role}" LOGIN`);
  for (const sql of timersMigration(SCHEMA, role).up) await admin.query(sql);
  await admin.query(
    `CREATE TABLE ${SCHEMA}.effect (n bigserial PRIMARY KEY, timer_id text NOT NULL, attempt int NOT NULL)`,
  );
  await admin.query(`GRANT SELECT, INSERT ON ${SCHEMA}.effect TO "${role}"`);
  await admin.query(`GRANT USAGE ON SEQUENCE ${SCHEMA}.effect_n_seq TO "${role}"`);
  const u = new URL(db.adminUrl);
  u.username = role;
  const runtimeUrl = u.toString();
  const sources: DataSource[] = [];
  return {
    db,
    role,
    runtimeUrl,
    admin,
    async dataSource(applicationName = 'clock-test') {
      const ds = new DataSource({
        type: 'postgres',
        url: runtimeUrl,
        extra: { max: 6, application_name: applicationName },
        logging: false,
      });
      await ds.initialize();
      sources.push(ds);
      return ds;
    },
    async effects(timerId: string) {
      const r = await admin.query(`SELECT count(*)::int AS n FROM ${SCHEMA}.effect WHERE timer_id = $1`, [timerId]);
      return r.rows[0].n as number;
    },
    async teardown() {
      for (const ds of sources) if (ds.isInitialized) await ds.destroy();
      await admin.end();
      await db.drop();
      const c = new Client({ connectionString: TEST_INFRA.adminDatabaseUrl });
      await c.connect();
      try {
        await c.query(`DROP ROLE IF EXISTS "${role}"`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A handler that records its effect in the firing transaction. */
export const recordEffect: TimerHandler = async (timer, tx: EntityManager) => {
  await tx.query(`INSERT INTO ${SCHEMA}.effect (timer_id, attempt) VALUES ($1, $2)`, [timer.id, timer.attempts]);
};

/** Deletes only this queue's keys (other engineers share this Redis: never FLUSHALL). Returns keys deleted. */
export async function deleteQueueKeys(queueName: string, prefix = 'bull'): Promise<number> {
  const redis = new IORedis(TEST_INFRA.redisUrl);
  try {
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:${queueName}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) deleted += await redis.del(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    redis.disconnect();
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
