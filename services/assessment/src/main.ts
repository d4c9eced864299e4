import 'reflect-metadata';
import { runService, ServiceBootstrap } from '@outpost/platform';
import { AppModule } from './app.module';
import { loadAssessmentConfig, type AssessmentConfig } from './config/assessment.config';
import { assessmentMigrations } from './database/migrations';

/** Everything needed to build the assessment app; integration tests call createServiceApp() with it. */
export function assessmentBootstrap(config: AssessmentConfig): ServiceBootstrap {
  return {
    service: 'assessment',
    title: 'Outpost assessment API',
    module: AppModule.forConfig(config),
    config,
    migrations: assessmentMigrations,
  };
}

if (require.main === module) {
  runService(assessmentBootstrap(loadAssessmentConfig())).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
