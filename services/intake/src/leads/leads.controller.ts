import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequestCorrelation, type CorrelationContext } from '@outpost/messaging';
import {
  CurrentPrincipal,
  FieldCipher,
  inScope,
  ProblemException,
  Roles,
  SERVICE_CONFIG,
  type Principal,
} from '@outpost/platform';
import type { ReporterIdentity } from '../reporter-feedback/reporter-contact';
import type { IntakeConfig } from '../config/intake.config';
import { CurrentCaller, SourceAuth, type Caller } from '../sources/source-auth.guard';
import { LeadRepository, type LeadView } from './lead.repository';
import {
  batchInputJsonSchema,
  LEAD_EXAMPLE,
  LEAD_VIEW_EXAMPLE,
  leadInputJsonSchema,
  PATROL_EXAMPLE,
} from './leads.openapi';
import { RegisterBatchUseCase, type BatchResult } from './usecases/register-batch/register-batch.usecase';
import { RegisterLeadUseCase } from './usecases/register-lead/register-lead.usecase';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/** Reads and checks the Idempotency-Key header (printable ASCII, ≤ 200 characters). */
export function idempotencyKeyOf(value: string | undefined): string | null {
  if (value === undefined) return null;
  if (!IDEMPOTENCY_KEY.test(value)) {
    throw new ProblemException(400, 'VALIDATION_FAILED', 'The Idempotency-Key header is invalid.', [
      { path: '(header)/Idempotency-Key', message: '1–200 printable ASCII characters' },
    ]);
  }
  return value;
}

@ApiTags('leads 线索')
@Controller('v1/leads')
export class LeadsController {
  constructor(
    private readonly registerLead: RegisterLeadUseCase,
    private readonly registerBatch: RegisterBatchUseCase,
    private readonly leads: LeadRepository,
    private readonly cipher: FieldCipher,
    @Inject(SERVICE_CONFIG) private readonly config: IntakeConfig,
  ) {}

