import {
  Inject,
  Injectable,
  Logger,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { CLOCK, SystemClock, type Clock } from '../clock';
import { ON_TIMER_METADATA } from './on-timer.decorator';
import { TimerService, type TimerServiceOptions } from './timer.service';
import type { TimerHandler, TimerLogger } from './timer.types';

export interface TimersModuleOptions {
  schema: string;
  queueName: string;
  /** Defaults to the REDIS_URL setting (redis://127.0.0.1:6379). */
  redisUrl?: string;
  reconcileIntervalMs?: number;
  horizonMs?: number;
  retry?: TimerServiceOptions['retry'];
  concurrency?: number;
  /** The clock to provide as CLOCK (default SystemClock); tests pass a ManualClock or use overrideProvider(CLOCK). */
  clock?: Clock;
  /** Start the worker and reconciler on bootstrap (default true). An HTTP-only process that just schedules may say false. */
  autoStart?: boolean;
}

export const TIMERS_MODULE_OPTIONS = Symbol('TIMERS_MODULE_OPTIONS');

const redisConfig = z.object({ REDIS_URL: z.string().min(1).default('redis://127.0.0.1:6379') });

function nestLogger(logger: Logger): TimerLogger {
  const fmt = (o: object | string, msg?: string) =>
    typeof o === 'string' ? o : `${msg ?? ''} ${JSON.stringify(o)}`.trim();
  return {
    info: (o, msg) => logger.log(fmt(o, msg)),
    warn: (o, msg) => logger.warn(fmt(o, msg)),
    error: (o, msg) => logger.error(fmt(o, msg)),
  };
}

/** Finds `@OnTimer` methods on every provider, registers them, starts on bootstrap and stops before shutdown. */
@Injectable()
export class TimersLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly timers: TimerService,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    @Inject(TIMERS_MODULE_OPTIONS) private readonly options: TimersModuleOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const proto = Object.getPrototypeOf(instance) as Record<string, unknown>;
      for (const name of this.scanner.getAllMethodNames(proto)) {
        const method = proto[name];
        if (typeof method !== 'function') continue;
        const kind = this.reflector.get<string | undefined>(ON_TIMER_METADATA, method);
        if (kind) this.timers.registerHandler(kind, (method as TimerHandler).bind(instance));
      }
    }
    if (this.options.autoStart !== false) await this.timers.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.timers.stop();
  }
}

/**
 * `TimersModule.forService({ schema: 'assessment', queueName: 'assessment-timers' })`: provides TimerService and
 * CLOCK (SystemClock unless `clock` is given or a test overrides the CLOCK provider).
 * Needs a TypeORM `DataSource` provider in the application (TypeOrmModule provides one).
 */
@Module({})
export class TimersModule {
  static forService(options: TimersModuleOptions): DynamicModule {
    return {
      module: TimersModule,
      imports: [DiscoveryModule],
      providers: [
        { provide: TIMERS_MODULE_OPTIONS, useValue: options },
        options.clock ? { provide: CLOCK, useValue: options.clock } : { provide: CLOCK, useClass: SystemClock },
        {
          provide: TimerService,
          inject: [DataSource, CLOCK, TIMERS_MODULE_OPTIONS],
          useFactory: (dataSource: DataSource, clock: Clock, o: TimersModuleOptions) =>
            new TimerService({
              dataSource,
              clock,
              schema: o.schema,
              queueName: o.queueName,
              redis: { url: o.redisUrl ?? redisConfig.parse(process.env).REDIS_URL },
              handlers: {},
              logger: nestLogger(new Logger('Timers')),
              reconcileIntervalMs: o.reconcileIntervalMs,
              horizonMs: o.horizonMs,
              retry: o.retry,
              concurrency: o.concurrency,
            }),
        },
        TimersLifecycle,
      ],
      exports: [TimerService, CLOCK],
    };
  }
}
