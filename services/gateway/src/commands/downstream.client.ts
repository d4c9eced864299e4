import { Inject, Injectable, Logger } from '@nestjs/common';
import { requestCorrelation } from '@outpost/messaging';
import {
  PROBLEM_CONTENT_TYPE,
  ProblemException,
  SERVICE_CONFIG,
  signInternalToken,
  type Principal,
} from '@outpost/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GATEWAY_KEYS, type GatewayKeys } from '../auth/keys';
import { serviceUrl, type DownstreamService, type GatewayConfig } from '../config/gateway.config';

export const SERVICE_LABEL: Record<DownstreamService, string> = {
  intake: '受理服务',
  assessment: '研判服务',
  escalation: '处置服务',
  notification: '通知服务',
};

export interface DownstreamRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  /** The acting user; null for unauthenticated endpoints (health). */
  principal: Principal | null;
  json?: unknown;
  form?: FormData;
  /**
   * The request this call serves (none: the gateway's own calls, e.g. probes). Its correlation id and a well-formed
   * `traceparent` (requestCorrelation, as the services read them) are passed on, so what the service writes for it
   * carries them; a failed call is logged on its logger, so the line carries its correlation id too.
   */
  request?: Pick<FastifyRequest, 'id' | 'headers' | 'log'>;
  idempotencyKey?: string;
  timeoutMs?: number;
}

export interface DownstreamResponse {
  status: number;
  contentType: string;
  body: Buffer;
}

/**
 * HTTP to the owning services. Every call carries a fresh internal ES256 token (user, roles, canCertify, scope) that the
 * service verifies with the gateway's public key. Unreachable → 502, too slow → 504, both problem+json in Chinese.
 */
@Injectable()
export class DownstreamClient {
  private readonly logger = new Logger('DownstreamClient');

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
    @Inject(GATEWAY_KEYS) private readonly keys: GatewayKeys,
  ) {}

  async internalToken(p: Principal): Promise<string> {
    return signInternalToken(p, this.keys.internalPrivate, this.config.INTERNAL_TOKEN_TTL_SECONDS);
  }

  async call(service: DownstreamService, r: DownstreamRequest): Promise<DownstreamResponse> {
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
    if (r.principal) headers.authorization = `Bearer ${await this.internalToken(r.principal)}`;
    const correlation = r.request && requestCorrelation(r.request);
    if (correlation) headers['x-correlation-id'] = correlation.correlationId;
    if (correlation?.traceparent) headers.traceparent = correlation.traceparent;
    if (r.idempotencyKey) headers['idempotency-key'] = r.idempotencyKey;
    let body: string | FormData | undefined;
    if (r.form) body = r.form;
    else if (r.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(r.json);
    }
    const url = new URL(r.path, serviceUrl(this.config, service)).toString();
    let res: Response;
    try {
      res = await fetch(url, {
        method: r.method,
        headers,
        body,
        signal: AbortSignal.timeout(r.timeoutMs ?? this.config.DOWNSTREAM_TIMEOUT_MS),
        redirect: 'error',
      });
      const buf = Buffer.from(await res.arrayBuffer());
      return {
        status: res.status,
        contentType: res.headers.get('content-type') ?? 'application/octet-stream',
        body: buf,
      };
    } catch (err) {
      const e = err as Error;
      if (e.name === 'TimeoutError' || e.name === 'AbortError') {
        this.warn(r, { service, path: r.path }, 'downstream timeout');
        throw new ProblemException(
          504,
          'SERVICE_TIMEOUT',
          `${SERVICE_LABEL[service]}响应超时，请稍后重试。`,
          undefined,
          { service },
        );
      }
      this.warn(r, { service, path: r.path, err: e.message }, 'downstream unreachable');
      throw new ProblemException(
        502,
        'SERVICE_UNAVAILABLE',
        `${SERVICE_LABEL[service]}暂时不可用，请稍后重试。`,
        undefined,
        { service },
      );
    }
  }

  /** On the request's logger when the call serves one (the line carries its correlation id), else the service's. */
  private warn(r: DownstreamRequest, fields: Record<string, unknown>, msg: string): void {
    if (r.request) r.request.log.warn({ context: 'DownstreamClient', ...fields }, msg);
    else this.logger.warn(fields, msg);
  }

  /** Calls and parses JSON; a non-2xx answer becomes a ProblemException carrying the service's own problem. */
  async json<T>(service: DownstreamService, r: DownstreamRequest): Promise<T> {
    const res = await this.call(service, r);
    if (res.status >= 200 && res.status < 300) return parseJson<T>(res, service);
    throw toProblemException(res, service);
  }
}

function parseJson<T>(res: DownstreamResponse, service: DownstreamService): T {
  try {
    return JSON.parse(res.body.toString('utf8')) as T;
  } catch {
    throw new ProblemException(
      502,
      'BAD_UPSTREAM_RESPONSE',
      `${SERVICE_LABEL[service]}返回了无法解析的响应。`,
      undefined,
      { service },
    );
  }
}

/** Keeps the service's status, code and Chinese detail. */
export function toProblemException(res: DownstreamResponse, service: DownstreamService): ProblemException {
  try {
    const p = JSON.parse(res.body.toString('utf8')) as {
      code?: string;
      detail?: string;
      errors?: Array<{ path: string; message: string }>;
    } & Record<string, unknown>;
    const { type: _t, title: _ti, status: _s, code, detail, errors, instance: _i, ...rest } = p;
    return new ProblemException(
      res.status,
      code ?? `HTTP_${res.status}`,
      detail ?? `${SERVICE_LABEL[service]}拒绝了请求。`,
      errors,
      { ...rest, service },
    );
  } catch {
    return new ProblemException(
      res.status >= 500 ? 502 : res.status,
      `HTTP_${res.status}`,
      `${SERVICE_LABEL[service]}拒绝了请求（${res.status}）。`,
      undefined,
      { service },
    );
  }
}

/** Sends the service's answer to the browser unchanged (status, media type, body: problem+json passes through as is). */
export function relay(reply: FastifyReply, res: DownstreamResponse): FastifyReply {
  const isProblem = res.contentType.includes('problem+json');
  return reply
    .status(res.status)
    .header('content-type', isProblem ? PROBLEM_CONTENT_TYPE : res.contentType)
    .send(res.body);
}
