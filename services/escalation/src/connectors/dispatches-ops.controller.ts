import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal, Roles, ZodPipe } from '@outpost/platform';
import { z } from 'zod';
import { EXTERNAL_SYSTEMS } from '../config/escalation.config';
import { userActor } from '../shared/actors';
import { DispatchService } from './dispatch.service';

const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });
const idParam = z.uuid('上报/移交记录编号应为 UUID');
const retryAllBody = z.object({ system: z.enum(EXTERNAL_SYSTEMS).optional() }).default({});

const operatorActor = (p: Principal) => userActor(p, p.roles.includes('ADMIN') ? 'ADMIN' : 'OPERATOR');

/** The operator console's view of the connector: what external systems have not accepted yet, and "retry now". */
@ApiTags('ops')
@ApiBearerAuth('internal')
@Roles('OPERATOR', 'ADMIN')
@Controller('v1/ops/dispatches')
export class DispatchesOpsController {
  constructor(private readonly dispatches: DispatchService) {}

  @Get()
  @ApiOperation({
    summary: '对外报送积压：reports, referrals and hand-overs not yet accepted, oldest first (no body)',
  })
  async pending(@Query(new ZodPipe(listQuery, 'query')) q: z.infer<typeof listQuery>) {
    return { items: await this.dispatches.undelivered(q.limit) };
  }

  @Post(':id/retry')
  @HttpCode(200)
  @ApiOperation({
    summary: '立即重发 one undelivered dispatch instead of waiting out its backoff (audited)',
    description:
      '{ id, outcome: PROMOTED (its waiting retry runs now) | REQUEUED (retries had run out: fresh attempts) | ' +
      'RUNNING (already queued or running) }. The same Idempotency-Key is sent, so a receiver that got it once does ' +
      'not act twice. 404 DISPATCH_NOT_FOUND, 409 ALREADY_DELIVERED.',
  })
  retry(@Param('id', new ZodPipe(idParam, 'params')) id: string, @CurrentPrincipal() p: Principal) {
    return this.dispatches.retryNow(id, operatorActor(p));
  }

  @Post('retry')
  @HttpCode(200)
  @ApiBody({ schema: { type: 'object', properties: { system: { type: 'string', enum: [...EXTERNAL_SYSTEMS] } } } })
  @ApiOperation({
    summary: '全部立即重发: every undelivered dispatch (of one external system, if given; at most 500), audited',
    description: '{ requested, PROMOTED, REQUEUED, RUNNING } — how many were found and what was done to each.',
  })
  retryAll(@Body(new ZodPipe(retryAllBody, 'body')) b: z.infer<typeof retryAllBody>, @CurrentPrincipal() p: Principal) {
    return this.dispatches.retryAllNow(b.system, operatorActor(p));
  }
}
