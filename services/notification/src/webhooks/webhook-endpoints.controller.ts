import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AuditLog } from '@outpost/audit';
import { CurrentPrincipal, ProblemException, Roles, ZodPipe, type Principal } from '@outpost/platform';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import { userActor } from '../shared/actors';
import { WebhookEndpointRepository } from './webhook-endpoint.repository';

const ADMIN_ROLES = ['ADMIN', 'OPERATOR'] as const;
const createSchema = z.object({
  sourceId: z.string().min(1).max(100),
  url: z.url({ protocol: /^https?$/ }),
  keyId: z.string().regex(/^[\w.-]{1,64}$/),
  /** Shared HMAC secret agreed with the source system; omitted → generated and returned once. */
  secret: z.string().min(16).max(256).optional(),
  active: z.boolean().default(true),
});
const updateSchema = z.object({
  url: z.url({ protocol: /^https?$/ }).optional(),
  keyId: z
    .string()
    .regex(/^[\w.-]{1,64}$/)
    .optional(),
  secret: z.string().min(16).max(256).optional(),
  active: z.boolean().optional(),
});

/** Admin API of the source systems' callback endpoints (see WebhookEndpointRepository for why they live here). */
@ApiTags('webhook-endpoints')
@ApiBearerAuth('internal')
@Roles(...ADMIN_ROLES)
@Controller('v1/webhook-endpoints')
export class WebhookEndpointsController {
  constructor(
    private readonly endpoints: WebhookEndpointRepository,
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
  ) {}

  @Get()
  async list() {
    return { items: await this.endpoints.list() };
  }

  @Post()
  async create(@Body(new ZodPipe(createSchema)) body: z.infer<typeof createSchema>, @CurrentPrincipal() p: Principal) {
    const id = uuidv7();
    const secret = body.secret ?? randomBytes(32).toString('base64url');
    await this.dataSource.transaction(async (tx) => {
      const ok = await this.endpoints.insert(tx, {
        id,
        sourceId: body.sourceId,
        url: body.url,
        keyId: body.keyId,
        secret,
        active: body.active,
      });
      if (!ok)
        throw new ProblemException(409, 'ENDPOINT_EXISTS', `来源系统 ${body.sourceId} 已配置回调地址，请使用 PUT 修改`);
      await this.audit.append(tx, {
        leadId: null,
        actor: userActor(p, [...ADMIN_ROLES]),
        action: 'webhook-endpoint.created',
        payload: { id, sourceId: body.sourceId, url: body.url, keyId: body.keyId },
      });
    });
    const created = await this.endpoints.get(this.dataSource, id);
    return { ...created, ...(body.secret ? {} : { secret }) };
  }

  @Put(':id')
  async update(
    @Param('id', ParseUUIDPipe) id: string,
    @Body(new ZodPipe(updateSchema)) body: z.infer<typeof updateSchema>,
    @CurrentPrincipal() p: Principal,
  ) {
    await this.dataSource.transaction(async (tx) => {
      if (!(await this.endpoints.get(tx, id))) throw new ProblemException(404, 'NOT_FOUND', '回调地址不存在');
      await this.endpoints.update(tx, id, body);
      await this.audit.append(tx, {
        leadId: null,
        actor: userActor(p, [...ADMIN_ROLES]),
        action: 'webhook-endpoint.updated',
        payload: {
          id,
          url: body.url,
          keyId: body.keyId,
          active: body.active,
          secretRotated: body.secret !== undefined,
        },
      });
    });
    return this.endpoints.get(this.dataSource, id);
  }
}
