import { Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { InboxItem } from '@outpost/contracts';
import { ApiZodQuery, ProblemException, ZodPipe } from '@outpost/platform';
import { z } from 'zod';
import { ROLE_GROUPS } from '../auth/access-policy';
import { BrowserAuth, CurrentUser } from '../auth/browser-auth.guard';
import type { AuthUser } from '../auth/principal';
import { DownstreamClient, SERVICE_LABEL, type DownstreamRequest } from '../commands/downstream.client';

/** An empty query value (`?unread=`) means "not given". */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());
const listQuerySchema = z.object({
  unread: optional(z.enum(['true', 'false'])),
  limit: optional(z.coerce.number().int().min(1).max(200)),
  /** Keyset paging: items older than this item id (UUID v7, time-ordered). */
  before: optional(z.uuid()),
});
type ListQuery = z.infer<typeof listQuerySchema>;
const itemIdSchema = z.uuid('站内信编号无效');

/**
 * The signed-in user's own in-app inbox (站内信), read from notification with an internal token for that user: the
 * service answers for principal.userId only, so nobody can reach another person's items through the gateway.
 * notification unreachable → 503 problem+json (the rest of the console keeps working).
 */
@ApiTags('inbox 站内信')
@Controller('api/v1/inbox')
export class InboxController {
  constructor(private readonly downstream: DownstreamClient) {}

  @BrowserAuth(ROLE_GROUPS.anyone)
  @Get()
  @ApiOperation({
    summary: '我的站内信列表 (anyone signed in; own items only)',
    description:
      '{ items: [{ id, eventType, leadId, title, body, urgent, createdAt, readAt }], unread }, newest first. ' +
      'Keyset paging: pass the last item id as `before` for the next page.',
  })
  @ApiZodQuery(listQuerySchema, { unread: 'true = 只看未读', before: 'item id (UUID v7): items older than this one' })
  list(
    @CurrentUser() user: AuthUser,
    @Query(new ZodPipe(listQuerySchema, 'query')) q: ListQuery,
    @Req() req: FastifyRequest,
  ): Promise<{ items: InboxItem[]; unread: number }> {
    const qs = new URLSearchParams();
    if (q.unread) qs.set('unread', q.unread);
    if (q.limit !== undefined) qs.set('limit', String(q.limit));
    if (q.before) qs.set('before', q.before);
    const query = qs.toString();
    return this.call(user, req, { method: 'GET', path: `/v1/inbox${query ? `?${query}` : ''}` });
  }

  @BrowserAuth(ROLE_GROUPS.anyone)
  @Get('unread-count')
  @ApiOperation({ summary: '我的未读站内信数量 (anyone signed in)', description: '{ unread }' })
  unreadCount(@CurrentUser() user: AuthUser, @Req() req: FastifyRequest): Promise<{ unread: number }> {
    return this.call(user, req, { method: 'GET', path: '/v1/inbox/unread-count' });
  }

  @BrowserAuth(ROLE_GROUPS.anyone)
  @Post('read-all')
  @HttpCode(200)
  @ApiOperation({ summary: '全部标为已读 (anyone signed in; own items)', description: '{ updated, unread: 0 }' })
  readAll(@CurrentUser() user: AuthUser, @Req() req: FastifyRequest): Promise<{ updated: number; unread: number }> {
    return this.call(user, req, { method: 'POST', path: '/v1/inbox/read-all' });
  }

  @BrowserAuth(ROLE_GROUPS.anyone)
  @Post(':id/read')
  @HttpCode(200)
  @ApiParam({ name: 'id', description: 'inbox item id (UUID)' })
  @ApiOperation({
    summary: '标为已读 (anyone signed in; own items only)',
    description: "The item with readAt, plus { unread }. Someone else's item answers 404 like a missing one.",
  })
  markRead(
    @CurrentUser() user: AuthUser,
    @Param('id', new ZodPipe(itemIdSchema, 'params')) id: string,
    @Req() req: FastifyRequest,
  ): Promise<InboxItem & { unread: number }> {
    return this.call(user, req, { method: 'POST', path: `/v1/inbox/${encodeURIComponent(id)}/read` });
  }

  private async call<T>(
    user: AuthUser,
    req: FastifyRequest,
    r: Pick<DownstreamRequest, 'method' | 'path'>,
  ): Promise<T> {
    try {
      return await this.downstream.json<T>('notification', { ...r, principal: user.principal, request: req });
    } catch (err) {
      // The client says 502 for "could not connect": for the browser the inbox is simply unavailable for now.
      if (err instanceof ProblemException && err.getStatus() === 502 && err.code === 'SERVICE_UNAVAILABLE')
        throw new ProblemException(
          503,
          'SERVICE_UNAVAILABLE',
          `${SERVICE_LABEL.notification}暂时不可用，站内信稍后可查看。`,
          undefined,
          { service: 'notification' },
        );
      throw err;
    }
  }
}
