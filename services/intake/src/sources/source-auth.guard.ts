import {
  applyDecorators,
  CanActivate,
  createParamDecorator,
  ExecutionContext,
  Inject,
  Injectable,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiHeader, ApiSecurity } from '@nestjs/swagger';
import type { FastifyBaseLogger } from 'fastify';
import type { KeyLike } from 'jose';
import type { Actor, Role } from '@outpost/contracts';
import {
  INTERNAL_PUBLIC_KEY,
  OwnAuth,
  ProblemException,
  SERVICE_CONFIG,
  verifyInternalToken,
  type Principal,
} from '@outpost/platform';
import type { IntakeConfig } from '../config/intake.config';
import { hashApiKey, keyPrefix, looksLikeApiKey, sameHash } from './api-key';
import { RateLimiter } from './rate-limiter';
import { GATEWAY_SOURCE_ID, SourceRepository, type SourceRow } from './source.repository';

/** Who is calling a public intake route: a source system by API key, or a person through the gateway. */
export type Caller = { kind: 'source'; source: SourceRow } | { kind: 'user'; source: SourceRow; principal: Principal };

/** Roles that may file and follow leads through the gateway. */
const FILING_ROLES: Role[] = ['SENTINEL', 'VOLUNTEER', 'OFFICER', 'STREET_RESPONSIBLE', 'SUPERVISOR', 'ADMIN'];

export function actorOf(caller: Caller): Actor {
  if (caller.kind === 'source') return { type: 'source', sourceId: caller.source.id, name: caller.source.name };
  const role = caller.principal.roles.find((r) => FILING_ROLES.includes(r)) ?? caller.principal.roles[0]!;
  return { type: 'user', userId: caller.principal.userId, role, name: caller.principal.name };
}

/** Scope of Idempotency-Key values: the API key's source, or the gateway user. */
export function idempotencyScopeOf(caller: Caller): string {
  return caller.kind === 'source' ? `source:${caller.source.id}` : `user:${caller.principal.userId}`;
}

const GATEWAY_USERS = 'intake:gateway-users';

/**
 * Marks a route as authenticated by API key (X-Api-Key) and, when `gatewayUsers`, also by the gateway's internal
 * token (Bearer) for people filing through the admin UI. Applies the per-key rate limit.
 */
export function SourceAuth(o: { gatewayUsers?: boolean } = {}) {
  return applyDecorators(
    OwnAuth(),
    SetMetadata(GATEWAY_USERS, o.gatewayUsers ?? false),
    UseGuards(SourceAuthGuard),
    ApiSecurity('apiKey'),
    ...(o.gatewayUsers ? [ApiSecurity('internal')] : []),
    ApiHeader({ name: 'X-Api-Key', required: false, description: '来源系统的 API 密钥 (source system API key)' }),
  );
}

interface RequestWithCaller {
  headers: Record<string, string | string[] | undefined>;
  /** The request's logger (Fastify's, bound to its correlation id). */
  log: FastifyBaseLogger;
  caller?: Caller;
}

interface CachedSource {
  source: SourceRow;
  expiresAt: number;
}

/** How long a verified key is trusted without a database round trip (revocation takes effect within this). */
const KEY_CACHE_MS = 30_000;
const KEY_CACHE_MAX = 1000;

@Injectable()
export class SourceAuthGuard implements CanActivate {
  private readonly cache = new Map<string, CachedSource>();
  private gatewaySource: SourceRow | null = null;

  constructor(
    private readonly reflector: Reflector,
    private readonly sources: SourceRepository,
    private readonly limiter: RateLimiter,
    @Inject(SERVICE_CONFIG) private readonly config: IntakeConfig,
    @Inject(INTERNAL_PUBLIC_KEY) private readonly publicKey: KeyLike,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestWithCaller>();
    const apiKey = request.headers['x-api-key'];
    const authorization = request.headers['authorization'];
    const gatewayUsers = this.reflector.getAllAndOverride<boolean>(GATEWAY_USERS, [
      context.getHandler(),
      context.getClass(),
    ]);

    if (apiKey !== undefined) {
      const source = await this.sourceForKey(apiKey);
      await this.limit(request, `source:${source.id}`, source.rateLimitPerMinute ?? this.config.RATE_LIMIT_PER_MINUTE);
      request.caller = { kind: 'source', source };
      return true;
    }
    if (gatewayUsers && typeof authorization === 'string' && authorization.startsWith('Bearer ')) {
      let principal: Principal;
      try {
        principal = await verifyInternalToken(authorization.slice(7), this.publicKey);
      } catch {
        throw new ProblemException(401, 'INVALID_TOKEN', 'The bearer token is invalid or expired.');
      }
      if (!principal.roles.some((r) => FILING_ROLES.includes(r))) {
        throw new ProblemException(
          403,
          'ROLE_REQUIRED',
          `This action needs one of the roles: ${FILING_ROLES.join(', ')}.`,
        );
      }
      await this.limit(request, `user:${principal.userId}`, this.config.GATEWAY_USER_RATE_LIMIT_PER_MINUTE);
      request.caller = { kind: 'user', source: await this.gateway(), principal };
      return true;
    }
    throw new ProblemException(
      401,
      'UNAUTHENTICATED',
      gatewayUsers ? 'Send X-Api-Key (source systems) or a gateway bearer token.' : 'Send X-Api-Key.',
    );
  }

  private async sourceForKey(value: string | string[]): Promise<SourceRow> {
    const refuse = () => new ProblemException(401, 'INVALID_API_KEY', 'The API key is not valid (来源系统密钥无效).');
    if (!looksLikeApiKey(value)) throw refuse();
    const hash = hashApiKey(this.config.API_KEY_PEPPER, value);
    const now = Date.now();
    const hit = this.cache.get(hash);
    if (hit && hit.expiresAt > now) return hit.source;
    const source = await this.sources.findByPrefix(keyPrefix(value));
    if (!source || !source.active || !source.keyHash || !sameHash(source.keyHash, hash)) throw refuse();
    if (this.cache.size >= KEY_CACHE_MAX) this.cache.clear();
    this.cache.set(hash, { source, expiresAt: now + KEY_CACHE_MS });
    return source;
  }

  private async gateway(): Promise<SourceRow> {
    this.gatewaySource ??= await this.sources.findById(GATEWAY_SOURCE_ID);
    if (!this.gatewaySource) throw new Error('built-in gateway source is missing: migrations not run?');
    return this.gatewaySource;
  }

  private async limit(request: RequestWithCaller, key: string, perMinute: number): Promise<void> {
    const d = await this.limiter.take(key, perMinute, request.log);
    if (!d.allowed) {
      throw new ProblemException(
        429,
        'RATE_LIMITED',
        `Too many requests for this key; retry in ${d.retryAfterSeconds} s (请求过于频繁).`,
        undefined,
        {
          retryAfterSeconds: d.retryAfterSeconds,
        },
      );
    }
  }
}

/** The authenticated caller of a @SourceAuth() route. */
export const CurrentCaller = createParamDecorator((_: unknown, ctx: ExecutionContext): Caller => {
  const request = ctx.switchToHttp().getRequest<RequestWithCaller>();
  if (!request.caller) throw new ProblemException(401, 'UNAUTHENTICATED', 'Send X-Api-Key.');
  return request.caller;
});
