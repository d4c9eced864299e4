import { Controller, Get, Param, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiZodQuery, ProblemException, ZodPipe } from '@outpost/platform';
import { ROLE_GROUPS } from '../auth/access-policy';
import { BrowserAuth, CurrentUser } from '../auth/browser-auth.guard';
import type { AuthUser } from '../auth/principal';
import { LeadDetailService } from './lead-detail.service';
import { LEAD_FILTER_DESCRIPTIONS, leadListQuerySchema, type LeadListQuery } from './lead-query';
import { LeadViewRepository } from './lead-view.repository';

@ApiTags('leads 线索')
@Controller('api/v1/leads')
export class LeadsController {
  constructor(
    private readonly leads: LeadViewRepository,
    private readonly details: LeadDetailService,
  ) {}

  @BrowserAuth(ROLE_GROUPS.leadReaders)
  @Get()
  @ApiOperation({
    summary: '线索列表 (readers; grid scope applied)',
    description:
      'Paginated: { items, page, pageSize, total }. sort: reportedAt|dueAt|score|updatedAt, prefix - for descending.',
  })
  @ApiZodQuery(leadListQuerySchema, LEAD_FILTER_DESCRIPTIONS)
  async list(@CurrentUser() user: AuthUser, @Query(new ZodPipe(leadListQuerySchema, 'query')) q: LeadListQuery) {
    const { items, total } = await this.leads.list(user.principal, q);
    return { items, page: q.page, pageSize: q.pageSize, total };
  }

  @BrowserAuth(ROLE_GROUPS.leadReaders)
  @Get(':id')
  @ApiParam({ name: 'id' })
  @ApiOperation({
    summary: '线索详情 (readers; 404 outside scope)',
    description:
      '{ id, reference, status, stage, band, score, assignee: {id,name}|null, handler: {id,name}|null, holder: {id,name}|null, dueAt, timeline: [{ at, service, actor, action, from, to, reason }], ' +
      "timelineMissing, explanation, checklist, subjects, placement, evidence, case, actions, … }. Timeline = every service's audit trail merged.",
  })
  async detail(@CurrentUser() user: AuthUser, @Param('id') id: string, @Req() req: FastifyRequest) {
    const row = await this.leads.visible(user.principal, id);
    if (!row) throw notFound();
    return this.details.detail(row, req);
  }

  @BrowserAuth(ROLE_GROUPS.leadReaders)
  @Get(':id/case')
  @ApiParam({ name: 'id' })
  @ApiOperation({
    summary: '线索的处置案件 (readers; 404 outside scope or before a case is opened)',
    description:
      "escalation's case view: { caseNo, state, stateLabel, path, jurisdiction, authority, handlerId, investigators, " +
      'clocks: [{ kind, label, legalBasis, startedAt, dueAt, status, breachStep }], measures, tasks, reports, steps }, ' +
      'plus names: { personId: name } for the people it mentions.',
  })
  async caseFile(@CurrentUser() user: AuthUser, @Param('id') id: string, @Req() req: FastifyRequest) {
    const row = await this.leads.visible(user.principal, id);
    if (!row) throw notFound();
    return this.details.caseFile(id, user.principal, req);
  }
}

/** The same answer whether the lead does not exist or is outside the caller's scope (no existence leak). */
export function notFound(): ProblemException {
  return new ProblemException(404, 'LEAD_NOT_FOUND', '线索不存在，或不在您的网格/街道范围内。');
}
