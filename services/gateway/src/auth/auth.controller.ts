import { Body, Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuditLog } from '@outpost/audit';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { OwnAuth, ProblemException, SERVICE_CONFIG, ZodPipe } from '@outpost/platform';
import type { GatewayConfig } from '../config/gateway.config';
import { ROLE_GROUPS } from './access-policy';
import { AccountRepository } from './account.repository';
import { AuthService, type TokenPair } from './auth.service';
import { BrowserAuth, CurrentUser } from './browser-auth.guard';
import { ACCESS_COOKIE, clearCookie, readCookie, REFRESH_COOKIE, setCookie } from './cookies';
import type { AuthUser } from './principal';

const loginSchema = z.object({ login: z.string().trim().min(1).max(100), password: z.string().min(1).max(200) });
const refreshSchema = z.object({ refreshToken: z.string().min(20).max(200).optional() }).optional();
const changePasswordSchema = z.object({
  currentPassword: z.string().min(1, '请填写当前密码').max(200),
  newPassword: z.string().min(1, '请填写新密码').max(200),
});

const REFRESH_COOKIE_PATH = '/api/v1/auth';

@ApiTags('auth 登录')
@Controller('api/v1')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly accounts: AccountRepository,
    private readonly db: DataSource,
    private readonly audit: AuditLog,
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @OwnAuth()
  @Post('auth/login')
  @HttpCode(200)
  @ApiOperation({
    summary: '登录 (anonymous)',
    description:
      'Returns a 15-minute ES256 access token and a 7-day refresh token (rotated on every use). Also sets httpOnly cookies ' +
      '(`outpost_at` for GET requests such as SSE and bull-board, `outpost_rt` for /api/v1/auth). 5 failures lock the account for 15 minutes (429 ACCOUNT_LOCKED). ' +
      '403 ROSTER_PENDING when the roster has not reached the gateway yet.',
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['login', 'password'],
      properties: {
        login: { type: 'string', example: 'officer1' },
        password: { type: 'string', example: 'Outpost@2026' },
      },
    },
  })
  @ApiOkResponse({ description: '{ accessToken, tokenType, expiresIn, refreshToken, refreshExpiresAt, user }' })
  async login(
    @Body(new ZodPipe(loginSchema)) body: z.infer<typeof loginSchema>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { tokens, user } = await this.auth.login(body.login, body.password);
    this.setAuthCookies(reply, tokens);
    return { ...tokens, user: await this.me(user) };
  }

  @OwnAuth()
  @Post('auth/refresh')
  @HttpCode(200)
  @ApiOperation({
    summary: '刷新令牌 (anonymous; refresh token in body or cookie)',
    description: 'Rotates the refresh token; reusing an old one ends the session (401 REFRESH_TOKEN_REUSED).',
  })
  @ApiBody({ required: false, schema: { type: 'object', properties: { refreshToken: { type: 'string' } } } })
  async refresh(
    @Body(new ZodPipe(refreshSchema)) body: z.infer<typeof refreshSchema>,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const token = body?.refreshToken ?? readCookie(req.headers.cookie, REFRESH_COOKIE);
    if (!token) throw new ProblemException(401, 'INVALID_REFRESH_TOKEN', '登录已过期，请重新登录。');
    const { tokens, user } = await this.auth.refresh(token);
    this.setAuthCookies(reply, tokens);
    return { ...tokens, user: await this.me(user) };
  }

  @OwnAuth()
  @Post('auth/logout')
  @HttpCode(204)
  @ApiOperation({
    summary: '退出登录 (anonymous; refresh token in body or cookie)',
    description: 'Revokes the session: its refresh token and access tokens stop working at once.',
  })
  @ApiBody({ required: false, schema: { type: 'object', properties: { refreshToken: { type: 'string' } } } })
  async logout(
    @Body(new ZodPipe(refreshSchema)) body: z.infer<typeof refreshSchema>,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const token = body?.refreshToken ?? readCookie(req.headers.cookie, REFRESH_COOKIE);
    if (token) await this.auth.logout(token);
    void reply.header('set-cookie', [
      clearCookie(ACCESS_COOKIE, '/'),
      clearCookie(REFRESH_COOKIE, REFRESH_COOKIE_PATH),
    ]);
  }

  @BrowserAuth(ROLE_GROUPS.anyone, { whilePasswordChangePending: true })
  @Post('me/password')
  @HttpCode(204)
  @ApiOperation({
    summary: '修改本人密码 (any role; also while an administrator’s one-time password must be changed)',
    description:
      'At least 10 characters with letters and digits, not containing the login, not the current one. Ends the ' +
      "user's other sessions; audited. 400 with the field path (currentPassword, newPassword) when refused.",
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['currentPassword', 'newPassword'],
      properties: { currentPassword: { type: 'string' }, newPassword: { type: 'string', example: 'Tianhe2026pass' } },
    },
  })
  async changePassword(
    @CurrentUser() user: AuthUser,
    @Body(new ZodPipe(changePasswordSchema)) body: z.infer<typeof changePasswordSchema>,
  ) {
    await this.auth.changePassword(user, body.currentPassword, body.newPassword);
    await this.db.transaction((tx) =>
      this.audit.append(tx, {
        leadId: null,
        actor: { type: 'user', userId: user.personId, role: user.principal.roles[0]!, name: user.principal.name },
        action: 'account.password-changed',
        reason: user.mustChangePassword ? '首次登录修改初始密码' : '本人修改密码',
        payload: { personId: user.personId },
      }),
    );
  }

  @BrowserAuth(ROLE_GROUPS.anyone, { whilePasswordChangePending: true })
  @Get('me')
  @ApiOperation({
    summary: '当前用户 (any role)',
    description:
      'Person id, login, roles, canCertify, grid/street scope, unit, contact and pairings, as copied from the roster.',
  })
  async current(@CurrentUser() user: AuthUser) {
    return this.me(user);
  }

  private async me(user: AuthUser) {
    const person = await this.accounts.person(user.personId);
    const pairings = await this.accounts.pairingsOf(user.personId);
    return {
      personId: user.personId,
      login: user.login,
      mustChangePassword: user.mustChangePassword,
      name: user.principal.name,
      roles: user.principal.roles,
      canCertify: user.principal.canCertify,
      scope: user.principal.scope,
      unit: person?.unit ?? null,
      institution: person?.institution ?? null,
      contact: { phone: person?.phone ?? null, email: person?.email ?? null },
      pairings: pairings.map((p) => ({
        id: p.id,
        volunteerId: p.volunteer_id,
        sentinelId: p.sentinel_id,
        gridIds: p.grid_ids,
        status: p.status,
      })),
    };
  }

  private setAuthCookies(reply: FastifyReply, tokens: TokenPair): void {
    const secure = this.config.COOKIE_SECURE;
    void reply.header('set-cookie', [
      setCookie(ACCESS_COOKIE, tokens.accessToken, { path: '/', maxAgeSeconds: tokens.expiresIn, secure }),
      setCookie(REFRESH_COOKIE, tokens.refreshToken, {
        path: REFRESH_COOKIE_PATH,
        maxAgeSeconds: this.config.REFRESH_TOKEN_TTL_DAYS * 86400,
        secure,
      }),
    ]);
  }
}
