import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import {
  BAND_LABELS,
  categoryText,
  CLOSE_OUTCOME_LABELS,
  LEAD_STATUS_LABELS,
  labelOf,
  RECOMMENDATION_LABELS,
  SOURCE_CHANNEL_LABELS,
  STAGE_LABELS,
  type Label,
} from '@outpost/contracts';
import { ApiZodQuery, ZodPipe } from '@outpost/platform';
import { ROLE_GROUPS } from '../auth/access-policy';
import { BrowserAuth, CurrentUser } from '../auth/browser-auth.guard';
import type { AuthUser } from '../auth/principal';
import { dashboardQuerySchema } from '../read-model/dashboard.controller';
import { LEAD_FILTER_DESCRIPTIONS, leadFilterSchema } from '../read-model/lead-query';
import { LeadViewRepository, type LeadSummary } from '../read-model/lead-view.repository';
import { beijingTime, toCsv, toXlsx, type Sheet } from './tabular';

const EXPORT_CAP = 50_000;
const format = z.enum(['csv', 'xlsx']).default('csv');
const leadExportSchema = leadFilterSchema.extend({ format });
const DASHBOARD_TABLES = [
  'byStage',
  'byStatus',
  'byStreet',
  'byGrid',
  'byCategory',
  'byBand',
  'slaByKind',
  'trend',
] as const;
const dashboardExportSchema = dashboardQuerySchema.extend({ format, table: z.enum(DASHBOARD_TABLES).optional() });

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The Chinese label of a code (an unknown code stays as it is, so nothing is lost); empty when there is none. */
const zh = <K extends string>(table: Record<K, Label>, code: string | null): string | null =>
  code === null ? null : labelOf(table, code);

/**
 * The lead list as an analyst reads it: codes in their Chinese words (as the UI shows them), the category with its code
 * kept for the statistics ("非法吸收公众存款（IF-XS）"), times in Beijing time.
 */
export const leadSheet = (rows: LeadSummary[]): Sheet<LeadSummary> => ({
  name: '线索',
  rows,
  columns: [
    { header: '编号', value: (r) => r.reference, width: 22 },
    { header: '标题', value: (r) => r.title, width: 40 },
    { header: '状态', value: (r) => zh(LEAD_STATUS_LABELS, r.status) },
    { header: '阶段', value: (r) => zh(STAGE_LABELS, r.stage) },
    { header: '风险等级', value: (r) => zh(BAND_LABELS, r.band) },
    { header: '风险分', value: (r) => r.score },
    { header: '类别', value: (r) => (r.category === null ? null : categoryText(r.category)), width: 28 },
    { header: '来源渠道', value: (r) => zh(SOURCE_CHANNEL_LABELS, r.sourceChannel) },
    { header: '街道', value: (r) => r.streetName ?? r.streetCode },
    { header: '网格', value: (r) => r.gridIds.join(' '), width: 30 },
    { header: '承办人', value: (r) => r.holder?.name ?? r.holder?.id ?? null },
    { header: '研判人', value: (r) => r.assignee?.name ?? r.assignee?.id ?? null },
    { header: '处置决定', value: (r) => zh(RECOMMENDATION_LABELS, r.decision), width: 22 },
    { header: '期限', value: (r) => beijingTime(r.dueAt), width: 20 },
    { header: '是否超期', value: (r) => (r.overdue ? '是' : '否') },
    { header: '超时次数', value: (r) => r.breachCount },
    { header: '案件号', value: (r) => r.caseNo },
    { header: '上报时间', value: (r) => beijingTime(r.reportedAt), width: 20 },
    { header: '办结时间', value: (r) => beijingTime(r.closedAt), width: 20 },
    { header: '办结结果', value: (r) => zh(CLOSE_OUTCOME_LABELS, r.outcome) },
    { header: '线索ID', value: (r) => r.id, width: 38 },
  ],
});

type KeyCount = { key: string | null; count: number; name?: string | null; service?: string };
/** A count table: the key (a code), its name (from the row, or its label when `label` is given), the count. */
const kc = (
  name: string,
  keyHeader: string,
  rows: KeyCount[],
  label?: (code: string | null) => string | null,
): Sheet<KeyCount> => ({
  name,
  rows,
  columns: [
    { header: keyHeader, value: (r) => r.key },
    ...(label
      ? [{ header: '名称', value: (r: KeyCount) => label(r.key) }]
      : rows.some((r) => r.name !== undefined)
        ? [{ header: '名称', value: (r: KeyCount) => r.name ?? null }]
        : []),
    ...(rows.some((r) => r.service !== undefined)
      ? [{ header: '服务', value: (r: KeyCount) => r.service ?? null }]
      : []),
    { header: '数量', value: (r) => r.count },
  ],
});

