import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { problem, PROBLEM_CONTENT_TYPE } from '@outpost/platform';
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { GatewayConfig } from '../config/gateway.config';

/** Paths that are never the SPA: an unknown one there is a 404 problem, not index.html. */
const NOT_SPA = /^\/(api|v1|docs|docs-json|health|metrics|ops)(\/|$)/;

/** Serves the admin UI (Vite build) at / and answers index.html for client-side routes. */
export async function mountAdminUi(app: NestFastifyApplication, config: GatewayConfig): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  const root = resolve(config.ADMIN_UI_DIST);
  const built = existsSync(resolve(root, 'index.html'));
  if (built) {
    // wildcard:false registers one route per built file, so Nest's and bull-board's routes keep priority.
    await fastify.register(fastifyStatic, { root, prefix: '/', wildcard: false, index: false, maxAge: '1h' });
  }
  fastify.get('/*', async (req, reply) => {
    const path = req.url.split('?')[0] ?? '/';
    if (NOT_SPA.test(path) || /\.[a-z0-9]{1,8}$/i.test(path)) {
      return reply
        .status(404)
        .header('content-type', PROBLEM_CONTENT_TYPE)
        .send({ ...problem(404, 'NOT_FOUND', `没有这个地址：${path}`), instance: path });
    }
    if (!built) {
      return reply
        .status(503)
        .header('content-type', 'text/html; charset=utf-8')
        .send(
          '<!doctype html><meta charset="utf-8"><title>前哨</title><p>管理界面尚未构建（services/admin-ui/dist）。API 文档见 <a href="/docs">/docs</a>。</p>',
        );
    }
    return reply.header('cache-control', 'no-cache').sendFile('index.html', root);
  });
}
