import 'reflect-metadata';
import { runService, ServiceBootstrap } from '@outpost/platform';
import { AppModule } from './app.module';
import { loadEscalationConfig, type EscalationConfig } from './config/escalation.config';
import { escalationMigrations } from './database/migrations';

/** Everything needed to build the escalation app; integration tests call createServiceApp() with it. */
export function escalationBootstrap(config: EscalationConfig): ServiceBootstrap {
  return {
    service: 'escalation',
    title: 'Outpost escalation API',
    module: AppModule.forConfig(config),
    config,
    migrations: escalationMigrations,
  };
}

if (require.main === module) {
  runService(escalationBootstrap(loadEscalationConfig())).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
