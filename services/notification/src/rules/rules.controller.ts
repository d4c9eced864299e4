import { Body, Controller, Get, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AuditLog } from '@outpost/audit';
import { isTopic } from '@outpost/contracts';
import { CurrentPrincipal, ProblemException, Roles, ZodPipe, type Principal } from '@outpost/platform';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { userActor } from '../shared/actors';
import { RuleRepository } from './rule.repository';
import { AUDIENCES, RULE_CHANNELS, type Rule } from './rule.types';

const ruleBody = z
  .object({
    eventType: z.string().refine(isTopic, 'unknown event type (see TOPICS)'),
    audience: z.enum(AUDIENCES),
    audienceParam: z.string().min(1).nullable().default(null),
    channels: z.array(z.enum(RULE_CHANNELS)).min(1),
    urgent: z.boolean().default(false),
    digest: z.boolean().default(false),
    condition: z
      .record(z.string(), z.array(z.union([z.string(), z.number(), z.boolean(), z.null()])).min(1))
      .default({}),
    active: z.boolean().default(true),
    description: z.string().max(500).default(''),
  })
  .superRefine((r, ctx) => {
    if ((r.audience === 'PERSON_FIELD' || r.audience === 'ROLE') && !r.audienceParam) {
      ctx.addIssue({
        code: 'custom',
        path: ['audienceParam'],
        message: `${r.audience} needs audienceParam (payload field or role)`,
      });
    }
    if (r.audience === 'SOURCE_SYSTEM' && r.channels.some((c) => c !== 'WEBHOOK'))
      ctx.addIssue({ code: 'custom', path: ['channels'], message: 'source systems are reached by WEBHOOK only' });
    if (r.audience === 'REPORTER' && r.channels.some((c) => c !== 'INTAKE_RELAY'))
      ctx.addIssue({
        code: 'custom',
        path: ['channels'],
        message: 'reporters are reached through intake only (INTAKE_RELAY)',
      });
    if (r.audience !== 'SOURCE_SYSTEM' && r.channels.includes('WEBHOOK'))
      ctx.addIssue({ code: 'custom', path: ['channels'], message: 'WEBHOOK is for SOURCE_SYSTEM' });
    if (r.audience !== 'REPORTER' && r.channels.includes('INTAKE_RELAY'))
      ctx.addIssue({ code: 'custom', path: ['channels'], message: 'INTAKE_RELAY is for REPORTER' });
  });
const createSchema = ruleBody.and(z.object({ id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/) }));

/** Rules are data: who hears of which event by which channel. Changes are audited and apply to the next event. */
@ApiTags('rules')
@ApiBearerAuth('internal')
@Controller('v1/rules')
export class RulesController {
  constructor(
    private readonly rules: RuleRepository,
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
  ) {}

  @Get()
  @Roles('ADMIN', 'OPERATOR', 'SUPERVISOR')
  async list(@Query('eventType') eventType?: string) {
    return { items: await this.rules.list(eventType || undefined) };
  }

  @Post()
  @Roles('ADMIN', 'OPERATOR')
  async create(@Body(new ZodPipe(createSchema)) body: z.infer<typeof createSchema>, @CurrentPrincipal() p: Principal) {
    const rule = body as Rule;
    await this.dataSource.transaction(async (tx) => {
      if (!(await this.rules.insert(tx, rule)))
        throw new ProblemException(409, 'RULE_EXISTS', `规则 ${rule.id} 已存在`);
      await this.audit.append(tx, {
        leadId: null,
        actor: userActor(p, ['ADMIN', 'OPERATOR']),
        action: 'rule.created',
        toState: rule.active ? 'ACTIVE' : 'INACTIVE',
        payload: rule,
      });
    });
    return this.rules.get(this.dataSource, rule.id);
  }

  @Put(':id')
  @Roles('ADMIN', 'OPERATOR')
  async update(
    @Param('id') id: string,
    @Body(new ZodPipe(ruleBody)) body: z.infer<typeof ruleBody>,
    @CurrentPrincipal() p: Principal,
  ) {
    await this.dataSource.transaction(async (tx) => {
      const before = await this.rules.get(tx, id);
      if (!before) throw new ProblemException(404, 'NOT_FOUND', `规则 ${id} 不存在`);
      const rule = { ...(body as Omit<Rule, 'id'>), id };
      await this.rules.update(tx, rule);
      await this.audit.append(tx, {
        leadId: null,
        actor: userActor(p, ['ADMIN', 'OPERATOR']),
        action: 'rule.updated',
        fromState: before.active ? 'ACTIVE' : 'INACTIVE',
        toState: rule.active ? 'ACTIVE' : 'INACTIVE',
        payload: { before, after: rule },
      });
    });
    return this.rules.get(this.dataSource, id);
  }
}
