import { DynamicModule, Global, Module, type Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import type { DataSourceOptions } from 'typeorm';
import type { ServiceName } from '@outpost/contracts';
import { importPublicKey, InternalAuthGuard, INTERNAL_PUBLIC_KEY, loadPublicKeyPem } from './auth';
import { SERVICE_CONFIG, SERVICE_NAME, type BaseConfig } from './config';
import { runtimeDataSourceOptions } from './database';
import { HealthController, InfraProbes } from './health';
import { loggerParams } from './logging';
import { MetricsController } from './metrics';
import { ProblemFilter } from './problem';

export interface PlatformOptions<C extends BaseConfig> {
  service: ServiceName;
  /** The service's parsed config (base settings plus its own). */
  config: C;
  entities: DataSourceOptions['entities'];
}

/**
 * What every service has: its config, JSON logs, the runtime TypeORM connection, health and metrics endpoints,
 * the internal-token guard on every route and problem+json errors.
 */
@Global()
@Module({})
export class PlatformModule {
  static forService<C extends BaseConfig>(o: PlatformOptions<C>): DynamicModule {
    const providers: Provider[] = [
      { provide: SERVICE_CONFIG, useValue: o.config },
      { provide: SERVICE_NAME, useValue: o.service },
      {
        provide: INTERNAL_PUBLIC_KEY,
        useFactory: () =>
          importPublicKey(loadPublicKeyPem(o.config.INTERNAL_JWT_PUBLIC_KEY, o.config.INTERNAL_JWT_PUBLIC_KEY_FILE)),
      },
      InfraProbes,
      { provide: APP_GUARD, useClass: InternalAuthGuard },
      { provide: APP_FILTER, useClass: ProblemFilter },
    ];
    return {
      module: PlatformModule,
      imports: [
        LoggerModule.forRoot(loggerParams(o.service, o.config)),
        TypeOrmModule.forRoot(runtimeDataSourceOptions(o.config, o.entities)),
        TerminusModule.forRoot({ logger: false }),
      ],
      controllers: [HealthController, MetricsController],
      providers,
      exports: [SERVICE_CONFIG, SERVICE_NAME, INTERNAL_PUBLIC_KEY, TypeOrmModule],
    };
  }
}
