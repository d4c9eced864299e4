import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ApiZodQuery, ZodPipe } from '@outpost/platform';
import { ROLE_GROUPS } from '../auth/access-policy';
import { BrowserAuth, CurrentUser } from '../auth/browser-auth.guard';
import type { AuthUser } from '../auth/principal';
import { LEAD_FILTER_DESCRIPTIONS, leadFilterSchema } from './lead-query';
import { LeadViewRepository } from './lead-view.repository';

export const dashboardQuerySchema = leadFilterSchema.extend({
  weeks: z.coerce.number().int().min(1).max(104).default(12),
});

@ApiTags('dashboard 统计')
@Controller('api/v1/dashboard')
export class DashboardController {
  constructor(private readonly leads: LeadViewRepository) {}

  @BrowserAuth(ROLE_GROUPS.leadReaders)
  @Get()
  @ApiZodQuery(dashboardQuerySchema, { ...LEAD_FILTER_DESCRIPTIONS, weeks: 'ISO weeks of trend' })
  @ApiOperation({
    summary: '统计看板 (readers; over leads in scope)',
    description:
      '{ totals {total, open (not closed, not linked), linked (reports merged into an open lead), closed, overdue, breached, breaches, slaCompliancePct}, byStage, byStatus, byStreet, byGrid, byCategory, byBand, ' +
      'sla {breachedLeads, breaches, overdue, byKind}, trend [{ week: "2026-W05", reported, closed, breaches }] }; each list item { key, count }.',
  })
  async dashboard(
    @CurrentUser() user: AuthUser,
    @Query(new ZodPipe(dashboardQuerySchema, 'query')) q: z.infer<typeof dashboardQuerySchema>,
  ) {
    return this.leads.dashboard(user.principal, q, q.weeks);
  }
}
