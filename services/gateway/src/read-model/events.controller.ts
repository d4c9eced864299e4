import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SERVICE_CONFIG } from '@outpost/platform';
import type { GatewayConfig } from '../config/gateway.config';
import { ROLE_GROUPS } from '../auth/access-policy';
import { BrowserAuth, CurrentUser } from '../auth/browser-auth.guard';
import { canSee, type AuthUser } from '../auth/principal';
import { toSummary } from './lead-view.repository';
import { LiveUpdates } from './live-updates.service';

@ApiTags('live 实时更新')
@Controller('api/v1/events')
export class EventsController {
  constructor(
    private readonly live: LiveUpdates,
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @BrowserAuth(ROLE_GROUPS.leadReaders, { queryToken: true })
  @Get('stream')
  @ApiProduces('text/event-stream')
  @ApiQuery({
    name: 'access_token',
    required: false,
    description: 'EventSource cannot set headers: token here, or the outpost_at cookie',
  })
  @ApiOperation({
    summary: '实时更新 SSE (readers; only leads in scope)',
    description:
      'Server-sent events: `event: lead` with the lead-list row (same shape as GET /api/v1/leads items) whenever the read model changes; ' +
      '`: ping` every 20 s. The stream ends when the access token expires; EventSource reconnects with the current token.',
  })
  stream(@CurrentUser() user: AuthUser, @Req() req: FastifyRequest, @Res() reply: FastifyReply): void {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    raw.write(`retry: 3000\nevent: ready\ndata: ${JSON.stringify({ userId: user.personId })}\n\n`);
    const sub = this.live.changes.subscribe((row) => {
      const visible = canSee(user.principal, {
        streetCode: row.street_code,
        gridIds: row.grid_ids,
        assigneeId: row.assignee_id,
        filedBy: row.filed_by,
      });
      if (visible)
        raw.write(
          `event: lead\nid: ${row.id}:${row.updated_at.getTime()}\ndata: ${JSON.stringify(toSummary(row))}\n\n`,
        );
    });
    const ping = setInterval(() => raw.write(': ping\n\n'), 20_000);
    const expiry = setTimeout(() => raw.end(), this.config.ACCESS_TOKEN_TTL_SECONDS * 1000);
    const close = () => {
      sub.unsubscribe();
      clearInterval(ping);
      clearTimeout(expiry);
    };
    req.raw.on('close', close);
    raw.on('close', close);
  }
}