  @Post()
  @SourceAuth({ gatewayUsers: true })
  @ApiOperation({
    summary: '报送一条线索 (register one lead)',
    description:
      'Source systems authenticate with X-Api-Key; sentinels and volunteers file through the gateway (Bearer internal token; channel PATROL by default). ' +
      'A retry with the same Idempotency-Key or the same sourceRef returns the original result with 200 and `Idempotent-Replayed: true`.',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: '幂等键，同一密钥范围内唯一 (unique per API key)',
  })
  @ApiBody({
    schema: leadInputJsonSchema,
    examples: { 银行监测: { value: LEAD_EXAMPLE }, 前哨巡查: { value: PATROL_EXAMPLE } },
  })
  @ApiResponse({
    status: 201,
    description: '已登记 (REPORTED) 或已关联到在办线索 (LINKED)',
    schema: {
      example: {
        ...LEAD_VIEW_EXAMPLE,
        status: 'REPORTED',
        stage: 'intake',
        outcome: null,
        reporterFeedback: null,
        reporterNotifiedAt: null,
      },
    },
  })
  @ApiResponse({ status: 200, description: '重复提交，返回原结果 (replay of the original result)' })
  @ApiResponse({ status: 400, description: 'application/problem+json，errors[] 列出每个字段路径' })
  @ApiResponse({ status: 429, description: '超出频率限制，见 Retry-After' })
  async create(
    @CurrentCaller() caller: Caller,
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @RequestCorrelation() correlation: CorrelationContext | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LeadView> {
    const result = await this.registerLead.execute({
      caller,
      body,
      idempotencyKey: idempotencyKeyOf(idempotencyKey),
      correlation,
    });
    switch (result.outcome) {
      case 'rejected':
        throw new ProblemException(
          400,
          'VALIDATION_FAILED',
          '线索内容不合规 (the lead has invalid fields).',
          result.errors,
        );
      case 'replayed':
        void reply.status(200).header('Idempotent-Replayed', 'true');
        return result.lead;
      case 'created':
        void reply.status(201).header('Location', `/v1/leads/${result.lead.id}`);
        return result.lead;
    }
  }

  @Post('batch')
  @HttpCode(200)
  @SourceAuth()
  @ApiOperation({
    summary: '批量报送线索，最多 1000 条 (register up to 1,000 leads)',
    description:
      'Each item is registered on its own: accepted, duplicate (already registered: same sourceRef or Idempotency-Key#index) or rejected with its field errors.',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: '批次幂等键；第 i 条使用 <key>#<i>' })
  @ApiBody({ schema: batchInputJsonSchema, examples: { 批量: { value: { leads: [LEAD_EXAMPLE, PATROL_EXAMPLE] } } } })
  async batch(
    @CurrentCaller() caller: Caller,
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @RequestCorrelation() correlation: CorrelationContext | undefined,
  ): Promise<BatchResult> {
    return this.registerBatch.execute({
      caller,
      body,
      idempotencyKey: idempotencyKeyOf(idempotencyKey),
      maxLeads: this.config.BATCH_MAX_LEADS,
      correlation,
    });
  }

  @Get(':id')
  @SourceAuth({ gatewayUsers: true })
  @ApiOperation({ summary: '查询本来源线索的进度与结果 (status, stage and outcome of one of your leads)' })
  @ApiResponse({ status: 200, schema: { example: LEAD_VIEW_EXAMPLE } })
  async get(@CurrentCaller() caller: Caller, @Param('id') id: string): Promise<LeadView> {
    const notFound = new ProblemException(404, 'LEAD_NOT_FOUND', '未找到该线索 (no such lead for this source).');
    if (!UUID.test(id)) throw notFound;
    const lead = await this.leads.view(id);
    if (!lead || !ownedBy(lead, caller)) throw notFound;
    return {
      id: lead.id,
      reference: lead.reference,
      sourceRef: lead.sourceRef,
      status: lead.status,
      stage: lead.stage,
      receivedAt: lead.receivedAt,
      outcome: lead.outcome,
      reporterFeedback: lead.reporterFeedback,
      reporterNotifiedAt: lead.reporterNotifiedAt,
      updatedAt: lead.updatedAt,
    };
  }

  @Get(':id/sensitive')
  @Roles('OFFICER', 'SUPERVISOR')
  @ApiOperation({
    summary: '举报人身份 (gateway only: certifying OFFICER or SUPERVISOR, within scope; the gateway audits the reveal)',
    description:
      '{ leadId, reference, reporter: { anonymous, contactable, name, phone, contact, firstReport } }: the sealed ' +
      'identity opened for this answer only; never logged. An anonymous report has no identity (all null).',
  })
  async sensitive(@CurrentPrincipal() p: Principal, @Param('id') id: string) {
    if (!p.roles.includes('SUPERVISOR') && !p.canCertify)
      throw new ProblemException(403, 'CERTIFICATION_REQUIRED', '只有具有认定权限的官员或督办人员可以查看举报人身份。');
    const lead = UUID.test(id) ? await this.leads.sealedReporter(id) : null;
    if (!lead) throw new ProblemException(404, 'LEAD_NOT_FOUND', '未找到该线索。');
    if (!inScope(p, lead)) throw new ProblemException(403, 'OUT_OF_SCOPE', '该线索不在您负责的网格或街道范围内。');
    const identity = lead.sealed ? (JSON.parse(this.cipher.decrypt(lead.sealed)) as ReporterIdentity) : null;
    return {
      leadId: id,
      reference: lead.reference,
      reporter: {
        anonymous: lead.anonymous,
        contactable: lead.contactable,
        name: identity?.name ?? null,
        phone: identity?.phone ?? null,
        contact: identity?.contact ?? null,
        firstReport: identity?.firstReport ?? null,
      },
    };
  }
}

/** A source sees only its own leads; a person sees the leads they filed through the gateway. */
export function ownedBy(lead: { sourceId: string; filedBy: string | null }, caller: Caller): boolean {
  if (lead.sourceId !== caller.source.id) return false;
  return caller.kind === 'source' || lead.filedBy === caller.principal.userId;
}
