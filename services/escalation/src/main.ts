import 'reflect-metadata';
import { runService, ServiceBootstrap } from '@outpost/platform';
import { AppModule, type EscalationModuleOptions } from './app.module';
import { keepRawBodyForCallbacks } from './callbacks/raw-body';
import { loadEscalationConfig, type EscalationConfig } from './config/escalation.config';
import { escalationMigrations } from './database/migrations';

/** Everything needed to build the escalation app; integration tests call createServiceApp() with it. */
export function escalationBootstrap(config: EscalationConfig, options: EscalationModuleOptions = {}): ServiceBootstrap {
  return {
    service: 'escalation',
    title: 'Outpost escalation API',
    description: '处置：处置案件、法定时限与逐级督办、穗岁安上报与移交、外部回调、办结与反馈',
    module: AppModule.forConfig(config, options),
    config,
    migrations: escalationMigrations,
    configure: keepRawBodyForCallbacks,
  };
}

if (require.main === module) {
  runService(escalationBootstrap(loadEscalationConfig())).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
