import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';

/** One offending field: a JSON-pointer-like path (`subjects/0/uscc`) and what is wrong with it. */
export interface FieldError {
  path: string;
  message: string;
  code?: string;
}

/** RFC 9457 problem details. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  code?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** Throw this for any refusal with a reason the caller can act on (403 forbidden transition, 409 conflict, …). */
export class ProblemException extends HttpException {
  constructor(
    status: number,
    readonly code: string,
    detail: string,
    readonly errors?: FieldError[],
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail, status);
  }
}

export function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  return path.map(String).join('/');
}

export function zodFieldErrors(error: ZodError, prefix: string[] = []): FieldError[] {
  return error.issues.map((i) => ({
    path: fieldPath([...prefix, ...i.path]) || '(root)',
    message: i.message,
    code: i.code,
  }));
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function problem(
  status: number,
  code: string,
  detail: string,
  errors?: FieldError[],
  extra: Record<string, unknown> = {},
): ProblemDetails {
  // Extensions first: they may add members but never replace the standard ones (a `status` extension must not
  // change the HTTP status).
  return {
    ...extra,
    type: `https://outpost.local/problems/${code.toLowerCase().replace(/_/g, '-')}`,
    title: TITLES[status] ?? 'Error',
    status,
    code,
    detail,
    ...(errors && errors.length ? { errors } : {}),
  };
}

/** Postgres errors that mean "the database is not there right now": answer 503, never 500. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  if (!e) return false;
  if (
    e.code &&
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006'].includes(
      e.code,
    )
  )
    return true;
  return /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    e.message ?? '',
  );
}

/** Maps Fastify's own errors (bad JSON, body too large, wrong content type) to problem details. */
export function fastifyErrorToProblem(err: {
  code?: string;
  statusCode?: number;
  message?: string;
  validation?: unknown;
}): ProblemDetails | null {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return problem(400, 'MALFORMED_JSON', 'The request body is not valid JSON.', [
        { path: '(body)', message: err.message ?? 'invalid JSON' },
      ]);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problem(413, 'BODY_TOO_LARGE', 'The request body is larger than this endpoint accepts.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return problem(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        'Send application/json (or the media type this endpoint documents).',
      );
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return problem(400, 'BAD_CONTENT_LENGTH', 'Content-Length does not match the body.');
    case 'FST_REQ_FILE_TOO_LARGE':
    case 'FST_FILES_LIMIT':
    case 'FST_PARTS_LIMIT':
      return problem(413, 'FILE_TOO_LARGE', err.message ?? 'Upload too large.');
    default:
      if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
        return problem(err.statusCode, 'BAD_REQUEST', err.message ?? 'Bad request.');
      }
      return null;
  }
}

/**
 * Nest turns Fastify's body-parser errors into plain HttpExceptions (status + Fastify's message, code lost):
 * recognise them so they still get a stable problem code.
 */
function bodyParserProblem(status: number, message: string): ProblemDetails | null {
  if (status === 413) return fastifyErrorToProblem({ code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
  if (status === 415) return fastifyErrorToProblem({ code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' });
  if (status === 400 && /JSON|Unexpected|Body cannot be empty/i.test(message)) {
    return fastifyErrorToProblem({ code: 'FST_ERR_CTP_INVALID_JSON_BODY', message });
  }
  return null;
}

/** Every error leaves as application/problem+json; unexpected ones are logged and answered 500 without internals. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const reply = ctx.getResponse<FastifyReply>();
    const request = ctx.getRequest<FastifyRequest>();
    const body = this.toProblem(exception);
    if (body.status >= 500 && body.code === 'INTERNAL') {
      // The request's own logger carries its correlation id (Fastify binds it); outside a request, the service's.
      if (request?.log)
        request.log.error({ err: exception, context: 'ProblemFilter', url: request.url }, 'unhandled error');
      else this.logger.error({ err: exception }, 'unhandled error');
    }
    body.instance = request?.url;
    if (body.status === 429 && typeof body.retryAfterSeconds === 'number') {
      void reply.header('Retry-After', String(body.retryAfterSeconds));
    }
    void reply.status(body.status).header('content-type', PROBLEM_CONTENT_TYPE).send(body);
  }

  private toProblem(exception: unknown): ProblemDetails {
    if (exception instanceof ProblemException) {
      return problem(exception.getStatus(), exception.code, exception.message, exception.errors, exception.extensions);
    }
    if (exception instanceof ZodError) {
      return problem(400, 'VALIDATION_FAILED', 'The request has invalid fields.', zodFieldErrors(exception));
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const fromBodyParser = bodyParserProblem(status, exception.message);
      if (fromBodyParser) return fromBodyParser;
      const response = exception.getResponse();
      const detail =
        typeof response === 'string' ? response : ((response as { message?: unknown }).message ?? exception.message);
      const code =
        status === 404
          ? 'NOT_FOUND'
          : status === 401
            ? 'UNAUTHENTICATED'
            : status === 403
              ? 'FORBIDDEN'
              : `HTTP_${status}`;
      return problem(status, code, Array.isArray(detail) ? detail.join('; ') : String(detail));
    }
    const fromFastify = fastifyErrorToProblem(exception as { code?: string });
    if (fromFastify) return fromFastify;
    if (isDatabaseUnavailable(exception)) {
      return problem(
        HttpStatus.SERVICE_UNAVAILABLE,
        'DATABASE_UNAVAILABLE',
        'The database is not reachable right now; retry shortly.',
        undefined,
        {
          retryAfterSeconds: 2,
        },
      );
    }
    return problem(500, 'INTERNAL', 'Unexpected error; it has been logged.');
  }
}
