import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ApiZodQuery, ZodPipe } from '@outpost/platform';
import { ROLE_GROUPS } from '../auth/access-policy';
import { BrowserAuth, CurrentUser } from '../auth/browser-auth.guard';
import type { AuthUser } from '../auth/principal';
import { OPS_SERVICES, OpsService, type OpsServiceName } from './ops.service';

const serviceSchema = z.enum(OPS_SERVICES);
const listSchema = z.object({
  service: serviceSchema.optional(),
  status: z.enum(['OPEN', 'REPLAYED', 'DISCARDED']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
const idSchema = z.string().uuid('死信编号应为 UUID');
const discardSchema = z.object({ reason: z.string().trim().min(2, '请填写丢弃理由').max(500) });
const replaySchema = z.object({ reason: z.string().trim().max(500).optional() }).default({});

@ApiTags('ops 运维')
@Controller('api/v1/ops')
export class OpsController {
  constructor(private readonly ops: OpsService) {}

  @BrowserAuth(ROLE_GROUPS.operators)
  @Get('health')
  @ApiOperation({
    summary: '各服务健康状态 (OPERATOR, ADMIN)',
    description:
      "{ status: up|degraded, services: [{ service, status, httpStatus, latencyMs, details }] } — each service's /health/ready.",
  })
  health() {
    return this.ops.health();
  }

  @BrowserAuth(ROLE_GROUPS.operators)
  @Get('kafka/lag')
  @ApiOperation({
    summary: 'Kafka 消费延迟 (OPERATOR, ADMIN)',
    description:
      '{ groups: [{ group, lag }], partitions: [{ group, topic, partition, committed, high, lag }], errors }',
  })
  lag() {
    return this.ops.kafkaLag();
  }

  @BrowserAuth(ROLE_GROUPS.operators)
  @Get('outbox')
  @ApiOperation({
    summary: '发件箱积压 (OPERATOR, ADMIN)',
    description:
      "{ services: [{ service, ok, data: { pending, oldestPendingAt, sentLastHour } | error }] } — each service's GET /v1/ops/outbox.",
  })
  outbox(@CurrentUser() user: AuthUser) {
    return this.ops.outbox(user);
  }

  @BrowserAuth(ROLE_GROUPS.operators)
  @Get('dead-letters')
  @ApiZodQuery(listSchema)
  @ApiOperation({
    summary: '死信列表 (OPERATOR, ADMIN)',
    description: '{ services: [{ service, ok, data: DeadLetter[] | error }] }',
  })
  list(@CurrentUser() user: AuthUser, @Query(new ZodPipe(listSchema, 'query')) q: z.infer<typeof listSchema>) {
    return this.ops.listDeadLetters(user, q.service, q.status, q.limit);
  }

  @BrowserAuth(ROLE_GROUPS.operators)
  @Get('dead-letters/:service/:id')
  @ApiParam({ name: 'service', enum: OPS_SERVICES })
  @ApiParam({ name: 'id' })
  @ApiOperation({
    summary: '死信详情 (OPERATOR, ADMIN)',
    description: 'The original message (value, headers), error, attempts, status.',
  })
  get(
    @CurrentUser() user: AuthUser,
    @Param('service', new ZodPipe(serviceSchema, 'params')) service: OpsServiceName,
    @Param('id', new ZodPipe(idSchema, 'params')) id: string,
  ) {
    return this.ops.getDeadLetter(user, service, id);
  }

  @BrowserAuth(ROLE_GROUPS.operators)
  @Post('dead-letters/:service/:id/replay')
  @HttpCode(200)
  @ApiParam({ name: 'service', enum: OPS_SERVICES })
  @ApiParam({ name: 'id' })
  @ApiBody({ required: false, schema: { type: 'object', properties: { reason: { type: 'string' } } } })
  @ApiOperation({ summary: '重放死信 (OPERATOR, ADMIN; audited)' })
  replay(
    @CurrentUser() user: AuthUser,
    @Param('service', new ZodPipe(serviceSchema, 'params')) service: OpsServiceName,
    @Param('id', new ZodPipe(idSchema, 'params')) id: string,
    @Body(new ZodPipe(replaySchema)) body: z.infer<typeof replaySchema>,
  ) {
    return this.ops.act(user, service, id, 'replay', body.reason ?? null);
  }

  @BrowserAuth(ROLE_GROUPS.operators)
  @Post('dead-letters/:service/:id/discard')
  @HttpCode(200)
  @ApiParam({ name: 'service', enum: OPS_SERVICES })
  @ApiParam({ name: 'id' })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['reason'],
      properties: { reason: { type: 'string', example: '测试数据，无需处理' } },
    },
  })
  @ApiOperation({ summary: '丢弃死信 (OPERATOR, ADMIN; reason required; audited)' })
  discard(
    @CurrentUser() user: AuthUser,
    @Param('service', new ZodPipe(serviceSchema, 'params')) service: OpsServiceName,
    @Param('id', new ZodPipe(idSchema, 'params')) id: string,
    @Body(new ZodPipe(discardSchema)) body: z.infer<typeof discardSchema>,
  ) {
    return this.ops.act(user, service, id, 'discard', body.reason);
  }

  @BrowserAuth(ROLE_GROUPS.operators)
  @Get('audit')
  @ApiOperation({
    summary: '审计链校验 (OPERATOR, ADMIN)',
    description:
      "{ services: [{ service, ok, data: VerifyReport | error }] } — each service's GET /v1/audit/verify, the gateway's own included.",
  })
  audit(@CurrentUser() user: AuthUser) {
    return this.ops.auditStatus(user);
  }
}
