import { RequestCorrelation, type CorrelationContext } from '@outpost/messaging';
import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal } from '@outpost/platform';
import { CLOCK_CATALOGUE, LADDERS } from '../clocks/clock-catalogue';
import { CaseViewService } from './case-view.service';
import { CommandRunner } from './command-runner.service';
import { CASE_STATES, STATE_LABELS, TRANSITIONS } from './transition-table';

@ApiTags('escalation')
@ApiBearerAuth('internal')
@Controller('v1')
export class CasesController {
  constructor(
    private readonly runner: CommandRunner,
    private readonly view: CaseViewService,
  ) {}

  @Post('leads/:leadId/commands/:action')
  @HttpCode(200)
  @ApiOperation({ summary: '对线索的处置案件执行操作（见 GET /v1/transitions）' })
  @ApiBody({
    schema: {
      type: 'object',
      example: {
        outcome: 'RECTIFIED',
        summary: '约谈后已整改',
        reporterFeedback: '您反映的问题已处理：相关主体已被约谈并完成整改。',
      },
    },
  })
  command(
    @Param('leadId') leadId: string,
    @Param('action') action: string,
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @RequestCorrelation() correlation: CorrelationContext | undefined,
  ) {
    return this.runner.execute(leadId, action, body, { kind: 'user', principal: p }, correlation);
  }

  @Get('leads/:leadId/allowed-actions')
  allowed(@Param('leadId') leadId: string, @CurrentPrincipal() p: Principal) {
    return this.runner.allowed(leadId, p);
  }

  @Get('transitions')
  @ApiOperation({ summary: 'state × role × action table, clock catalogue and escalation ladders' })
  transitions() {
    return {
      states: CASE_STATES.map((s) => ({ state: s, label: STATE_LABELS[s] })),
      transitions: TRANSITIONS,
      clocks: Object.values(CLOCK_CATALOGUE),
      ladders: LADDERS,
    };
  }

  @Get('cases/by-lead/:leadId')
  byLead(@Param('leadId') leadId: string) {
    return this.view.byLead(leadId);
  }

  @Get('cases/:caseId')
  byId(@Param('caseId') caseId: string) {
    return this.view.byId(caseId);
  }
}
