import { Inject, Injectable } from '@nestjs/common';
import argon2 from 'argon2';
import { jwtVerify, SignJWT } from 'jose';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ProblemException, SERVICE_CONFIG } from '@outpost/platform';
import type { GatewayConfig } from '../config/gateway.config';
import { AccountRepository } from './account.repository';
import { GATEWAY_KEYS, type GatewayKeys } from './keys';
import { principalFor, type AuthUser } from './principal';

export const BROWSER_TOKEN_ISSUER = 'outpost-gateway';
export const BROWSER_TOKEN_AUDIENCE = 'outpost-browser';

/** OWASP's argon2id baseline (19 MiB, t=2, p=1). */
export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export interface TokenPair {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshToken: string;
  refreshExpiresAt: string;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Login, refresh rotation, logout and resolving a browser access token into the signed-in user. */
@Injectable()
export class AuthService {
  /** Verified against when the login does not exist, so an unknown login costs the same time as a wrong password. */
  private dummyHash: Promise<string> | null = null;

  constructor(
    private readonly accounts: AccountRepository,
    private readonly db: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
    @Inject(GATEWAY_KEYS) private readonly keys: GatewayKeys,
  ) {}

  hashPassword(password: string): Promise<string> {
    return argon2.hash(password, ARGON2_OPTIONS);
  }

  async login(login: string, password: string): Promise<{ tokens: TokenPair; user: AuthUser }> {
    const account = await this.accounts.byLogin(login);
    if (!account) {
      this.dummyHash ??= this.hashPassword(randomUUID());
      await argon2.verify(await this.dummyHash, password);
      throw invalidCredentials();
    }
    if (account.disabled) throw new ProblemException(403, 'ACCOUNT_DISABLED', '该账号已停用，请联系管理员。');
    if (account.locked_until && account.locked_until.getTime() > Date.now()) throw locked(account.locked_until);
    if (!(await argon2.verify(account.password_hash, password))) {
      const lockedUntil = await this.accounts.recordFailure(
        account.person_id,
        this.config.LOGIN_MAX_FAILURES,
        this.config.LOGIN_LOCKOUT_MINUTES,
      );
      if (lockedUntil) throw locked(lockedUntil);
      throw invalidCredentials();
    }
    await this.accounts.recordSuccess(account.person_id);
    const familyId = randomUUID();
    const user = await this.resolveUser(account.person_id, account.login, familyId, account.must_change_password);
    const tokens = await this.issue(account.person_id, familyId, this.db);
    return { tokens, user };
  }

  /** A one-time password an administrator hands over: 16 characters, letters and digits, no look-alikes. */
  temporaryPassword(): string {
    const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789';
    const bytes = randomBytes(16);
    // Two fixed classes at the end, so it always meets the password rule below.
    return `${[...bytes].map((b) => alphabet[b % alphabet.length]).join('')}7k`;
  }

  /**
   * The owner changes their password (the current one proves it is them): it must follow the rule, differ from the
   * current one and from the login. Their other sessions end; this one goes on.
   */
  async changePassword(user: AuthUser, current: string, next: string): Promise<void> {
    const account = await this.accounts.byPerson(user.personId);
    if (!account) throw new ProblemException(401, 'ACCOUNT_DISABLED', '该账号已停用，请联系管理员。');
    if (!(await argon2.verify(account.password_hash, current)))
      throw new ProblemException(400, 'VALIDATION_FAILED', '当前密码不正确。', [
        { path: 'currentPassword', message: '当前密码不正确' },
      ]);
    const problem = passwordProblem(next, account.login) ?? (next === current ? '新密码不能与当前密码相同' : null);
    if (problem)
      throw new ProblemException(400, 'VALIDATION_FAILED', problem, [{ path: 'newPassword', message: problem }]);
    const hash = await this.hashPassword(next);
    await this.db.transaction(async (tx) => {
      await this.accounts.setPassword(tx, user.personId, hash, false);
      await tx.query(
        `UPDATE refresh_token SET revoked_at = now() WHERE person_id = $1 AND family_id <> $2 AND revoked_at IS NULL`,
        [user.personId, user.sessionId],
      );
    });
  }

  /**
   * Rotates a refresh token: the presented one is marked used and a new one of the same family is issued. Presenting
   * an already used token means it was copied: the whole family (session) is revoked.
   */
  async refresh(refreshToken: string): Promise<{ tokens: TokenPair; user: AuthUser }> {
    const outcome = await this.db.transaction(async (tx) => {
      const row = await this.accounts.lockRefreshToken(tx, sha256(refreshToken));
      if (!row || row.revoked_at || row.expires_at.getTime() <= Date.now()) return { error: 'invalid' as const };
      if (row.used_at) {
        await this.accounts.revokeFamily(tx, row.family_id);
        return { error: 'reused' as const };
      }
      await this.accounts.markUsed(tx, row.id);
      const account = await this.accounts.byPerson(row.person_id, tx);
      if (!account || account.disabled) {
        await this.accounts.revokeFamily(tx, row.family_id);
        return { error: 'disabled' as const };
      }
      const tokens = await this.issue(row.person_id, row.family_id, tx);
      return {
        tokens,
        personId: row.person_id,
        login: account.login,
        familyId: row.family_id,
        mustChangePassword: account.must_change_password,
      };
    });
    // Errors are thrown after the transaction so the family revocation above is committed.
    if ('error' in outcome) {
      if (outcome.error === 'reused') {
        throw new ProblemException(
          401,
          'REFRESH_TOKEN_REUSED',
          '登录凭证已被使用过，为安全起见本次会话已注销，请重新登录。',
        );
      }
      if (outcome.error === 'disabled')
        throw new ProblemException(403, 'ACCOUNT_DISABLED', '该账号已停用，请联系管理员。');
      throw new ProblemException(401, 'INVALID_REFRESH_TOKEN', '登录已过期，请重新登录。');
    }
    const user = await this.resolveUser(outcome.personId, outcome.login, outcome.familyId, outcome.mustChangePassword);
    return { tokens: outcome.tokens, user };
  }

  /** Revokes the session of this refresh token (and so its access tokens). Unknown tokens are ignored. */
  async logout(refreshToken: string): Promise<void> {
    const rows: Array<{ family_id: string }> = await this.db.query(
      `SELECT family_id FROM refresh_token WHERE token_hash = $1`,
      [sha256(refreshToken)],
    );
    if (rows[0]) await this.accounts.revokeFamily(this.db, rows[0].family_id);
  }

  async revokeSession(sessionId: string): Promise<void> {
    await this.accounts.revokeFamily(this.db, sessionId);
  }

  /** Verifies a browser access token and loads the current roles and scope (a roster change applies at once). */
  async authenticate(accessToken: string): Promise<AuthUser> {
    let personId: string;
    let sessionId: string;
    try {
      const { payload } = await jwtVerify(accessToken, this.keys.browserPublic, {
        issuer: BROWSER_TOKEN_ISSUER,
        audience: BROWSER_TOKEN_AUDIENCE,
        algorithms: ['ES256'],
      });
      if (payload.typ !== 'access' || typeof payload.sub !== 'string' || typeof payload.sid !== 'string')
        throw new Error('claims');
      personId = payload.sub;
      sessionId = payload.sid;
    } catch {
      throw new ProblemException(401, 'INVALID_TOKEN', '登录已失效，请重新登录。');
    }
    if (!(await this.accounts.sessionLive(sessionId)))
      throw new ProblemException(401, 'SESSION_ENDED', '会话已注销，请重新登录。');
    const account = await this.accounts.byPerson(personId);
    if (!account || account.disabled)
      throw new ProblemException(401, 'ACCOUNT_DISABLED', '该账号已停用，请联系管理员。');
    return this.resolveUser(personId, account.login, sessionId, account.must_change_password);
  }

  /** Roles and scope come only from the roster copy: no roster entry yet means no access yet. */
  private async resolveUser(
    personId: string,
    login: string,
    sessionId: string,
    mustChangePassword: boolean,
  ): Promise<AuthUser> {
    const person = await this.accounts.person(personId);
    if (!person || person.deleted) {
      throw new ProblemException(
        403,
        'ROSTER_PENDING',
        '账号已创建，但花名册中的角色与网格尚未同步到网关（等待研判服务的花名册事件）。请稍后再试，或联系管理员确认花名册。',
      );
    }
    if (!person.active || person.roles.length === 0)
      throw new ProblemException(403, 'ROSTER_INACTIVE', '您在花名册中已停用或没有任何角色，无法登录。');
    const pairings = await this.accounts.pairingsOf(personId);
    return { principal: principalFor(person, pairings), personId, login, sessionId, mustChangePassword };
  }

  private async issue(
    personId: string,
    familyId: string,
    db: DataSource | import('typeorm').EntityManager,
  ): Promise<TokenPair> {
    const accessToken = await new SignJWT({ typ: 'access', sid: familyId })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(BROWSER_TOKEN_ISSUER)
      .setAudience(BROWSER_TOKEN_AUDIENCE)
      .setSubject(personId)
      .setIssuedAt()
      .setJti(randomUUID())
      .setExpirationTime(`${this.config.ACCESS_TOKEN_TTL_SECONDS}s`)
      .sign(this.keys.browserPrivate);
    const refreshToken = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + this.config.REFRESH_TOKEN_TTL_DAYS * 86400_000);
    await this.accounts.insertRefreshToken(db, {
      id: randomUUID(),
      personId,
      familyId,
      tokenHash: sha256(refreshToken),
      expiresAt,
    });
    return {
      accessToken,
      tokenType: 'Bearer',
      expiresIn: this.config.ACCESS_TOKEN_TTL_SECONDS,
      refreshToken,
      refreshExpiresAt: expiresAt.toISOString(),
    };
  }
}

/**
 * Why a password may not be used (null when it may): at least 10 characters, with letters and digits, and not the
 * login. Administrators' one-time passwords and owners' own choices follow the same rule.
 */
export function passwordProblem(password: string, login: string): string | null {
  if (password.length < 10) return '密码至少 10 位';
  if (password.length > 128) return '密码不超过 128 位';
  if (!/[A-Za-z]/.test(password) || !/\d/.test(password)) return '密码须同时包含字母和数字';
  if (password.toLowerCase().includes(login.toLowerCase())) return '密码不能包含账号名';
  return null;
}

function invalidCredentials(): ProblemException {
  return new ProblemException(401, 'INVALID_CREDENTIALS', '用户名或密码错误。');
}

function locked(until: Date): ProblemException {
  const seconds = Math.max(1, Math.ceil((until.getTime() - Date.now()) / 1000));
  const local = until.toLocaleTimeString('zh-CN', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit' });
  return new ProblemException(
    429,
    'ACCOUNT_LOCKED',
    `连续登录失败次数过多，账号已临时锁定，请于 ${local} 后再试。`,
    undefined,
    {
      retryAfterSeconds: seconds,
      lockedUntil: until.toISOString(),
    },
  );
}
