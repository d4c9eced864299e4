import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import {
  CLOCK,
  SystemClock,
  TimerService,
  TimersLifecycle,
  TIMERS_MODULE_OPTIONS,
  type Clock,
  type TimersModuleOptions,
} from '@outpost/clock';
import { DataSource } from 'typeorm';
import type { AssessmentConfig } from '../config/assessment.config';

/**
 * The clock lib's TimerService and TimersLifecycle, wired with the clock this app is given. TimersModule.forService
 * binds its own SystemClock and takes no clock option, and createServiceApp has no overrideProvider, so tests could
 * not drive the timers with a ManualClock through it. Everything else is the lib's own code.
 */
@Module({})
export class SlaTimersModule {
  static forConfig(config: AssessmentConfig, clock: Clock = new SystemClock()): DynamicModule {
    const options: TimersModuleOptions = {
      schema: config.DATABASE_SCHEMA,
      queueName: config.DEADLINE_QUEUE,
      redisUrl: config.REDIS_URL,
      reconcileIntervalMs: config.DEADLINE_RECONCILE_INTERVAL_MS,
    };
    const logger = new Logger('Timers');
    const fmt = (o: object | string, msg?: string) =>
      typeof o === 'string' ? o : `${msg ?? ''} ${JSON.stringify(o)}`.trim();
    return {
      module: SlaTimersModule,
      global: true,
      imports: [DiscoveryModule],
      providers: [
        { provide: TIMERS_MODULE_OPTIONS, useValue: options },
        { provide: CLOCK, useValue: clock },
        {
          provide: TimerService,
          inject: [DataSource],
          useFactory: (dataSource: DataSource) =>
            new TimerService({
              dataSource,
              clock,
              schema: options.schema,
              queueName: options.queueName,
              redis: { url: config.REDIS_URL },
              handlers: {},
              reconcileIntervalMs: options.reconcileIntervalMs,
              logger: {
                info: (o, m) => logger.log(fmt(o, m)),
                warn: (o, m) => logger.warn(fmt(o, m)),
                error: (o, m) => logger.error(fmt(o, m)),
              },
            }),
        },
        TimersLifecycle,
      ],
      exports: [TimerService, CLOCK],
    };
  }
}
