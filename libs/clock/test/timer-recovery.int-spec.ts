import { uniqueSuffix, eventually, TEST_INFRA } from '@outpost/testing';
import { SystemClock, TimerService, timerJobId, type TimerHandler, type TimerServiceOptions } from '../src';
import type { DataSource } from 'typeorm';
import { createTimerTestEnv, deleteQueueKeys, recordEffect, SCHEMA, sleep, type TimerTestEnv } from './timer-test-env';

/** Crash and outage recovery: every scheduled timer fires, and fires once. */
describe('TimerService recovery', () => {
  const queueName = `clock-recovery-${uniqueSuffix()}`;
  let env: TimerTestEnv;
  const services: TimerService[] = [];

  const service = (
    dataSource: DataSource,
    handlers: Record<string, TimerHandler>,
    extra: Partial<TimerServiceOptions> = {},
  ) => {
    const s = new TimerService({
      dataSource,
      schema: SCHEMA,
      queueName,
      redis: { url: TEST_INFRA.redisUrl },
      clock: new SystemClock(),
      handlers,
      reconcileIntervalMs: 0,
      retry: { attempts: 3, backoffMs: 50 },
      ...extra,
    });
    services.push(s);
    return s;
  };
  const inMs = (ms: number) => new Date(Date.now() + ms);
  const firedOnce = async (sut: TimerService, id: string) =>
    eventually(async () => ((await sut.get(id))?.status === 'FIRED' ? true : undefined), 15_000, 50);

  beforeAll(async () => {
    env = await createTimerTestEnv('clock_recovery');
  });

  afterEach(async () => {
    for (const s of services.splice(0)) await s.stop();
  });

  afterAll(async () => {
    await deleteQueueKeys(queueName);
    await env?.teardown();
  });

  it('a timer committed but never enqueued (crash before kick) is fired or enqueued by the reconcile on start', async () => {
    const ds = await env.dataSource();
    const writer = service(ds, {});
    // Committed, but the process "dies" before kick(): no BullMQ job exists for either timer.
    await ds.transaction(async (tx) => {
      await writer.schedule(tx, { id: 'lost.overdue', kind: 'effect', subjectId: 'lead-1', fireAt: inMs(-5_000) });
      await writer.schedule(tx, { id: 'lost.future', kind: 'effect', subjectId: 'lead-1', fireAt: inMs(3_000) });
    });
    expect(
      await writer.getQueue().getJob(timerJobId('lost.future', (await writer.get('lost.future'))!.fireAt)),
    ).toBeUndefined();
    await writer.stop();

    // lost.future is 3 s ahead: still PENDING after the restart's reconcile, even on a loaded machine.
    const restarted = service(ds, { effect: recordEffect });
    await restarted.start(); // reconciles once: fires the overdue timer directly, enqueues the future one
    expect((await restarted.get('lost.overdue'))!.status).toBe('FIRED');
    expect((await restarted.get('lost.future'))!.status).toBe('PENDING');
    await firedOnce(restarted, 'lost.future');
    expect(await env.effects('lost.overdue')).toBe(1);
    expect(await env.effects('lost.future')).toBe(1);
  });

  it("after the queue's Redis keys are deleted, reconcile re-creates the job and the timer fires exactly once", async () => {
    // The service's clock runs `ahead` of the real one: the timer is due only when the test says so, however long the
    // steps before take (deleteQueueKeys scans every key of a busy Redis; a 3 s margin was once not enough).
    let ahead = 0;
    const clock = { now: () => new Date(Date.now() + ahead) };
    const sut = service(await env.dataSource(), { effect: recordEffect }, { clock });
    await sut.start();
    const fireAt = inMs(60_000);
    await sut.withTransaction((tx) => sut.schedule(tx, { id: 'flushed', kind: 'effect', subjectId: 'lead-2', fireAt }));
    expect(await (await sut.getQueue().getJob(timerJobId('flushed', fireAt)))?.getState()).toBe('delayed');

    expect(await deleteQueueKeys(queueName)).toBeGreaterThan(0); // this queue's keys only, never FLUSHALL
    expect(await sut.getQueue().getJob(timerJobId('flushed', fireAt))).toBeUndefined();

    expect(await sut.reconcile()).toEqual({ enqueued: 1, fired: 0 });
    expect(await sut.reconcile()).toEqual({ enqueued: 0, fired: 0 }); // idempotent
    const recreated = await sut.getQueue().getJob(timerJobId('flushed', fireAt));
    expect(await recreated?.getState()).toBe('delayed');
    ahead = 120_000; // now it is due: the re-created job runs it
    await recreated!.promote();
    await firedOnce(sut, 'flushed');
    await sleep(300);
    expect(await env.effects('flushed')).toBe(1);
    expect((await sut.get('flushed'))!.attempts).toBe(1);
  });

  it('a handler that throws before commit leaves no effect; the retry fires it exactly once', async () => {
    let calls = 0;
    const sut = service(await env.dataSource(), {
      once: async (timer, tx) => {
        calls++;
        await recordEffect(timer, tx); // written, then lost with the rollback
        if (calls === 1) throw new Error('worker died before commit');
      },
    });
    await sut.start();
    await sut.withTransaction((tx) =>
      sut.schedule(tx, { id: 'throws-once', kind: 'once', subjectId: 'lead-3', fireAt: inMs(50) }),
    );
    await firedOnce(sut, 'throws-once');
    expect(calls).toBe(2);
    expect(await env.effects('throws-once')).toBe(1);
    expect(await sut.get('throws-once')).toMatchObject({ status: 'FIRED', attempts: 2 });
  });

  it('a worker whose database session dies mid-handler: after restart the timer fires exactly once', async () => {
    let entered!: () => void;
    const inHandler = new Promise<void>((r) => (entered = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const crashing = service(await env.dataSource('clock-test-crashing'), {
      hang: async (timer, tx) => {
        await recordEffect(timer, tx);
        entered();
        await gate; // the "process" stops here, mid-transaction
      },
    });
    await crashing.start();
    await crashing.withTransaction((tx) =>
      crashing.schedule(tx, { id: 'mid-handler', kind: 'hang', subjectId: 'lead-4', fireAt: inMs(0) }),
    );
    await inHandler;

    // Kill the crashed worker's Postgres sessions, as a dead process's would end: its transaction rolls back.
    const killed = await env.admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'clock-test-crashing' AND datname = current_database()`,
    );
    expect(killed.rowCount).toBeGreaterThan(0);
    await eventually(
      async () => {
        const r = await env.admin.query(
          `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'timer' AND l.mode = 'RowShareLock'`,
        );
        return r.rows[0].n === 0 ? true : undefined;
      },
      5_000,
      50,
    );
    const after = await env.admin.query(`SELECT status FROM ${SCHEMA}.timer WHERE id = 'mid-handler'`);
    expect(after.rows[0].status).toBe('PENDING');
    expect(await env.effects('mid-handler')).toBe(0);

    const restarted = service(await env.dataSource('clock-test-restarted'), { hang: recordEffect });
    await restarted.start(); // the reconcile on start fires the overdue timer
    expect((await restarted.get('mid-handler'))!.status).toBe('FIRED');

    release(); // the zombie handler resumes; its commit fails and its retries find the timer FIRED
    await crashing.stop();
    expect(await env.effects('mid-handler')).toBe(1);
    expect((await restarted.reconcile()).fired).toBe(0);
  });

  it('stop() waits for an in-flight handler to commit', async () => {
    let entered!: () => void;
    const inHandler = new Promise<void>((r) => (entered = r));
    const sut = service(await env.dataSource(), {
      slow: async (timer, tx) => {
        entered();
        await sleep(300);
        await recordEffect(timer, tx);
      },
    });
    await sut.start();
    await sut.withTransaction((tx) =>
      sut.schedule(tx, { id: 'slow', kind: 'slow', subjectId: 'lead-5', fireAt: inMs(0) }),
    );
    await inHandler;
    await sut.stop();
    const r = await env.admin.query(`SELECT status FROM ${SCHEMA}.timer WHERE id = 'slow'`);
    expect(r.rows[0].status).toBe('FIRED');
    expect(await env.effects('slow')).toBe(1);
  });
});
