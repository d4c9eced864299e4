import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Role } from '@outpost/contracts';
import { ApiZodQuery, csvOf, ZodPipe } from '@outpost/platform';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { ROLE_GROUPS } from '../auth/access-policy';
import { BrowserAuth } from '../auth/browser-auth.guard';

/** The roles a workflow command can name (a reassignment, a handler, investigators, a task assignee). */
const NAMED_IN_COMMANDS = [
  'SENTINEL',
  'VOLUNTEER',
  'STREET_RESPONSIBLE',
  'OFFICER',
  'SUPERVISOR',
] as const satisfies Role[];

const querySchema = z.object({
  role: csvOf(NAMED_IN_COMMANDS).refine((roles) => roles.length > 0, '至少指定一个角色'),
});

/**
 * Who can be named in a workflow form (a reassignment, the investigators of a case): active people with their roles and
 * unit, from the gateway's roster copy, for the roles that give such commands. Names and units only: contacts and grids
 * stay with the roster managers.
 */
@ApiTags('roster 名册')
@Controller('api/v1/directory')
export class DirectoryController {
  constructor(private readonly db: DataSource) {}

  @BrowserAuth(ROLE_GROUPS.directoryReaders)
  @Get()
  @ApiZodQuery(querySchema, { role: 'roles, comma = any of (e.g. OFFICER,SUPERVISOR)' })
  @ApiOperation({
    summary: '可选人员 (SENTINEL, VOLUNTEER, STREET_RESPONSIBLE, OFFICER, SUPERVISOR)',
    description: '{ items: [{ id, name, roles, unit, institution }] }: active people holding any of the roles',
  })
  async list(@Query(new ZodPipe(querySchema, 'query')) q: { role: Role[] }) {
    const items: unknown[] = await this.db.query(
      `SELECT id, name, roles, unit, institution FROM roster_person
        WHERE active AND NOT deleted AND roles && $1::text[] ORDER BY name, id`,
      [q.role],
    );
    return { items };
  }
}
