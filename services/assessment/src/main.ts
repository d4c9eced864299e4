import 'reflect-metadata';
import { runService, ServiceBootstrap } from '@outpost/platform';
import { AppModule, type AssessmentOverrides } from './app.module';
import { loadAssessmentConfig, type AssessmentConfig } from './config/assessment.config';
import { assessmentMigrations } from './database/migrations';

/** Everything needed to build the assessment app; integration tests call createServiceApp() with it. */
export function assessmentBootstrap(config: AssessmentConfig, overrides: AssessmentOverrides = {}): ServiceBootstrap {
  return {
    service: 'assessment',
    title: 'Outpost assessment API',
    description: '专业研判：风险分级、结对分派、研判流程、认定与时限督办',
    module: AppModule.forConfig(config, overrides),
    config,
    migrations: assessmentMigrations,
    configure: (app) => {
      // Roster import takes text/csv as a plain string (POST /v1/roster/import).
      app
        .getHttpAdapter()
        .getInstance()
        .addContentTypeParser('text/csv', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    },
  };
}

if (require.main === module) {
  runService(assessmentBootstrap(loadAssessmentConfig())).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
