import '@fastify/multipart';
import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { stageOf } from '@outpost/contracts';
import { AuditLog } from '@outpost/audit';
import { ProblemException, SERVICE_CONFIG, ZodPipe } from '@outpost/platform';
import { DataSource } from 'typeorm';
import type { DownstreamService, GatewayConfig } from '../config/gateway.config';
import { ACTION_NAME, hasAnyRole, ROLE_GROUPS, rolesForAction } from '../auth/access-policy';
import { BrowserAuth, CurrentUser } from '../auth/browser-auth.guard';
import type { AuthUser } from '../auth/principal';
import { notFound } from '../read-model/leads.controller';
import { LeadViewRepository, type LeadViewRow } from '../read-model/lead-view.repository';
import { DownstreamClient, relay, toProblemException } from './downstream.client';

/** Downstream paths the gateway relies on (assessment/escalation: docs/SHARED-FACTS.md; intake: see README of the gateway). */
export const PATHS = {
  command: (leadId: string, action: string) =>
    `/v1/leads/${encodeURIComponent(leadId)}/commands/${encodeURIComponent(action)}`,
  allowedActions: (leadId: string) => `/v1/leads/${encodeURIComponent(leadId)}/allowed-actions`,
  transitions: '/v1/transitions',
  fileLead: '/v1/leads',
  evidence: (leadId: string) => `/v1/leads/${encodeURIComponent(leadId)}/evidence`,
  sensitive: (leadId: string) => `/v1/leads/${encodeURIComponent(leadId)}/sensitive`,
};

const commandBodySchema = z.record(z.string(), z.unknown()).default({});
const fileLeadSchema = z.record(z.string(), z.unknown());
const revealSchema = z.object({ reason: z.string().trim().min(2, '请填写查看理由').max(500) });

/** Which service owns commands for a lead right now (by the read model's stage). */
export function ownerOf(row: LeadViewRow): DownstreamService | null {
  if (!row.status) return null;
  const stage = stageOf(row.status);
  if (stage === 'assessment') return 'assessment';
  if (stage === 'escalation' || stage === 'closed') return 'escalation';
  return null; // REPORTED / LINKED: intake still holds it, no workflow commands yet
}

