import 'reflect-metadata';
import { runService, ServiceBootstrap } from '@outpost/platform';
import { AppModule } from './app.module';
import { loadIntakeConfig, type IntakeConfig } from './config/intake.config';
import { intakeMigrations } from './database/migrations';

/** Everything needed to build the intake app; integration tests call createServiceApp() with it. */
export function intakeBootstrap(config: IntakeConfig): ServiceBootstrap {
  return {
    service: 'intake',
    title: 'Outpost intake API',
    module: AppModule.forConfig(config),
    config,
    migrations: intakeMigrations,
  };
}

if (require.main === module) {
  runService(intakeBootstrap(loadIntakeConfig())).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
