import { Body, Controller, Delete, Get, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ApiZodQuery, ZodPipe } from '@outpost/platform';
import { ROLE_GROUPS } from '../auth/access-policy';
import { BrowserAuth, CurrentUser } from '../auth/browser-auth.guard';
import type { AuthUser } from '../auth/principal';
import { DownstreamClient, relay } from '../commands/downstream.client';

const KINDS = ['people', 'pairings'] as const;
const kindSchema = z.enum(KINDS);
const idSchema = z.string().regex(/^[\w.:-]{1,64}$/, '编号格式不正确');
const listQuerySchema = z.object({
  role: z.string().max(40).optional(),
  active: z.enum(['true', 'false']).optional(),
  gridId: z.string().max(64).optional(),
  status: z.string().max(20).optional(),
});
const bodySchema = z.record(z.string(), z.unknown());

/**
 * Roster (人员名册) and pairings (结对), forwarded to assessment, which owns them and validates, audits and publishes
 * every change. The gateway's own roster copy follows from the roster events.
 */
@ApiTags('roster 名册')
@Controller('api/v1/roster')
export class RosterController {
  constructor(private readonly downstream: DownstreamClient) {}

  @BrowserAuth(ROLE_GROUPS.rosterManagers)
  @Get(':kind')
  @ApiParam({ name: 'kind', enum: KINDS })
  @ApiZodQuery(listQuerySchema)
  @ApiOperation({
    summary: '名册/结对列表 (ADMIN, SUPERVISOR)',
    description: "assessment's GET /v1/roster/{people|pairings}: { items }",
  })
  async list(
    @CurrentUser() user: AuthUser,
    @Param('kind', new ZodPipe(kindSchema, 'params')) kind: (typeof KINDS)[number],
    @Query(new ZodPipe(listQuerySchema, 'query')) q: z.infer<typeof listQuerySchema>,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const qs = new URLSearchParams(
      Object.entries(q).filter((e): e is [string, string] => typeof e[1] === 'string'),
    ).toString();
    const res = await this.downstream.call('assessment', {
      method: 'GET',
      path: `/v1/roster/${kind}${qs ? `?${qs}` : ''}`,
      principal: user.principal,
      request: req,
    });
    return relay(reply, res);
  }

  @BrowserAuth(ROLE_GROUPS.rosterManagers)
  @Get(':kind/:id')
  @ApiParam({ name: 'kind', enum: KINDS })
  @ApiParam({ name: 'id' })
  @ApiOperation({ summary: '人员/结对详情 (ADMIN, SUPERVISOR)' })
  async get(
    @CurrentUser() user: AuthUser,
    @Param('kind', new ZodPipe(kindSchema, 'params')) kind: (typeof KINDS)[number],
    @Param('id', new ZodPipe(idSchema, 'params')) id: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    return relay(
      reply,
      await this.downstream.call('assessment', {
        method: 'GET',
        path: `/v1/roster/${kind}/${encodeURIComponent(id)}`,
        principal: user.principal,
        request: req,
      }),
    );
  }

  @BrowserAuth(ROLE_GROUPS.rosterManagers)
  @Post(':kind')
  @ApiParam({ name: 'kind', enum: KINDS })
  @ApiBody({
    schema: {
      type: 'object',
      example: { id: 'pair-9', volunteerId: 'p-volunteer-3', sentinelId: 'p-sentinel-2', gridIds: ['G-440106002-C01'] },
    },
  })
  @ApiOperation({ summary: '新增人员/结对 (ADMIN, SUPERVISOR; audited by assessment)' })
  async create(
    @CurrentUser() user: AuthUser,
    @Param('kind', new ZodPipe(kindSchema, 'params')) kind: (typeof KINDS)[number],
    @Body(new ZodPipe(bodySchema)) body: Record<string, unknown>,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    return relay(
      reply,
      await this.downstream.call('assessment', {
        method: 'POST',
        path: `/v1/roster/${kind}`,
        principal: user.principal,
        json: body,
        request: req,
      }),
    );
  }

  @BrowserAuth(ROLE_GROUPS.rosterManagers)
  @Put(':kind/:id')
  @ApiParam({ name: 'kind', enum: KINDS })
  @ApiParam({ name: 'id' })
  @ApiOperation({ summary: '修改人员/结对 (ADMIN, SUPERVISOR; audited by assessment)' })
  async put(
    @CurrentUser() user: AuthUser,
    @Param('kind', new ZodPipe(kindSchema, 'params')) kind: (typeof KINDS)[number],
    @Param('id', new ZodPipe(idSchema, 'params')) id: string,
    @Body(new ZodPipe(bodySchema)) body: Record<string, unknown>,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    return relay(
      reply,
      await this.downstream.call('assessment', {
        method: 'PUT',
        path: `/v1/roster/${kind}/${encodeURIComponent(id)}`,
        principal: user.principal,
        json: body,
        request: req,
      }),
    );
  }

  @BrowserAuth(ROLE_GROUPS.rosterManagers)
  @Delete(':kind/:id')
  @ApiParam({ name: 'kind', enum: KINDS })
  @ApiParam({ name: 'id' })
  @ApiOperation({ summary: '停用人员/终止结对 (ADMIN, SUPERVISOR; audited by assessment)' })
  async remove(
    @CurrentUser() user: AuthUser,
    @Param('kind', new ZodPipe(kindSchema, 'params')) kind: (typeof KINDS)[number],
    @Param('id', new ZodPipe(idSchema, 'params')) id: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    return relay(
      reply,
      await this.downstream.call('assessment', {
        method: 'DELETE',
        path: `/v1/roster/${kind}/${encodeURIComponent(id)}`,
        principal: user.principal,
        request: req,
      }),
    );
  }
}