@ApiTags('commands 操作')
@Controller('api/v1')
export class CommandsController {
  constructor(
    private readonly leads: LeadViewRepository,
    private readonly downstream: DownstreamClient,
    private readonly audit: AuditLog,
    private readonly db: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @BrowserAuth(ROLE_GROUPS.workflow)
  @Post('leads/:id/commands/:action')
  @HttpCode(200)
  @ApiParam({ name: 'id' })
  @ApiParam({
    name: 'action',
    description:
      'claim, release, reassign, request-verification, answer-verification, submit-opinion, decide, return, reopen, record-action, approve-referral, send-referral, record-police-decision, close, merge, …',
  })
  @ApiBody({
    schema: {
      type: 'object',
      example: { recommendation: 'REFER_POLICE', category: 'IF', legalBasis: ['条例第23条'], reasoning: '……' },
    },
  })
  @ApiOperation({
    summary: '执行流程操作 (workflow roles; per-action roles below; scope)',
    description:
      "Forwarded to assessment or escalation by the lead's stage, with an internal token for the user. The service's answer " +
      '(200 { leadId, status, … } or problem+json 403 ROLE_NOT_ALLOWED/OUT_OF_SCOPE/SEPARATION_OF_DUTIES, 409 TRANSITION_NOT_ALLOWED with the Chinese reason, 404) ' +
      'is passed through unchanged. Optional Idempotency-Key header is passed on.',
  })
  async command(
    @CurrentUser() user: AuthUser,
    @Param('id') id: string,
    @Param('action') action: string,
    @Body(new ZodPipe(commandBodySchema)) body: Record<string, unknown>,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    if (!ACTION_NAME.test(action)) throw new ProblemException(404, 'UNKNOWN_ACTION', `没有名为「${action}」的操作。`);
    const row = await this.leads.visible(user.principal, id);
    if (!row) throw notFound();
    if (!hasAnyRole(user.principal.roles, rolesForAction(action))) {
      throw new ProblemException(
        403,
        'ROLE_NOT_ALLOWED',
        `您的角色无权执行「${action}」操作（需要：${rolesForAction(action).join('、')}）。`,
      );
    }
    const owner = ownerOf(row);
    if (!owner)
      throw new ProblemException(
        409,
        'TRANSITION_NOT_ALLOWED',
        '线索尚在受理阶段（待分级研判），暂不能执行流程操作。',
        undefined,
        { status: row.status },
      );
    const res = await this.downstream.call(owner, {
      method: 'POST',
      path: PATHS.command(id, action),
      principal: user.principal,
      json: body,
      request: req,
      idempotencyKey,
    });
    return relay(reply, res);
  }

  @BrowserAuth(ROLE_GROUPS.leadReaders)
  @Get('leads/:id/allowed-actions')
  @ApiParam({ name: 'id' })
  @ApiOperation({
    summary: '当前可执行的操作 (readers; scope)',
    description:
      '{ leadId, status, stage, service, actions: [{ action, label: { zh, en } }] (from the owning service, for this user), gatewayActions: [reveal, add-evidence] }',
  })
  async allowedActions(@CurrentUser() user: AuthUser, @Param('id') id: string, @Req() req: FastifyRequest) {
    const row = await this.leads.visible(user.principal, id);
    if (!row) throw notFound();
    const owner = ownerOf(row);
    let actions: unknown[] = [];
    let status = row.status;
    if (owner && hasAnyRole(user.principal.roles, ROLE_GROUPS.workflow)) {
      try {
        const answer = await this.downstream.json<{ status?: typeof row.status; actions?: unknown[] }>(owner, {
          method: 'GET',
          path: PATHS.allowedActions(id),
          principal: user.principal,
          request: req,
        });
        actions = answer.actions ?? [];
        status = answer.status ?? status;
      } catch (err) {
        // The owner allows this user no workflow step on the lead (a sentinel's own report placed outside their grid,
        // say): none to offer, but the gateway's own below (add evidence) still are.
        if (!(err instanceof ProblemException && err.getStatus() === 403)) throw err;
      }
    }
    const gatewayActions = [];
    if (canReveal(user))
      gatewayActions.push({
        action: 'reveal',
        label: { zh: '查看举报人及敏感信息', en: 'Reveal reporter and sensitive fields' },
      });
    if (hasAnyRole(user.principal.roles, ROLE_GROUPS.evidenceAdders) && status !== 'CLOSED') {
      gatewayActions.push({ action: 'add-evidence', label: { zh: '补充证据', en: 'Add evidence' } });
    }
    return { leadId: id, status, stage: status ? stageOf(status) : null, service: owner, actions, gatewayActions };
  }

  @BrowserAuth(ROLE_GROUPS.anyone)
  @Get('transitions')
  @ApiOperation({
    summary: '状态流转表 (any role)',
    description: '{ assessment: <GET /v1/transitions of assessment>, escalation: <same of escalation> }',
  })
  async transitions(@CurrentUser() user: AuthUser, @Req() req: FastifyRequest) {
    const [assessment, escalation] = await Promise.all(
      (['assessment', 'escalation'] as const).map((s) =>
        this.downstream.json<unknown>(s, {
          method: 'GET',
          path: PATHS.transitions,
          principal: user.principal,
          request: req,
        }),
      ),
    );
    return { assessment, escalation };
  }

  @BrowserAuth(ROLE_GROUPS.leadFilers)
  @Post('leads')
  @ApiBody({
    schema: {
      type: 'object',
      example: {
        title: '某理财工作室以高息推销养老项目',
        description: '在小区门口发传单，承诺年化18%，保本保息',
        subjects: [{ kind: 'ENTERPRISE', name: '广州某某投资咨询有限公司' }],
        location: { addressText: '天河区沙河街某小区' },
        sourceChannel: 'PATROL',
      },
    },
  })
  @ApiOperation({
    summary: '上报线索 (SENTINEL, VOLUNTEER, STREET_RESPONSIBLE, OFFICER)',
    description:
      "Forwarded to intake POST /v1/leads with the internal token (intake records filedBy from it and validates the body). Intake's answer passes through.",
  })
  async fileLead(
    @CurrentUser() user: AuthUser,
    @Body(new ZodPipe(fileLeadSchema)) body: Record<string, unknown>,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const res = await this.downstream.call('intake', {
      method: 'POST',
      path: PATHS.fileLead,
      principal: user.principal,
      json: body,
      request: req,
      idempotencyKey,
    });
    return relay(reply, res);
  }

  @BrowserAuth(ROLE_GROUPS.evidenceAdders)
  @Post('leads/:id/evidence')
  @ApiParam({ name: 'id' })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      properties: {
        file: { type: 'string', format: 'binary' },
        type: { type: 'string', example: 'PHOTO' },
        note: { type: 'string' },
      },
    },
  })
  @ApiOperation({
    summary: '上传证据照片 (SENTINEL, VOLUNTEER, STREET_RESPONSIBLE, OFFICER; scope)',
    description: 'multipart/form-data (field `file` plus text fields), forwarded to intake.',
  })
  async addEvidence(
    @CurrentUser() user: AuthUser,
    @Param('id') id: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const row = await this.leads.visible(user.principal, id);
    if (!row) throw notFound();
    if (!req.isMultipart())
      throw new ProblemException(415, 'UNSUPPORTED_MEDIA_TYPE', '请以 multipart/form-data 上传证据文件。');
    const form = new FormData();
    let files = 0;
    for await (const part of req.parts({
      limits: { fileSize: this.config.EVIDENCE_MAX_BYTES, files: 1, fields: 20 },
    })) {
      if (part.type === 'file') {
        const buf = await part.toBuffer();
        if (part.file.truncated)
          throw new ProblemException(
            413,
            'FILE_TOO_LARGE',
            `文件超过 ${Math.round(this.config.EVIDENCE_MAX_BYTES / 1048576)} MB 上限。`,
          );
        form.append(part.fieldname, new Blob([buf], { type: part.mimetype }), part.filename);
        files++;
      } else {
        form.append(part.fieldname, String(part.value));
      }
    }
    if (!files)
      throw new ProblemException(400, 'VALIDATION_FAILED', '请选择要上传的文件。', [
        { path: 'file', message: 'required' },
      ]);
    const res = await this.downstream.call('intake', {
      method: 'POST',
      path: PATHS.evidence(id),
      principal: user.principal,
      form,
      request: req,
      timeoutMs: 30_000,
    });
    return relay(reply, res);
  }

  @BrowserAuth(ROLE_GROUPS.revealers, { officerNeedsCertify: true })
  @Post('leads/:id/reveal')
  @HttpCode(200)
  @ApiParam({ name: 'id' })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['reason'],
      properties: { reason: { type: 'string', example: '核实举报内容需联系举报人' } },
    },
  })
  @ApiOperation({
    summary: '查看举报人身份及银行敏感信息 (OFFICER with canCertify, SUPERVISOR; scope; audited)',
    description:
      "Calls intake GET /v1/leads/{id}/sensitive and records `sensitive.revealed` (who, why) in the gateway's audit log before answering.",
  })
  async reveal(
    @CurrentUser() user: AuthUser,
    @Param('id') id: string,
    @Body(new ZodPipe(revealSchema)) body: z.infer<typeof revealSchema>,
    @Req() req: FastifyRequest,
  ) {
    const row = await this.leads.visible(user.principal, id);
    if (!row) throw notFound();
    const res = await this.downstream.call('intake', {
      method: 'GET',
      path: PATHS.sensitive(id),
      principal: user.principal,
      request: req,
    });
    if (res.status < 200 || res.status >= 300) throw toProblemException(res, 'intake');
    const data = JSON.parse(res.body.toString('utf8')) as unknown;
    // The audit entry commits before anything is shown: no reveal without its record.
    await this.db.transaction((tx) =>
      this.audit.append(tx, {
        leadId: id,
        actor: { type: 'user', userId: user.personId, role: revealRole(user), name: user.principal.name },
        action: 'sensitive.revealed',
        reason: body.reason,
        payload: { fields: Object.keys((data ?? {}) as object), correlationId: req.id },
      }),
    );
    return { leadId: id, revealedAt: new Date().toISOString(), data };
  }
}

function canReveal(user: AuthUser): boolean {
  return (
    user.principal.roles.includes('SUPERVISOR') ||
    (user.principal.roles.includes('OFFICER') && user.principal.canCertify)
  );
}

function revealRole(user: AuthUser): 'SUPERVISOR' | 'OFFICER' {
  return user.principal.roles.includes('OFFICER') && user.principal.canCertify ? 'OFFICER' : 'SUPERVISOR';
}
