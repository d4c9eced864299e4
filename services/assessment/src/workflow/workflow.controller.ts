import { RequestCorrelation, type CorrelationContext } from '@outpost/messaging';
import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { CurrentPrincipal, ProblemException, ZodPipe, type Principal } from '@outpost/platform';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { SlaService } from '../sla/sla.service';
import { AssessmentRepository, type Assessment } from './assessment.repository';
import { COMMAND_BODIES } from './command.schemas';
import { allowedActions, isAction, STATUS_LABELS, TRANSITIONS, ACTIONS, withinReach } from './transition-table';
import { RunCommandUsecase } from './usecases/run-command.usecase';

const listQuery = z.object({
  status: z.string().optional(),
  assigneeId: z.string().optional(),
  pool: z.enum(['PAIR', 'STREET', 'DISTRICT']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** Review workflow: commands, the transition table, allowed actions and the assessment view. */
@ApiTags('workflow')
@ApiBearerAuth('internal')
@Controller('v1')
export class WorkflowController {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly assessments: AssessmentRepository,
    private readonly commands: RunCommandUsecase,
    private readonly sla: SlaService,
  ) {}

  @Get('transitions')
  @ApiOperation({ summary: '状态 × 角色 × 操作 → 下一状态（含守卫条件）' })
  transitions() {
    return { statuses: STATUS_LABELS, actions: ACTIONS, transitions: TRANSITIONS };
  }

  @Post('leads/:leadId/commands/:action')
  @HttpCode(200)
  @ApiOperation({
    summary:
      '执行研判操作：claim, release, reassign, request-verification, answer-verification, submit-opinion, decide, return, reopen',
  })
  async command(
    @Param('leadId') leadId: string,
    @Param('action') action: string,
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @RequestCorrelation() correlation: CorrelationContext | undefined,
  ) {
    if (!isAction(action))
      throw new ProblemException(404, 'UNKNOWN_ACTION', `未知操作 ${action}；可用：${ACTIONS.join(', ')}`);
    const parsed = new ZodPipe(COMMAND_BODIES[action]).transform(body ?? {});
    return this.commands.run(action, leadId, p, parsed, correlation);
  }

  @Get('leads/:leadId/allowed-actions')
  async allowed(@Param('leadId') leadId: string, @CurrentPrincipal() p: Principal) {
    const a = await this.load(leadId, p);
    return { leadId, status: a.status, actions: allowedActions(p, await this.commands.facts(this.db, a)) };
  }

  @Get('assessments')
  @ApiOperation({ summary: '研判队列（红色优先），按调用人的网格范围过滤' })
  async list(@Query(new ZodPipe(listQuery, 'query')) q: z.infer<typeof listQuery>, @CurrentPrincipal() p: Principal) {
    const items = (await this.assessments.list(this.db, q)).filter((a) => withinReach(p, a));
    return { items: items.map(summary) };
  }

  @Get('assessments/:leadId')
  @ApiOperation({ summary: '评分、档位、四性核查、解释、承办人、结对、核实请求、专业意见、认定、期限' })
  async get(@Param('leadId') leadId: string, @CurrentPrincipal() p: Principal) {
    const a = await this.load(leadId, p);
    const [verificationRequests, deadlines] = await Promise.all([
      this.assessments.requests(this.db, leadId),
      this.sla.list(this.db, leadId),
    ]);
    return { ...a, hits: undefined, verificationRequests, deadlines };
  }

  private async load(leadId: string, p: Principal): Promise<Assessment> {
    const a = await this.assessments.find(this.db, leadId);
    if (!a) throw new ProblemException(404, 'LEAD_NOT_FOUND', `研判中没有线索 ${leadId}`);
    if (!withinReach(p, a)) throw new ProblemException(403, 'OUT_OF_SCOPE', '该线索不在您负责的网格或街道范围内');
    return a;
  }
}

const summary = (a: Assessment) => ({
  leadId: a.leadId,
  reference: a.reference,
  title: a.title,
  status: a.status,
  band: a.band,
  score: a.score,
  priority: a.priority,
  pool: a.pool,
  assigneeId: a.assigneeId,
  pairingId: a.pairingId,
  gridIds: a.gridIds,
  streetCode: a.streetCode,
});
