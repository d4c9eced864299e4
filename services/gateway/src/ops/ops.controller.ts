import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ApiZodQuery, csvOf, ZodPipe } from '@outpost/platform';
import { ROLE_GROUPS } from '../auth/access-policy';
import { BrowserAuth, CurrentUser } from '../auth/browser-auth.guard';
import type { AuthUser } from '../auth/principal';
import { JobQueues } from './job-queues';
import {
  OPS_SERVICES,
  OpsService,
  REPLAYABLE_DELIVERY_STATUSES,
  type OpsServiceName,
  type ReplayableDeliveryStatus,
} from './ops.service';

const serviceSchema = z.enum(OPS_SERVICES);
const listSchema = z.object({
  service: serviceSchema.optional(),
  status: z.enum(['OPEN', 'REPLAYED', 'DISCARDED']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
const idSchema = z.string().uuid('死信编号应为 UUID');
const deliveriesSchema = z.object({
  status: csvOf(REPLAYABLE_DELIVERY_STATUSES)
    .refine((s) => s.length > 0, '至少指定一种状态')
    .default(['DEAD', 'UNCERTAIN']),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
const dispatchesSchema = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });
const dispatchIdSchema = z.string().uuid('上报/移交记录编号应为 UUID');
/** Escalation knows the external systems and answers 400 (field path `system`) for one it does not. */
const retryDispatchesSchema = z
  .object({
    system: z
      .string()
      .regex(/^[A-Z_]{2,40}$/, '外部系统代码，如 SUISUIAN')
      .optional(),
  })
  .default({});
const deliveryIdSchema = z.string().uuid('投递记录编号应为 UUID');
const discardSchema = z.object({ reason: z.string().trim().min(2, '请填写丢弃理由').max(500) });
const replaySchema = z.object({ reason: z.string().trim().max(500).optional() }).default({});

@ApiTags('ops 运维')
@Controller('api/v1/ops')
export class OpsController {
  constructor(
    private readonly ops: OpsService,
    private readonly jobQueues: JobQueues,
  ) {}

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
  @Get('queues')
  @ApiOperation({
    summary: '任务队列 (OPERATOR, ADMIN)',
    description:
      '{ items: [{ queue, paused, waiting, active, delayed, failed }] } for every BullMQ queue of the services (timers, ' +
      'retries, deliveries; BULLMQ_QUEUES); 503 QUEUES_UNAVAILABLE when Redis is down. Jobs themselves: /ops/queues.',
  })
  async queues() {
    return { items: await this.jobQueues.counts() };
  }

  @BrowserAuth(ROLE_GROUPS.operators)
  @Get('deliveries')
  @ApiZodQuery(deliveriesSchema, { status: 'comma = any of; default DEAD,UNCERTAIN' })
  @ApiOperation({
    summary: '投递异常 (OPERATOR, ADMIN)',
    description:
      "Notification's deliveries that gave up (DEAD), may or may not have gone out (UNCERTAIN: an e-mail whose worker died " +
      'mid-send) or had nobody to go to (SKIPPED), newest change first: { items: [{ id, eventId, eventType, leadId, ' +
      'channel, recipient, recipientName, urgent, status, attempts, lastError, createdAt, updatedAt }] }. No subject or ' +
      'body. 503 when notification is down.',
  })
  deliveries(
    @CurrentUser() user: AuthUser,
    @Query(new ZodPipe(deliveriesSchema, 'query')) q: { status: ReplayableDeliveryStatus[]; limit: number },
  ) {
    return this.ops.deliveries(user, q.status, q.limit);
  }

  @BrowserAuth(ROLE_GROUPS.operators)
  @Post('deliveries/:id/replay')
  @HttpCode(200)
  @ApiParam({ name: 'id' })
  @ApiOperation({
    summary: '重发通知 (OPERATOR, ADMIN; audited by notification)',
    description:
      'Sends a DEAD, UNCERTAIN or SKIPPED delivery again with the same idempotency key (a receiver that got it once ' +
      'does not act twice): { id, status: PENDING, previousStatus }. 409 NOT_REPLAYABLE in any other state.',
  })
  replayDelivery(@CurrentUser() user: AuthUser, @Param('id', new ZodPipe(deliveryIdSchema, 'params')) id: string) {
    return this.ops.replayDelivery(user, id);
  }

  @BrowserAuth(ROLE_GROUPS.operators)
  @Get('dispatches')
  @ApiZodQuery(dispatchesSchema)
  @ApiOperation({
    summary: '对外报送积压 (OPERATOR, ADMIN)',
    description:
      "Escalation's reports, referrals and hand-overs that their external system (穗岁安, 公安, 市场监管 …) has not " +
      'accepted yet, oldest first; they are retried until it does: { items: [{ id, system, authorityLabel, purpose, ' +
      'caseNo, leadId, attempts, lastError, createdAt }] } (no body). 503 when escalation is down.',
  })
  dispatches(
    @CurrentUser() user: AuthUser,
    @Query(new ZodPipe(dispatchesSchema, 'query')) q: z.infer<typeof dispatchesSchema>,
  ) {
    return this.ops.dispatches(user, q.limit);
  }

  @BrowserAuth(ROLE_GROUPS.operators)
  @Post('dispatches/:id/retry')
  @HttpCode(200)
  @ApiParam({ name: 'id' })
  @ApiOperation({
    summary: '立即重发上报/移交 (OPERATOR, ADMIN; audited by escalation)',
    description:
      'Runs the next attempt of an undelivered dispatch now instead of after its backoff, with the same ' +
      'Idempotency-Key: { id, outcome: PROMOTED (its waiting retry runs now) | REQUEUED (retries had run out) | ' +
      'RUNNING (already being sent) }. 404 DISPATCH_NOT_FOUND, 409 ALREADY_DELIVERED.',
  })
  retryDispatch(@CurrentUser() user: AuthUser, @Param('id', new ZodPipe(dispatchIdSchema, 'params')) id: string) {
    return this.ops.retryDispatch(user, id);
  }

  @BrowserAuth(ROLE_GROUPS.operators)
  @Post('dispatches/retry')
  @HttpCode(200)
  @ApiBody({ schema: { type: 'object', properties: { system: { type: 'string', example: 'SUISUIAN' } } } })
  @ApiOperation({
    summary: '全部立即重发 (OPERATOR, ADMIN; audited by escalation)',
    description:
      'Every undelivered dispatch (of one external system, if `system` is given; at most 500), as above: ' +
      '{ requested, PROMOTED, REQUEUED, RUNNING }.',
  })
  retryDispatches(
    @CurrentUser() user: AuthUser,
    @Body(new ZodPipe(retryDispatchesSchema)) b: z.infer<typeof retryDispatchesSchema>,
  ) {
    return this.ops.retryDispatches(user, b.system);
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
