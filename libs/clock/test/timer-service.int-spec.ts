import { uniqueSuffix, eventually, TEST_INFRA } from '@outpost/testing';
import { ManualClock, SystemClock, TimerService, WorkCalendar, dueAt, parsePeriod, timerJobId } from '../src';
import type { DataSource } from 'typeorm';
import { createTimerTestEnv, deleteQueueKeys, recordEffect, SCHEMA, sleep, type TimerTestEnv } from './timer-test-env';

describe(TimerService.name, () => {
  const queueName = `clock-svc-${uniqueSuffix()}`;
  let env: TimerTestEnv;
  let ds: DataSource;
  let sut: TimerService;

  beforeAll(async () => {
    env = await createTimerTestEnv('clock_svc');
    ds = await env.dataSource();
    sut = new TimerService({
      dataSource: ds,
      schema: SCHEMA,
      queueName,
      redis: { url: TEST_INFRA.redisUrl },
      clock: new SystemClock(),
      handlers: { effect: recordEffect },
      reconcileIntervalMs: 0, // tests call reconcile() themselves
      retry: { attempts: 3, backoffMs: 50 },
    });
    await sut.start();
  });

  afterAll(async () => {
    await sut?.stop();
    await deleteQueueKeys(queueName);
    await env?.teardown();
  });

  const inMs = (ms: number) => new Date(Date.now() + ms);
  const status = async (id: string) => (await sut.get(id))?.status;
  const jobState = async (id: string, fireAt: Date) =>
    (await sut.getQueue().getJob(timerJobId(id, fireAt)))?.getState();

  it('fires its handler once, in the transaction that marks it FIRED', async () => {
    const fireAt = inMs(300);
    const outcome = await sut.withTransaction((tx) =>
      sut.schedule(tx, { id: 'fire-once', kind: 'effect', subjectId: 'lead-1', fireAt }),
    );
    expect(outcome).toBe('CREATED');
    expect(await status('fire-once')).toBe('PENDING');

    await eventually(async () => ((await status('fire-once')) === 'FIRED' ? true : undefined), 10_000, 50);
    await eventually(async () => ((await jobState('fire-once', fireAt)) === 'completed' ? true : undefined), 5_000, 50);
    expect(await env.effects('fire-once')).toBe(1);
    const t = await sut.get('fire-once');
    expect(t).toMatchObject({ kind: 'effect', subjectId: 'lead-1', status: 'FIRED', attempts: 1, payload: {} });
    expect(t!.firedAt!.getTime()).toBeGreaterThanOrEqual(fireAt.getTime());

    // Scheduling a FIRED timer again does not re-arm it (a redelivered event must not fire a step twice).
    expect(
      await ds.transaction((tx) =>
        sut.schedule(tx, { id: 'fire-once', kind: 'effect', subjectId: 'lead-1', fireAt: inMs(100) }),
      ),
    ).toBe('ALREADY_FIRED');
    expect(await sut.reconcile()).toEqual({ enqueued: 0, fired: 0 });
    expect(await env.effects('fire-once')).toBe(1);
  });

  it('cancel prevents firing; its job runs and does nothing', async () => {
    const fireAt = inMs(300);
    await sut.withTransaction((tx) =>
      sut.schedule(tx, { id: 'cancelled', kind: 'effect', subjectId: 'lead-2', fireAt }),
    );
    expect(await jobState('cancelled', fireAt)).toBe('delayed');
    expect(await ds.transaction((tx) => sut.cancel(tx, 'cancelled'))).toBe(true);

    await eventually(
      async () => ((await jobState('cancelled', fireAt)) === 'completed' ? true : undefined),
      10_000,
      50,
    );
    expect(await status('cancelled')).toBe('CANCELLED');
    expect(await env.effects('cancelled')).toBe(0);
    expect(await sut.reconcile()).toEqual({ enqueued: 0, fired: 0 });
  });

  it('cancelForSubject cancels only that subject (and kinds)', async () => {
    await ds.transaction(async (tx) => {
      await sut.schedule(tx, { id: 's3-a', kind: 'effect', subjectId: 'lead-3', fireAt: inMs(3_600_000) });
      await sut.schedule(tx, { id: 's3-b', kind: 'other', subjectId: 'lead-3', fireAt: inMs(3_600_000) });
      await sut.schedule(tx, { id: 's4-a', kind: 'effect', subjectId: 'lead-4', fireAt: inMs(3_600_000) });
    });
    expect(await ds.transaction((tx) => sut.cancelForSubject(tx, 'lead-3', ['effect']))).toBe(1);
    expect((await sut.list('lead-3')).map((t) => [t.id, t.status])).toEqual([
      ['s3-a', 'CANCELLED'],
      ['s3-b', 'PENDING'],
    ]);
    expect(await ds.transaction((tx) => sut.cancelForSubject(tx, 'lead-3'))).toBe(1);
    expect(await status('s4-a')).toBe('PENDING');
    await ds.transaction((tx) => sut.cancel(tx, 's4-a'));
  });

  it('duplicate jobs for one timer fire it once', async () => {
    const fireAt = inMs(-10); // already due
    await ds.transaction((tx) => sut.schedule(tx, { id: 'dup', kind: 'effect', subjectId: 'lead-5', fireAt }));
    const queue = sut.getQueue();
    // The regular job plus stale copies (as after a re-created job or a stalled retry), racing on 4 worker slots.
    const ids = [timerJobId('dup', fireAt), 'dup-copy-1', 'dup-copy-2', 'dup-copy-3'];
    await Promise.all(ids.map((jobId) => queue.add('effect', { timerId: 'dup' }, { jobId })));

    await eventually(
      async () => {
        const states = await Promise.all(ids.map(async (id) => (await queue.getJob(id))?.getState()));
        return states.every((s) => s === 'completed') ? true : undefined;
      },
      10_000,
      50,
    );
    expect(await env.effects('dup')).toBe(1);
    expect(await sut.get('dup')).toMatchObject({ status: 'FIRED', attempts: 1 });
  });

  it('a moved timer fires at its new time, once (the old job finds it not yet due)', async () => {
    const first = inMs(150);
    await sut.withTransaction((tx) =>
      sut.schedule(tx, { id: 'moved', kind: 'effect', subjectId: 'lead-6', fireAt: first }),
    );
    const later = inMs(1500);
    const outcome = await sut.withTransaction((tx) =>
      sut.schedule(tx, { id: 'moved', kind: 'effect', subjectId: 'lead-6', fireAt: later, payload: { step: 2 } }),
    );
    expect(outcome).toBe('UPDATED');

    await sleep(Math.max(0, first.getTime() - Date.now()) + 400);
    expect(await status('moved')).toBe('PENDING');
    expect(await jobState('moved', first)).toBe('delayed'); // the old job waits again for the new due time

    await eventually(async () => ((await status('moved')) === 'FIRED' ? true : undefined), 10_000, 50);
    expect(Date.now()).toBeGreaterThanOrEqual(later.getTime());
    expect(await env.effects('moved')).toBe(1);
    expect((await sut.get('moved'))!.payload).toEqual({ step: 2 });
  });

  it('a cancelled timer can be re-armed', async () => {
    await ds.transaction((tx) =>
      sut.schedule(tx, { id: 'rearm', kind: 'effect', subjectId: 'lead-7', fireAt: inMs(3_600_000) }),
    );
    await ds.transaction((tx) => sut.cancel(tx, 'rearm'));
    const outcome = await sut.withTransaction((tx) =>
      sut.schedule(tx, { id: 'rearm', kind: 'effect', subjectId: 'lead-7', fireAt: inMs(100) }),
    );
    expect(outcome).toBe('REARMED');
    await eventually(async () => ((await status('rearm')) === 'FIRED' ? true : undefined), 10_000, 50);
    expect(await env.effects('rearm')).toBe(1);
  });

  it('ids with ":" and other characters map to valid, distinct job ids', () => {
    const at = new Date('2026-03-02T01:00:00Z');
    const a = timerJobId('sla:lead-1:claim', at);
    const b = timerJobId('sla/lead-1/claim', at);
    expect(a).not.toContain(':');
    expect(b).not.toContain(':');
    expect(a).not.toBe(b);
    expect(timerJobId('sla.lead-1.claim', at)).toBe(`timer.sla.lead-1.claim.${at.getTime()}`);
  });

  it('the runtime role cannot delete timers', async () => {
    await expect(ds.query(`DELETE FROM ${SCHEMA}.timer WHERE id = 'fire-once'`)).rejects.toThrow(/permission denied/);
  });
});

