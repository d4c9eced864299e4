import { Controller, Get, Header, Inject, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { createHash, timingSafeEqual } from 'node:crypto';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { OwnAuth, verifyInternalToken, INTERNAL_PUBLIC_KEY } from './auth';
import { SERVICE_CONFIG, SERVICE_NAME, type BaseConfig } from './config';
import { ProblemException } from './problem';
import type { FastifyRequest } from 'fastify';
import type { KeyLike } from 'jose';

/** One registry per process; services add their own metrics to it. */
export const metricsRegistry = new Registry();
let defaultsCollected = false;

export function initMetrics(service: string): void {
  if (defaultsCollected) return;
  metricsRegistry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: metricsRegistry });
  defaultsCollected = true;
}

export const httpDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request duration by route and status',
  labelNames: ['method', 'route', 'status'],
  buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [metricsRegistry],
});

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/** Prometheus text format; scraped with METRICS_TOKEN as bearer, or by an operator's internal token. */
@ApiTags('metrics')
@Controller('metrics')
export class MetricsController {
  private readonly tokenHash: Buffer | null;

  constructor(
    @Inject(SERVICE_CONFIG) config: BaseConfig,
    @Inject(SERVICE_NAME) service: string,
    @Inject(INTERNAL_PUBLIC_KEY) private readonly publicKey: KeyLike,
  ) {
    this.tokenHash = config.METRICS_TOKEN ? sha256(config.METRICS_TOKEN) : null;
    initMetrics(service);
  }

  @OwnAuth()
  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  async metrics(@Req() req: FastifyRequest): Promise<string> {
    const header = req.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7) : '';
    if (!token) throw new ProblemException(401, 'UNAUTHENTICATED', 'A bearer token is required.');
    const byStaticToken = this.tokenHash !== null && timingSafeEqual(sha256(token), this.tokenHash);
    if (!byStaticToken) {
      const principal = await verifyInternalToken(token, this.publicKey).catch(() => null);
      if (!principal) throw new ProblemException(401, 'INVALID_TOKEN', 'The bearer token is invalid or expired.');
      if (!principal.roles.some((r) => r === 'OPERATOR' || r === 'ADMIN')) {
        throw new ProblemException(403, 'ROLE_REQUIRED', 'Metrics are for operators.');
      }
    }
    return metricsRegistry.metrics();
  }
}
