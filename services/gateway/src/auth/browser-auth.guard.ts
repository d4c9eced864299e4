import {
  applyDecorators,
  CanActivate,
  createParamDecorator,
  ExecutionContext,
  Injectable,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Role } from '@outpost/contracts';
import { OwnAuth, ProblemException } from '@outpost/platform';
import type { FastifyRequest } from 'fastify';
import { AuthService } from './auth.service';
import { readCookie, ACCESS_COOKIE } from './cookies';
import type { AuthUser } from './principal';

const BROWSER_ROLES = 'gateway:browser-roles';
const QUERY_TOKEN = 'gateway:query-token';
const NEEDS_CERTIFY_FOR_OFFICER = 'gateway:officer-needs-certify';
const WHILE_PASSWORD_CHANGE_PENDING = 'gateway:while-password-change-pending';

type GatewayRequest = FastifyRequest & { user?: AuthUser };

/** Reads the browser token: Authorization header; for GET also the access cookie (and ?access_token= where allowed). */
export function browserToken(req: FastifyRequest, allowQuery: boolean): string | null {
  const header = req.headers.authorization;
  if (typeof header === 'string' && header.startsWith('Bearer ')) return header.slice(7);
  // Cookies and query tokens only for reads: a cross-site form cannot then make a state change with them.
  if (req.method !== 'GET' && req.method !== 'HEAD') return null;
  const cookie = readCookie(req.headers.cookie, ACCESS_COOKIE);
  if (cookie) return cookie;
  if (allowQuery) {
    const q = (req.query as Record<string, unknown> | undefined)?.access_token;
    if (typeof q === 'string' && q) return q;
  }
  return null;
}

/** Authenticates /api routes with the gateway's own browser tokens and checks the route's roles. */
@Injectable()
export class BrowserAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    const req = context.switchToHttp().getRequest<GatewayRequest>();
    const token = browserToken(req, this.reflector.getAllAndOverride<boolean>(QUERY_TOKEN, targets) ?? false);
    if (!token) throw new ProblemException(401, 'UNAUTHENTICATED', '请先登录。');
    const user = await this.auth.authenticate(token);
    req.user = user;
    if (user.mustChangePassword && !this.reflector.getAllAndOverride<boolean>(WHILE_PASSWORD_CHANGE_PENDING, targets))
      throw new ProblemException(403, 'PASSWORD_CHANGE_REQUIRED', '请先修改管理员发放的初始密码，再使用系统。');
    const roles = this.reflector.getAllAndOverride<readonly Role[] | undefined>(BROWSER_ROLES, targets);
    if (!roles || !user.principal.roles.some((r) => roles.includes(r))) {
      throw new ProblemException(
        403,
        'ROLE_NOT_ALLOWED',
        `您的角色无权执行此操作（需要：${(roles ?? []).join('、') || '—'}）。`,
      );
    }
    if (this.reflector.getAllAndOverride<boolean>(NEEDS_CERTIFY_FOR_OFFICER, targets)) {
      // An OFFICER counts only with canCertify (牵头部门); other listed roles count as they are.
      const qualifies = user.principal.roles.some(
        (r) => roles.includes(r) && (r !== 'OFFICER' || user.principal.canCertify),
      );
      if (!qualifies)
        throw new ProblemException(
          403,
          'CERTIFY_REQUIRED',
          '仅牵头部门（具备认定权限）的办案人员或督办人员可以查看举报人身份及银行敏感信息。',
        );
    }
    return true;
  }
}

/**
 * Marks a browser-facing route: the platform's internal-token guard lets it through (@OwnAuth) and BrowserAuthGuard
 * authenticates it and requires one of `roles` (never empty: every route names who may call it).
 */
export function BrowserAuth(
  roles: readonly Role[],
  o: { queryToken?: boolean; officerNeedsCertify?: boolean; whilePasswordChangePending?: boolean } = {},
) {
  return applyDecorators(
    OwnAuth(),
    SetMetadata(BROWSER_ROLES, roles),
    SetMetadata(QUERY_TOKEN, o.queryToken ?? false),
    SetMetadata(NEEDS_CERTIFY_FOR_OFFICER, o.officerNeedsCertify ?? false),
    // Only "who am I" and "change my password" answer an account holding an administrator's one-time password.
    SetMetadata(WHILE_PASSWORD_CHANGE_PENDING, o.whilePasswordChangePending ?? false),
    UseGuards(BrowserAuthGuard),
    ApiBearerAuth('internal'),
    ApiUnauthorizedResponse({ description: '未登录或令牌失效 (problem+json)' }),
    ApiForbiddenResponse({ description: `角色不允许：需要 ${roles.join(', ')} (problem+json)` }),
  );
}

/** The signed-in user (present on every @BrowserAuth route). */
export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): AuthUser => {
  const req = ctx.switchToHttp().getRequest<GatewayRequest>();
  if (!req.user) throw new ProblemException(401, 'UNAUTHENTICATED', '请先登录。');
  return req.user;
});