describe('TimerService with a ManualClock', () => {
  const queueName = `clock-manual-${uniqueSuffix()}`;
  const calendar = WorkCalendar.china();
  let env: TimerTestEnv;
  let clock: ManualClock;
  let failing = true;
  let sut: TimerService;

  beforeAll(async () => {
    env = await createTimerTestEnv('clock_manual');
    clock = new ManualClock(new Date('2026-02-13T16:00:00+08:00')); // Friday before the Spring Festival
    sut = new TimerService({
      dataSource: await env.dataSource(),
      schema: SCHEMA,
      queueName,
      redis: { url: TEST_INFRA.redisUrl },
      clock,
      handlers: {
        effect: recordEffect,
        flaky: async (timer, tx) => {
          if (failing) throw new Error('downstream not ready');
          await recordEffect(timer, tx);
        },
      },
      reconcileIntervalMs: 0,
      retry: { attempts: 1, backoffMs: 50 },
    });
    await sut.start();
  });

  afterAll(async () => {
    await sut?.stop();
    await deleteQueueKeys(queueName);
    await env?.teardown();
  });

  it('advancing the clock past fireAt and reconciling fires the timer once', async () => {
    const fireAt = dueAt(clock.now(), parsePeriod('4wh'), calendar); // Fri 16-18h + 调休 Saturday 09-11h
    expect(fireAt).toEqual(new Date('2026-02-14T11:00:00+08:00'));
    await sut.withTransaction((tx) =>
      sut.schedule(tx, { id: 'claim.lead-9', kind: 'effect', subjectId: 'lead-9', fireAt }),
    );

    expect(await sut.reconcile()).toEqual({ enqueued: 0, fired: 0 }); // the job exists already (kicked after commit)
    clock.set(new Date('2026-02-14T10:59:59.999+08:00'));
    expect((await sut.reconcile()).fired).toBe(0);
    expect((await sut.get('claim.lead-9'))!.status).toBe('PENDING');

    clock.advance(1);
    expect((await sut.reconcile()).fired).toBe(1);
    expect(await sut.get('claim.lead-9')).toMatchObject({ status: 'FIRED', firedAt: fireAt, attempts: 1 });
    expect((await sut.reconcile()).fired).toBe(0);
    expect(await env.effects('claim.lead-9')).toBe(1);
  });

  it('a handler that keeps failing stays PENDING with its attempts recorded, and a later reconcile fires it', async () => {
    const fireAt = new Date(clock.now().getTime() + 60_000);
    await sut.withTransaction((tx) => sut.schedule(tx, { id: 'flaky-1', kind: 'flaky', subjectId: 'lead-10', fireAt }));
    clock.advance(120_000);

    expect((await sut.reconcile()).fired).toBe(0);
    expect((await sut.reconcile()).fired).toBe(0);
    const pending = await sut.get('flaky-1');
    expect(pending).toMatchObject({ status: 'PENDING', attempts: 2 });
    const err = await env.admin.query(`SELECT last_error FROM ${SCHEMA}.timer WHERE id = 'flaky-1'`);
    expect(err.rows[0].last_error).toMatch(/downstream not ready/);
    expect(await env.effects('flaky-1')).toBe(0);

    failing = false;
    expect((await sut.reconcile()).fired).toBe(1);
    expect(await sut.get('flaky-1')).toMatchObject({ status: 'FIRED', attempts: 3 });
    expect(await env.effects('flaky-1')).toBe(1);
  });
});
