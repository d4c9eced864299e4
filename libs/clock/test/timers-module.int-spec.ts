import { Global, Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { uniqueSuffix, eventually, TEST_INFRA } from '@outpost/testing';
import { CLOCK, ManualClock, OnTimer, TimerService, TimersModule, type TimerRecord } from '../src';
import { DataSource, type EntityManager } from 'typeorm';
import { createTimerTestEnv, deleteQueueKeys, SCHEMA, type TimerTestEnv } from './timer-test-env';

@Injectable()
class EscalationTimers {
  @OnTimer('sla.breach')
  async onBreach(timer: TimerRecord, tx: EntityManager): Promise<void> {
    await tx.query(`INSERT INTO ${SCHEMA}.effect (timer_id, attempt) VALUES ($1, $2)`, [timer.id, timer.attempts]);
  }
}

describe(TimersModule.name, () => {
  const queueName = `clock-nest-${uniqueSuffix()}`;
  let env: TimerTestEnv;
  let app: INestApplicationContext;
  const clock = new ManualClock(new Date('2026-10-09T10:00:00+08:00'));

  beforeAll(async () => {
    env = await createTimerTestEnv('clock_nest');
    const dataSource = await env.dataSource();
    // TypeOrmModule provides DataSource globally in the services; this stands in for it.
    @Global()
    @Module({ providers: [{ provide: DataSource, useValue: dataSource }], exports: [DataSource] })
    class DatabaseModule {}
    @Module({
      imports: [
        DatabaseModule,
        TimersModule.forService({
          schema: SCHEMA,
          queueName,
          redisUrl: TEST_INFRA.redisUrl,
          reconcileIntervalMs: 0,
          clock,
        }),
      ],
      providers: [EscalationTimers],
    })
    class AppModule {}
    // init() runs bootstrap hooks: registers @OnTimer handlers, starts worker + reconciler
    app = await NestFactory.createApplicationContext(AppModule, { logger: ['error'], abortOnError: false });
    await app.init();
  });

  afterAll(async () => {
    await app?.close(); // beforeApplicationShutdown stops the worker
    await deleteQueueKeys(queueName);
    await env?.teardown();
  });

  it('discovers @OnTimer handlers, uses the overridden CLOCK and fires on reconcile', async () => {
    const timers = app.get(TimerService);
    expect(app.get(CLOCK)).toBe(clock);
    expect(timers.kinds).toEqual(['sla.breach']);
    const fireAt = new Date('2026-10-09T12:00:00+08:00');
    await timers.withTransaction((tx) =>
      timers.schedule(tx, { id: 'breach.lead-1.step1', kind: 'sla.breach', subjectId: 'lead-1', fireAt }),
    );

    expect((await timers.reconcile()).fired).toBe(0);
    clock.set(fireAt);
    expect((await timers.reconcile()).fired).toBe(1);
    await eventually(async () => ((await env.effects('breach.lead-1.step1')) === 1 ? true : undefined), 5_000, 50);
    expect(await timers.get('breach.lead-1.step1')).toMatchObject({ status: 'FIRED', firedAt: fireAt });
  });
});
