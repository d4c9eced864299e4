import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Params } from 'nestjs-pino';
import pino, { type Logger } from 'pino';
import type { BaseConfig } from './config';

/**
 * Structured JSON logs. Reporter identity, contact details, credentials and account numbers are redacted wherever
 * they appear in a logged object, so they never reach the logs even by accident.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  '*.reporter',
  '*.reporterName',
  '*.reporterPhone',
  '*.reporterContact',
  '*.password',
  '*.apiKey',
  '*.accountNo',
  '*.counterpartyNo',
  '*.phone',
  '*.email',
  'reporter',
  'password',
];

/** Requests that are not worth a log line each (probes and scrapes). */
const QUIET_URL = /^\/(health|metrics)(\/|\?|$)/;

/**
 * Fastify's request log lines: none on arrival, one on completion with the method, URL, status and time (never headers
 * or bodies; at error level for a 5xx), none for probes and scrapes. Fastify binds every request's logger to its
 * correlation id; that logger is also what Nest's Logger writes to during the request (nestjs-pino, `useExisting`).
 */
export class RequestLogController extends LogController {
  constructor() {
    super({ requestIdLogLabel: 'correlationId' });
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (QUIET_URL.test(request.url)) return;
    const line = {
      req: { method: request.method, url: request.url },
      res: { statusCode: reply.statusCode },
      responseTime: reply.elapsedTime,
    };
    if (error || reply.statusCode >= 500) reply.log.error({ ...line, err: error ?? undefined }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}

type LogSettings = Pick<BaseConfig, 'LOG_LEVEL'> & { LOG_FILE?: string };
const loggers = new Map<string, Logger>();

/**
 * The service's pino logger (JSON lines to stdout, or to LOG_FILE), one per service and settings in a process: Fastify
 * derives each request's logger from it and Nest logs through it outside requests.
 */
export function serviceLogger(service: string, config: LogSettings): Logger {
  const key = `${service}\n${config.LOG_LEVEL}\n${config.LOG_FILE ?? ''}`;
  let logger = loggers.get(key);
  if (!logger) {
    const options = {
      level: config.LOG_LEVEL,
      base: { service },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    };
    logger = config.LOG_FILE
      ? pino(options, pino.destination({ dest: config.LOG_FILE, mkdir: true, sync: true }))
      : pino(options);
    loggers.set(key, logger);
  }
  return logger;
}

/**
 * nestjs-pino over the service logger: Nest's Logger writes JSON lines through it (no pino-http: Fastify makes the
 * request loggers). Its middleware, which would make Nest's Logger write through the request's logger inside a request,
 * is left out (`forRoutes: []`): it keeps the logger in AsyncLocalStorage, and on Node 20 any AsyncLocalStorage turns
 * on V8's promise hooks for every promise in the process (intake's CPU per lead fell ~15 % without it and messaging's
 * own, bench/results/intake-write-path.md). A handler that wants its lines tied to the request logs through
 * `@RequestLog()`; the completion line and unhandled errors carry the correlation id anyway.
 */
export function loggerParams(service: string, config: LogSettings): Params {
  return { pinoHttp: { logger: serviceLogger(service, config) }, useExisting: true, forRoutes: [] };
}

/** Controller parameter: the request's pino logger, bound to its correlation id (Fastify's request id). */
export const RequestLog = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): Logger => ctx.switchToHttp().getRequest<FastifyRequest>().log as Logger,
);
