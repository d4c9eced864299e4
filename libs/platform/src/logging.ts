import type { Params } from 'nestjs-pino';
import pino from 'pino';
import type { Options as PinoHttpOptions } from 'pino-http';
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

export function loggerParams(service: string, config: Pick<BaseConfig, 'LOG_LEVEL'> & { LOG_FILE?: string }): Params {
  const options: PinoHttpOptions = {
    level: config.LOG_LEVEL,
    base: { service },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    customProps: (req) => ({ correlationId: (req as { id?: unknown }).id }),
    autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/health') || req.url === '/metrics' },
    serializers: {
      req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
    },
  };
  if (!config.LOG_FILE) return { pinoHttp: options };
  return { pinoHttp: [options, pino.destination({ dest: config.LOG_FILE, mkdir: true, sync: true })] };
}
