import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { ROLES, type Role } from '@outpost/contracts';
import { RequestCorrelation, type CorrelationContext } from '@outpost/messaging';
import { CurrentPrincipal, ProblemException, Roles, ZodPipe, type Principal } from '@outpost/platform';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { roleUsed, userActor } from '../shared/actor';
import { RosterRepository } from './roster.repository';
import { pairingInputSchema, personInputSchema } from './roster.schemas';
import { RosterUsecases } from './usecases/roster.usecases';

const MANAGERS: Role[] = ['ADMIN', 'SUPERVISOR'];
const manager = (p: Principal) => userActor(p, roleUsed(p, MANAGERS) ?? 'ADMIN');
const peopleQuery = z.object({ role: z.enum(ROLES).optional(), active: z.enum(['true', 'false']).optional() });
const pairingQuery = z.object({
  gridId: z.string().optional(),
  status: z.enum(['ACTIVE', 'SUSPENDED', 'ENDED']).optional(),
});

/**
 * Roster (people, pairings 结对): ADMIN and SUPERVISOR only; every change audited and published, its event carrying
 * the request's correlation (RequestCorrelation).
 */
@ApiTags('roster')
@ApiBearerAuth('internal')
@Roles('ADMIN', 'SUPERVISOR')
@Controller('v1/roster')
export class RosterController {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly repo: RosterRepository,
    private readonly usecases: RosterUsecases,
  ) {}

  @Get('people')
  @ApiOperation({ summary: '名册人员列表 (?role=VOLUNTEER&active=true)' })
  async listPeople(@Query(new ZodPipe(peopleQuery, 'query')) q: z.infer<typeof peopleQuery>) {
    return {
      items: await this.repo.listPeople(this.db, {
        role: q.role,
        active: q.active === undefined ? undefined : q.active === 'true',
      }),
    };
  }

  @Get('people/:id')
  async getPerson(@Param('id') id: string) {
    const p = await this.repo.findPerson(this.db, id);
    if (!p) throw new ProblemException(404, 'PERSON_NOT_FOUND', `人员 ${id} 不存在`);
    return p;
  }

  @Post('people')
  @ApiOperation({ summary: '新增人员（前哨员、志愿者、官员…）' })
  createPerson(
    @Body(new ZodPipe(personInputSchema)) body: z.infer<typeof personInputSchema>,
    @CurrentPrincipal() p: Principal,
    @RequestCorrelation() correlation: CorrelationContext | undefined,
  ) {
    return this.usecases.createPerson(manager(p), body, correlation);
  }

  @Put('people/:id')
  async putPerson(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @RequestCorrelation() correlation: CorrelationContext | undefined,
  ) {
    const input = new ZodPipe(personInputSchema).transform({ ...(body as object), id });
    return this.usecases.putPerson(manager(p), input, correlation);
  }

  @Delete('people/:id')
  @ApiOperation({ summary: '停用人员（保留历史，不物理删除）' })
  deactivatePerson(
    @Param('id') id: string,
    @CurrentPrincipal() p: Principal,
    @RequestCorrelation() correlation: CorrelationContext | undefined,
  ) {
    return this.usecases.deactivatePerson(manager(p), id, correlation);
  }

  @Get('pairings')
  async listPairings(@Query(new ZodPipe(pairingQuery, 'query')) q: z.infer<typeof pairingQuery>) {
    return { items: await this.repo.listPairings(this.db, q) };
  }

  @Get('pairings/:id')
  async getPairing(@Param('id') id: string) {
    const p = await this.repo.findPairing(this.db, id);
    if (!p) throw new ProblemException(404, 'PAIRING_NOT_FOUND', `结对 ${id} 不存在`);
    return p;
  }

  @Post('pairings')
  createPairing(
    @Body(new ZodPipe(pairingInputSchema)) body: z.infer<typeof pairingInputSchema>,
    @CurrentPrincipal() p: Principal,
    @RequestCorrelation() correlation: CorrelationContext | undefined,
  ) {
    return this.usecases.createPairing(manager(p), body, correlation);
  }

  @Put('pairings/:id')
  async putPairing(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @RequestCorrelation() correlation: CorrelationContext | undefined,
  ) {
    const input = new ZodPipe(pairingInputSchema).transform({ ...(body as object), id });
    return this.usecases.putPairing(manager(p), input, correlation);
  }

  @Delete('pairings/:id')
  @ApiOperation({ summary: '终止结对（状态置为 ENDED）' })
  endPairing(
    @Param('id') id: string,
    @CurrentPrincipal() p: Principal,
    @RequestCorrelation() correlation: CorrelationContext | undefined,
  ) {
    return this.usecases.endPairing(manager(p), id, correlation);
  }

  @Post('import')
  @HttpCode(200)
  @ApiConsumes('text/csv')
  @ApiBody({
    description:
      'kind,id,name,roles,unit,canCertify,institution,branch,volunteerRoles,streetCodes,gridIds,phone,email,active,volunteerId,sentinelId,agreementSignedAt,status（列表用 | 分隔）',
    schema: { type: 'string' },
  })
  @ApiOperation({ summary: 'CSV 批量导入人员与结对，逐行报告错误' })
  async importCsv(
    @Body() body: unknown,
    @Headers('content-type') contentType: string | undefined,
    @CurrentPrincipal() p: Principal,
    @RequestCorrelation() correlation: CorrelationContext | undefined,
  ) {
    if (!contentType?.startsWith('text/csv') || typeof body !== 'string') {
      throw new ProblemException(415, 'UNSUPPORTED_MEDIA_TYPE', '请以 text/csv 上传');
    }
    return this.usecases.importCsv(manager(p), body, correlation);
  }
}
