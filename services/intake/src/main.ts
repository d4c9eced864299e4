import 'reflect-metadata';
import multipart from '@fastify/multipart';
import { runService, ServiceBootstrap } from '@outpost/platform';
import { AppModule } from './app.module';
import { loadIntakeConfig, type IntakeConfig } from './config/intake.config';
import { intakeMigrations } from './database/migrations';
import { NDJSON } from './screening/screenings.controller';

/** Everything needed to build the intake app; integration tests call createServiceApp() with it. */
export function intakeBootstrap(config: IntakeConfig): ServiceBootstrap {
  return {
    service: 'intake',
    title: 'Outpost intake API 前哨线索接收',
    description:
      '来源系统（银行、穗岁安、12345、舆情监测）以 X-Api-Key 报送线索；前哨员/志愿者经网关以内部令牌报送。所有错误为 application/problem+json。',
    module: AppModule.forConfig(config),
    config,
    migrations: intakeMigrations,
    bodyLimit: config.BODY_LIMIT_BYTES,
    configure: async (app) => {
      const fastify = app.getHttpAdapter().getInstance();
      // A single lead is small: a tighter limit than the batch and screening bodies.
      fastify.addHook('onRoute', (route) => {
        if (route.url === '/v1/leads' && route.method === 'POST') route.bodyLimit = config.LEAD_BODY_LIMIT_BYTES;
      });
      // JSON (and multipart, NDJSON) only: any other body is 415, not a string the validators would have to reject.
      fastify.removeContentTypeParser('text/plain');
      // NDJSON screening requests are read as a stream, line by line, never buffered whole.
      fastify.addContentTypeParser(NDJSON, (_req, payload, done) => done(null, payload));
      await app.register(multipart, {
        limits: { fileSize: config.EVIDENCE_MAX_BYTES, files: 1, fields: 10, fieldSize: 1000, parts: 12 },
      });
    },
  };
}

if (require.main === module) {
  runService(intakeBootstrap(loadIntakeConfig())).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
