import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { InboxItem } from '@outpost/contracts';
import { CurrentPrincipal, ProblemException, ZodPipe, type Principal } from '@outpost/platform';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { updateReturning } from '../shared/sql';

const listSchema = z.object({
  unread: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => v === 'true'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** Keyset paging: items created before this item id (ids are UUID v7, time-ordered). */
  before: z.uuid().optional(),
});

interface InboxRow {
  id: string;
  event_type: string;
  lead_id: string | null;
  title: string;
  body: string;
  urgent: boolean;
  created_at: Date;
  read_at: Date | null;
}
const toItem = (r: InboxRow): InboxItem => ({
  id: r.id,
  eventType: r.event_type,
  leadId: r.lead_id,
  title: r.title,
  body: r.body,
  urgent: r.urgent,
  createdAt: r.created_at.toISOString(),
  readAt: r.read_at?.toISOString() ?? null,
});

/** The caller's own in-app inbox (principal.userId = roster person id); the gateway shows it. */
@ApiTags('inbox')
@ApiBearerAuth('internal')
@Controller('v1/inbox')
export class InboxController {
  constructor(private readonly dataSource: DataSource) {}

  @Get()
  async list(@Query(new ZodPipe(listSchema)) q: z.infer<typeof listSchema>, @CurrentPrincipal() p: Principal) {
    const rows: InboxRow[] = await this.dataSource.query(
      `SELECT id, event_type, lead_id, title, body, urgent, created_at, read_at FROM inbox_item
       WHERE person_id = $1 AND (NOT $2::boolean OR read_at IS NULL) AND ($3::uuid IS NULL OR id < $3)
       ORDER BY id DESC LIMIT $4`,
      [p.userId, q.unread, q.before ?? null, q.limit],
    );
    return { items: rows.map(toItem), unread: await this.unreadCount(p.userId) };
  }

  @Get('unread-count')
  async unread(@CurrentPrincipal() p: Principal) {
    return { unread: await this.unreadCount(p.userId) };
  }

  @Post('read-all')
  @HttpCode(200)
  async readAll(@CurrentPrincipal() p: Principal) {
    const rows = await updateReturning<{ id: string }>(
      this.dataSource,
      `UPDATE inbox_item SET read_at = now() WHERE person_id = $1 AND read_at IS NULL RETURNING id`,
      [p.userId],
    );
    return { updated: rows.length, unread: 0 };
  }

  @Post(':id/read')
  @HttpCode(200)
  async read(@Param('id', ParseUUIDPipe) id: string, @CurrentPrincipal() p: Principal) {
    const rows = await updateReturning<InboxRow>(
      this.dataSource,
      `UPDATE inbox_item SET read_at = COALESCE(read_at, now()) WHERE id = $1 AND person_id = $2
       RETURNING id, event_type, lead_id, title, body, urgent, created_at, read_at`,
      [id, p.userId],
    );
    // Someone else's item answers 404 like a missing one: ids of other people's items are not confirmed.
    if (!rows[0]) throw new ProblemException(404, 'NOT_FOUND', '站内信不存在');
    return { ...toItem(rows[0]), unread: await this.unreadCount(p.userId) };
  }

  private async unreadCount(personId: string): Promise<number> {
    const [r]: Array<{ n: string }> = await this.dataSource.query(
      `SELECT count(*) AS n FROM inbox_item WHERE person_id = $1 AND read_at IS NULL`,
      [personId],
    );
    return Number(r?.n ?? 0);
  }
}
