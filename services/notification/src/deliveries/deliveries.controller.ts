import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AuditLog } from '@outpost/audit';
import { CLOCK, type Clock } from '@outpost/clock';
import { csvOf, CurrentPrincipal, ProblemException, Roles, ZodPipe, type Principal } from '@outpost/platform';
import { Inject } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { userActor } from '../shared/actors';
import { DeliveryQueues } from './delivery-queues';
import { DeliveryRepository } from './delivery.repository';
import { DELIVERY_STATUSES, REPLAYABLE } from './delivery.types';

const listSchema = z.object({
  leadId: z.string().min(1).optional(),
  /** Comma = any of (e.g. DEAD,UNCERTAIN: what an operator may replay). */
  status: csvOf(DELIVERY_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** The delivery log for operators and supervisors, and replay of dead/uncertain/skipped deliveries. */
@ApiTags('deliveries')
@ApiBearerAuth('internal')
@Controller('v1/deliveries')
export class DeliveriesController {
  constructor(
    private readonly deliveries: DeliveryRepository,
    private readonly queues: DeliveryQueues,
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get()
  @Roles('OPERATOR', 'ADMIN', 'SUPERVISOR')
  async list(@Query(new ZodPipe(listSchema)) q: z.infer<typeof listSchema>) {
    return { items: await this.deliveries.list(q) };
  }

  @Get(':id')
  @Roles('OPERATOR', 'ADMIN', 'SUPERVISOR')
  async get(@Param('id', ParseUUIDPipe) id: string) {
    const d = await this.deliveries.get(this.dataSource, id);
    if (!d) throw new ProblemException(404, 'NOT_FOUND', '投递记录不存在');
    return { ...d, history: await this.deliveries.historyOf(id) };
  }

  /** Sends again with the same idempotency key (webhook: event id + recipient; SMS: delivery id; e-mail: Message-ID). */
  @Post(':id/replay')
  @HttpCode(200)
  @Roles('OPERATOR', 'ADMIN')
  async replay(@Param('id', ParseUUIDPipe) id: string, @CurrentPrincipal() p: Principal) {
    const actor = userActor(p, ['OPERATOR', 'ADMIN']);
    const d = await this.dataSource.transaction(async (tx) => {
      const current = await this.deliveries.get(tx, id, true);
      if (!current) throw new ProblemException(404, 'NOT_FOUND', '投递记录不存在');
      if (!REPLAYABLE.includes(current.status)) {
        throw new ProblemException(
          409,
          'NOT_REPLAYABLE',
          `当前状态 ${current.status} 不可重放（仅 ${REPLAYABLE.join('/')} 可重放）`,
        );
      }
      await this.deliveries.transition(tx, id, REPLAYABLE, 'PENDING', this.clock.now(), {
        detail: `replayed by ${p.userId}`,
        notBefore: null,
      });
      await this.audit.append(tx, {
        leadId: current.leadId,
        actor,
        action: 'delivery.replayed',
        fromState: current.status,
        toState: 'PENDING',
        payload: { deliveryId: id },
      });
      return current;
    });
    await this.queues.enqueue({ id, channel: d.channel, notBefore: null });
    return { id, status: 'PENDING', previousStatus: d.status };
  }
}