@ApiTags('export 导出')
@Controller('api/v1')
export class ExportController {
  constructor(private readonly leads: LeadViewRepository) {}

  @BrowserAuth(ROLE_GROUPS.leadReaders)
  @Get('leads/export')
  @ApiZodQuery(leadExportSchema, LEAD_FILTER_DESCRIPTIONS)
  @ApiProduces('text/csv', XLSX)
  @ApiOperation({ summary: '导出线索列表 CSV/XLSX (readers; scope; same filters as the list; at most 50 000 rows)' })
  async exportLeads(
    @CurrentUser() user: AuthUser,
    @Query(new ZodPipe(leadExportSchema, 'query')) q: z.infer<typeof leadExportSchema>,
    @Res() reply: FastifyReply,
  ) {
    const sheet = leadSheet(await this.leads.all(user.principal, q, EXPORT_CAP));
    return send(reply, q.format, `leads-${stamp()}`, [sheet as Sheet]);
  }

  @BrowserAuth(ROLE_GROUPS.leadReaders)
  @Get('dashboard/export')
  @ApiZodQuery(dashboardExportSchema, {
    ...LEAD_FILTER_DESCRIPTIONS,
    table: 'CSV: one table (default byStage); XLSX: all tables as sheets unless given',
  })
  @ApiProduces('text/csv', XLSX)
  @ApiOperation({ summary: '导出统计表 CSV/XLSX (readers; scope)' })
  async exportDashboard(
    @CurrentUser() user: AuthUser,
    @Query(new ZodPipe(dashboardExportSchema, 'query')) q: z.infer<typeof dashboardExportSchema>,
    @Res() reply: FastifyReply,
  ) {
    const d = await this.leads.dashboard(user.principal, q, q.weeks);
    const sheets: Record<(typeof DASHBOARD_TABLES)[number], Sheet> = {
      byStage: kc('按阶段', '阶段', d.byStage, (k) => zh(STAGE_LABELS, k)) as Sheet,
      byStatus: kc('按状态', '状态', d.byStatus, (k) => zh(LEAD_STATUS_LABELS, k)) as Sheet,
      byStreet: kc('按街道', '街道代码', d.byStreet) as Sheet,
      byGrid: kc('按网格', '网格', d.byGrid) as Sheet,
      byCategory: kc('按类别', '类别', d.byCategory, (k) => (k === null ? null : categoryText(k))) as Sheet,
      byBand: kc('按风险等级', '风险等级', d.byBand, (k) => zh(BAND_LABELS, k)) as Sheet,
      slaByKind: kc('超时按类型', '期限类型', d.sla.byKind) as Sheet,
      trend: {
        name: '周趋势',
        rows: d.trend,
        columns: [
          { header: 'ISO周', value: (r: (typeof d.trend)[number]) => r.week },
          { header: '新增', value: (r: (typeof d.trend)[number]) => r.reported },
          { header: '办结', value: (r: (typeof d.trend)[number]) => r.closed },
          { header: '超时', value: (r: (typeof d.trend)[number]) => r.breaches },
        ],
      } as Sheet,
    };
    const chosen = q.table ? [sheets[q.table]] : q.format === 'csv' ? [sheets.byStage] : Object.values(sheets);
    return send(reply, q.format, `dashboard-${q.table ?? 'all'}-${stamp()}`, chosen);
  }
}

async function send(reply: FastifyReply, fmt: 'csv' | 'xlsx', base: string, sheets: Sheet[]) {
  const body = fmt === 'csv' ? toCsv(sheets[0]!) : await toXlsx(sheets);
  return reply
    .header('content-type', fmt === 'csv' ? 'text/csv; charset=utf-8' : XLSX)
    .header('content-disposition', `attachment; filename="${base}.${fmt}"`)
    .header('cache-control', 'no-store')
    .send(body);
}

function stamp(): string {
  return new Date().toISOString().slice(0, 19).replace(/[-:T]/g, '');
}
