import 'reflect-metadata';
import type { DynamicModule, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { MigrationInterface } from 'typeorm';
import type { BaseConfig } from './config';
import { prepareDatabase } from './database';
import { RequestLogController, serviceLogger } from './logging';
import { httpDuration } from './metrics';
import { problem, PROBLEM_CONTENT_TYPE } from './problem';
import { nulCharacterPaths } from './validation';

export interface ServiceBootstrap {
  service: string;
  title: string;
  description?: string;
  module: Type<unknown> | DynamicModule;
  config: BaseConfig;
  migrations: Array<new () => MigrationInterface>;
  /** Largest accepted request body in bytes (default 1 MiB). */
  bodyLimit?: number;
  /** Extra setup on the Fastify instance before listening (multipart, static files, …). */
  configure?: (app: NestFastifyApplication) => Promise<void> | void;
}

/** Builds the Nest application (without listening): used by main.ts and by integration tests. */
export async function createServiceApp(o: ServiceBootstrap): Promise<NestFastifyApplication> {
  if (o.config.RUN_MIGRATIONS) await prepareDatabase(o.config, o.migrations);

  const adapter = new FastifyAdapter({
    bodyLimit: o.bodyLimit ?? 1024 * 1024,
    trustProxy: true,
    loggerInstance: serviceLogger(o.service, o.config),
    logController: new RequestLogController(),
    // Router-level errors (path parameter too long, malformed URL) never reach Nest: answer them as problem+json too.
    frameworkErrors: (error: { code?: string; message: string }, request: FastifyRequest, reply: FastifyReply) => {
      const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
      const body = problem(
        tooLong ? 414 : 400,
        tooLong ? 'PATH_PARAMETER_TOO_LONG' : 'BAD_URL',
        tooLong ? 'A path parameter is longer than allowed.' : 'The URL is malformed.',
        [{ path: '(path)', message: error.message }],
      );
      void reply
        .status(body.status)
        .header('content-type', PROBLEM_CONTENT_TYPE)
        .send({ ...body, instance: request.url });
    },
    genReqId: (req: IncomingMessage) => {
      const h = req.headers['x-correlation-id'];
      return typeof h === 'string' && /^[\w.-]{1,100}$/.test(h) ? h : randomUUID();
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(o.module, adapter, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();

  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('preValidation', async (req, reply) => {
    const paths = nulCharacterPaths(req.body);
    if (!paths.length) return;
    const body = problem(
      400,
      'VALIDATION_FAILED',
      '文本中含有 NUL 字符 (U+0000 is not allowed in text).',
      paths.map((path) => ({ path, message: 'U+0000 is not allowed', code: 'nul_character' })),
    );
    return reply
      .status(400)
      .header('content-type', PROBLEM_CONTENT_TYPE)
      .send({ ...body, instance: req.url });
  });
  // Body-parser errors (bad JSON, too large, wrong media type) reach ProblemFilter through Nest's error handler.
  fastify.addHook('onResponse', async (req, reply) => {
    const route = (req.routeOptions?.url as string | undefined) ?? 'unmatched';
    httpDuration.observe({ method: req.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  const docs = new DocumentBuilder()
    .setTitle(o.title)
    .setDescription(o.description ?? '')
    .setVersion('1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'internal')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Api-Key' }, 'apiKey')
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, docs), { jsonDocumentUrl: 'docs-json' });

  if (o.configure) await o.configure(app);
  await app.init();
  return app;
}

/** main.ts of every service: build, listen, log where. */
export async function runService(o: ServiceBootstrap): Promise<NestFastifyApplication> {
  const app = await createServiceApp(o);
  await app.listen({ port: o.config.PORT, host: o.config.HOST });
  app.get(Logger).log(`${o.service} listening on http://${o.config.HOST}:${o.config.PORT} (docs at /docs)`);
  return app;
}
