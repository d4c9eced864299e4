import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AuditLog } from '@outpost/audit';
import type { Actor } from '@outpost/contracts';
import { ProblemException, ZodPipe } from '@outpost/platform';
import { DataSource, type EntityManager } from 'typeorm';
import { z } from 'zod';
import { ROLE_GROUPS } from './access-policy';
import { AccountRepository } from './account.repository';
import { AuthService } from './auth.service';
import { BrowserAuth, CurrentUser } from './browser-auth.guard';
import type { AuthUser } from './principal';

const personIdSchema = z.string().regex(/^[\w.:-]{1,64}$/, '人员编号格式不正确');
const createSchema = z.object({
  personId: personIdSchema,
  login: z
    .string()
    .trim()
    .regex(/^[A-Za-z][A-Za-z0-9._-]{2,31}$/, '账号名为 3–32 位字母、数字、点、下划线或连字符，以字母开头'),
});
const ACTIONS = ['reset-password', 'unlock', 'disable', 'enable'] as const;
const actionSchema = z.enum(ACTIONS);

/**
 * Sign-in accounts of the people on the roster (administrators only). The roster (assessment) says who someone is and
 * what they may do; an account is how they sign in. A new account and a reset get a one-time password, shown to the
 * administrator once and changed by its owner at the next sign-in. Every change is in the gateway's audit log.
 */
@ApiTags('auth 登录')
@Controller('api/v1/accounts')
export class AccountsController {
  constructor(
    private readonly accounts: AccountRepository,
    private readonly auth: AuthService,
    private readonly db: DataSource,
    private readonly audit: AuditLog,
  ) {}

  @BrowserAuth(ROLE_GROUPS.accountManagers)
  @Get()
  @ApiOperation({
    summary: '账号列表 (ADMIN)',
    description:
      '{ items: [{ personId, name, roles, unit, active, login, disabled, lockedUntil, mustChangePassword, lastLoginAt }] }: ' +
      'every person on the roster, login null when they have no account. Never a password or its hash.',
  })
  async list() {
    return { items: await this.accounts.listing() };
  }

  @BrowserAuth(ROLE_GROUPS.accountManagers)
  @Post()
  @HttpCode(201)
  @ApiBody({
    schema: {
      type: 'object',
      required: ['personId', 'login'],
      properties: {
        personId: { type: 'string', example: 'p-officer-3' },
        login: { type: 'string', example: 'officer3' },
      },
    },
  })
  @ApiOperation({
    summary: '开通账号 (ADMIN; audited)',
    description:
      '{ personId, login, temporaryPassword }: the one-time password is shown this once; its owner must change it at ' +
      'the next sign-in. 404 PERSON_NOT_FOUND (not on the roster), 409 ACCOUNT_EXISTS (the person has one, or the login ' +
      'is taken).',
  })
  async create(@CurrentUser() user: AuthUser, @Body(new ZodPipe(createSchema)) body: z.infer<typeof createSchema>) {
    const person = await this.accounts.person(body.personId);
    if (!person || person.deleted)
      throw new ProblemException(404, 'PERSON_NOT_FOUND', '花名册中没有该人员，请先在人员名册中登记。', [
        { path: 'personId', message: '花名册中没有该人员' },
      ]);
    const temporaryPassword = this.auth.temporaryPassword();
    const passwordHash = await this.auth.hashPassword(temporaryPassword);
    await this.db.transaction(async (tx) => {
      if (!(await this.accounts.create(tx, { personId: body.personId, login: body.login, passwordHash })))
        throw new ProblemException(409, 'ACCOUNT_EXISTS', '该人员已有账号，或账号名已被使用。', [
          { path: 'login', message: '该人员已有账号，或账号名已被使用' },
        ]);
      await this.record(tx, user, 'account.created', body.personId, `开通账号 ${body.login}`);
    });
    return { personId: body.personId, login: body.login, temporaryPassword };
  }

  @BrowserAuth(ROLE_GROUPS.accountManagers)
  @Post(':personId/:action')
  @HttpCode(200)
  @ApiParam({ name: 'personId' })
  @ApiParam({ name: 'action', enum: ACTIONS })
  @ApiOperation({
    summary: '重置密码 / 解锁 / 停用 / 启用账号 (ADMIN; audited)',
    description:
      'reset-password: a new one-time password { temporaryPassword } (shown once; its owner changes it at the next ' +
      'sign-in) and every session of the account ends. unlock: clears a lock after failed sign-ins. disable: no more ' +
      'sign-in, every session ends. enable: sign-in again. 404 ACCOUNT_NOT_FOUND. An administrator cannot disable ' +
      'their own account (409).',
  })
  async act(
    @CurrentUser() user: AuthUser,
    @Param('personId', new ZodPipe(personIdSchema, 'params')) personId: string,
    @Param('action', new ZodPipe(actionSchema, 'params')) action: (typeof ACTIONS)[number],
  ) {
    const account = await this.accounts.byPerson(personId);
    if (!account) throw new ProblemException(404, 'ACCOUNT_NOT_FOUND', '该人员尚未开通账号。');
    if (action === 'disable' && personId === user.personId)
      throw new ProblemException(409, 'OWN_ACCOUNT', '不能停用自己的账号。');
    const temporaryPassword = action === 'reset-password' ? this.auth.temporaryPassword() : null;
    const hash = temporaryPassword ? await this.auth.hashPassword(temporaryPassword) : null;
    await this.db.transaction(async (tx) => {
      if (hash) {
        await this.accounts.setPassword(tx, personId, hash, true);
        await this.accounts.revokeSessionsOf(tx, personId);
      } else if (action === 'unlock') await this.accounts.unlock(tx, personId);
      else {
        await this.accounts.setDisabled(personId, action === 'disable', tx);
        if (action === 'disable') await this.accounts.revokeSessionsOf(tx, personId);
      }
      await this.record(tx, user, `account.${action}`, personId, `${ACTION_LABELS[action]}：${account.login}`);
    });
    return { personId, login: account.login, ...(temporaryPassword ? { temporaryPassword } : {}) };
  }

  private record(tx: EntityManager, user: AuthUser, action: string, personId: string, reason: string) {
    const actor: Actor = { type: 'user', userId: user.personId, role: 'ADMIN', name: user.principal.name };
    return this.audit.append(tx, { leadId: null, actor, action, reason, payload: { personId } });
  }
}

const ACTION_LABELS: Record<(typeof ACTIONS)[number], string> = {
  'reset-password': '重置密码',
  unlock: '解除锁定',
  disable: '停用账号',
  enable: '启用账号',
};
