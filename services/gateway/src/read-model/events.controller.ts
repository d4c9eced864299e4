import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SERVICE_CONFIG } from '@outpost/platform';
import type { GatewayConfig } from '../config/gateway.config';
import { hasAnyRole, ROLE_GROUPS } from '../auth/access-policy';
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

  // Everyone signed in gets their own inbox items; lead changes only go to lead readers (and by scope).
  @BrowserAuth(ROLE_GROUPS.anyone, { queryToken: true })
  @Get('stream')
  @ApiProduces('text/event-stream')
  @ApiQuery({
    name: 'access_token',
    required: false,
    description: 'EventSource cannot set headers: token here, or the outpost_at cookie',
  })
  @ApiOperation({
    summary: '实时更新 SSE (anyone signed in; leads: readers, only in scope; inbox: own items only)',
    description:
      'Server-sent events: `event: lead` with the lead-list row (same shape as GET /api/v1/leads items) whenever the read model changes ' +
      '(lead readers only); `event: inbox` with { itemId, personId, eventType, leadId, title, urgent, createdAt } when a new ' +
      "item arrives in the signed-in user's own inbox (站内信); " +
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
    const readsLeads = hasAnyRole(user.principal.roles, ROLE_GROUPS.leadReaders);
    const sub = this.live.changes.subscribe((row) => {
      if (!readsLeads) return;
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
    const inboxSub = this.live.inbox.subscribe((item) => {
      if (item.personId === user.personId)
        raw.write(`event: inbox\nid: inbox:${item.itemId}\ndata: ${JSON.stringify(item)}\n\n`);
    });
    const ping = setInterval(() => raw.write(': ping\n\n'), 20_000);
    const expiry = setTimeout(() => raw.end(), this.config.ACCESS_TOKEN_TTL_SECONDS * 1000);
    const close = () => {
      sub.unsubscribe();
      inboxSub.unsubscribe();
      clearInterval(ping);
      clearTimeout(expiry);
    };
    req.raw.on('close', close);
    raw.on('close', close);
  }
}
