import 'reflect-metadata';
import type { DynamicModule, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
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

/**
 * Requests Node's HTTP parser refuses before any framework sees them (a raw non-ASCII byte in the URL, a malformed
 * header, headers too large, a request that never finished): problem+json like every other error, instead of
 * Fastify's plain JSON. Written to the socket by hand, as Fastify's own handler does, then the connection is closed.
 */
function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, detail] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'REQUEST_TIMEOUT', '请求未在时限内发送完毕 (the request did not arrive in time).']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'HEADERS_TOO_LARGE', '请求头过大 (the request headers are too large).']
        : [
            400,
            'MALFORMED_REQUEST',
            '请求行或请求头不合法；URL 中的中文等非 ASCII 字符须先百分号编码 (the request line or a header is malformed; ' +
              'percent-encode non-ASCII characters in the URL).',
          ];
  const body = JSON.stringify(problem(status, code, detail, [{ path: '(request)', message: err.code ?? err.message }]));
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\nConnection: close\r\n\r\n${body}`,
    );
  socket.destroy(err);
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
    clientErrorHandler: answerClientError,
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
    // Postgres cannot store or compare U+0000 in text: refused wherever a request carries it (body, query, path).
    const paths = [
      ...nulCharacterPaths(req.body),
      ...nulCharacterPaths(req.query, 'query'),
      ...nulCharacterPaths(req.params, 'path'),
    ];
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
