import 'reflect-metadata';
import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { runService, ServiceBootstrap } from '@outpost/platform';
import { AppModule } from './app.module';
import { loadGatewayConfig, type GatewayConfig } from './config/gateway.config';
import { gatewayMigrations } from './database/migrations';
import { mountBullBoard } from './ops/bull-board';
import { mountAdminUi } from './web/static-spa';
import { recordRoutes } from './web/route-table';

const DESCRIPTION = [
  "Outpost (前哨) gateway: the admin UI's API. Every /api route takes a browser access token from POST /api/v1/auth/login ",
  '(Authorization: Bearer …; GET requests also accept the httpOnly `outpost_at` cookie). Errors are application/problem+json with a ',
  "Chinese `detail`; the owning service's problem is passed through unchanged for commands. Roles per route are in each summary. ",
  "Lead routes answer 404 for leads outside the caller's grid/street scope. /v1/audit/* are internal (service tokens only).",
].join('');

/** Everything needed to build the gateway app; integration tests call createServiceApp() with it. */
export function gatewayBootstrap(config: GatewayConfig): ServiceBootstrap {
  return {
    service: 'gateway',
    title: 'Outpost gateway API (前哨 网关)',
    description: DESCRIPTION,
    module: AppModule.forConfig(config),
    config,
    migrations: gatewayMigrations,
    bodyLimit: 2 * 1024 * 1024,
    configure: async (app) => {
      const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
      recordRoutes(fastify);
      await fastify.register(multipart, { limits: { fileSize: config.EVIDENCE_MAX_BYTES, files: 1 } });
      await mountBullBoard(app);
      await mountAdminUi(app, config);
    },
  };
}

if (require.main === module) {
  runService(gatewayBootstrap(loadGatewayConfig())).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
