import { Body, Controller, Get, Inject, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { ProblemException, Roles, ZodPipe } from '@outpost/platform';
import { DeadLetterNotOpenError, DeadLetterStore, type DeadLetter } from './dead-letter.store';
import { quoteIdent } from './sql-identifier';

export const MESSAGING_SCHEMA = Symbol('MESSAGING_SCHEMA');

const listQuery = z.object({
  status: z.enum(['OPEN', 'REPLAYED', 'DISCARDED']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
const discardBody = z.object({ reason: z.string().trim().min(1).max(500) });

/**
 * What operators need from each service's messaging: the outbox backlog and the dead letters (inspect, replay,
 * discard). The gateway's operator console calls these with an operator's internal token and audits each action.
 */
@ApiTags('ops')
@Roles('OPERATOR', 'ADMIN')
@Controller('v1/ops')
export class MessagingOpsController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly deadLetters: DeadLetterStore,
    @Inject(MESSAGING_SCHEMA) private readonly schema: string,
  ) {}

  @Get('outbox')
  async outbox(): Promise<{ pending: number; oldestPendingAt: string | null; sentLastHour: number }> {
    const table = `${quoteIdent(this.schema)}.outbox`;
    const rows: Array<{ pending: number; oldest: Date | null; sent: number }> = await this.dataSource.query(
      `SELECT (SELECT count(*)::int FROM ${table} WHERE sent_at IS NULL) AS pending,
              (SELECT min(created_at) FROM ${table} WHERE sent_at IS NULL) AS oldest,
              (SELECT count(*)::int FROM ${table} WHERE sent_at > now() - interval '1 hour') AS sent`,
    );
    const r = rows[0]!;
    return {
      pending: r.pending,
      oldestPendingAt: r.oldest ? new Date(r.oldest).toISOString() : null,
      sentLastHour: r.sent,
    };
  }

  @Get('dead-letters')
  list(@Query(new ZodPipe(listQuery, 'query')) q: z.infer<typeof listQuery>): Promise<DeadLetter[]> {
    return this.deadLetters.list(q);
  }

  @Get('dead-letters/:id')
  async get(@Param('id', new ParseUUIDPipe()) id: string): Promise<DeadLetter> {
    const found = await this.deadLetters.get(id);
    if (!found) throw new ProblemException(404, 'DEAD_LETTER_NOT_FOUND', `没有这条死信：${id}`);
    return found;
  }

  @Post('dead-letters/:id/replay')
  async replay(@Param('id', new ParseUUIDPipe()) id: string): Promise<{ id: string; status: 'REPLAYED' }> {
    await this.asProblem(() => this.deadLetters.replay(id));
    return { id, status: 'REPLAYED' };
  }

  @Post('dead-letters/:id/discard')
  async discard(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body(new ZodPipe(discardBody)) body: z.infer<typeof discardBody>,
  ): Promise<{ id: string; status: 'DISCARDED' }> {
    await this.asProblem(() => this.deadLetters.discard(id, body.reason));
    return { id, status: 'DISCARDED' };
  }

  private async asProblem(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      if (err instanceof DeadLetterNotOpenError) {
        throw new ProblemException(409, 'DEAD_LETTER_NOT_OPEN', '这条死信不存在或已处理（已重放或已丢弃）。');
      }
      throw err;
    }
  }
}
