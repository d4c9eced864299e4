import { requestCorrelation } from '@outpost/messaging';
import { Controller, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { evidenceAddedV1 } from '@outpost/contracts';
import { ProblemException, SERVICE_CONFIG, type FieldError } from '@outpost/platform';
import type { IntakeConfig } from '../config/intake.config';
import { LeadRepository } from '../leads/lead.repository';
import { ownedBy } from '../leads/leads.controller';
import { actorOf, CurrentCaller, SourceAuth, type Caller } from '../sources/source-auth.guard';
import { contentMatchesType, EVIDENCE_STORE, type EvidenceStore, type StoredContent } from './evidence-store';
import { AddEvidenceUseCase, type EvidenceView } from './usecases/add-evidence/add-evidence.usecase';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const fieldsSchema = z.strictObject({
  type: evidenceAddedV1.shape.type.default('OTHER'),
  capturedAt: z.iso.datetime({ offset: true }).optional(),
});

interface UploadedFile {
  stored: StoredContent;
  mediaType: string;
  fileName: string | null;
}

@ApiTags('leads 线索')
@Controller('v1/leads/:id/evidence')
export class EvidenceController {
  constructor(
    private readonly leads: LeadRepository,
    private readonly addEvidence: AddEvidenceUseCase,
    @Inject(EVIDENCE_STORE) private readonly store: EvidenceStore,
    @Inject(SERVICE_CONFIG) private readonly config: IntakeConfig,
  ) {}

  @Post()
  @SourceAuth({ gatewayUsers: true })
  @ApiOperation({
    summary: '上传证据材料 (add an evidence file to a lead)',
    description:
      'multipart/form-data: `file` (one), `type` (PHOTO, LEAFLET, CONTRACT, RECEIPT, CHAT_SCREENSHOT, URL_SNAPSHOT, AUDIO, VIDEO, OTHER), optional `capturedAt`. SHA-256 is computed at capture; the same file on the same lead is stored once (200).',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: {
        file: { type: 'string', format: 'binary' },
        type: { type: 'string', example: 'LEAFLET' },
        capturedAt: { type: 'string', example: '2026-11-27T10:05:00+08:00' },
      },
    },
  })
  @ApiResponse({
    status: 201,
    schema: {
      example: {
        id: '0193b7e5-0000-7000-8000-000000000001',
        type: 'LEAFLET',
        sha256: 'e3b0c442…',
        mediaType: 'image/jpeg',
        sizeBytes: 182734,
      },
    },
  })
  async upload(
    @CurrentCaller() caller: Caller,
    @Param('id') id: string,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<EvidenceView> {
    const notFound = new ProblemException(404, 'LEAD_NOT_FOUND', '未找到该线索 (no such lead for this source).');
    if (!UUID.test(id)) throw notFound;
    const lead = await this.leads.view(id);
    if (!lead || !ownedBy(lead, caller)) throw notFound;
    if (!req.isMultipart())
      throw new ProblemException(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send multipart/form-data with one file.');

    const fields: Record<string, string> = {};
    let file: UploadedFile | null = null;
    for await (const part of req.parts()) {
      if (part.type === 'field') {
        fields[part.fieldname] = String(part.value);
        continue;
      }
      if (part.fieldname !== 'file' || file) {
        part.file.resume();
        throw new ProblemException(400, 'VALIDATION_FAILED', 'Exactly one part named "file" is expected.', [
          { path: part.fieldname, message: 'unexpected file part' },
        ]);
      }
      const mediaType = part.mimetype.toLowerCase();
      if (!this.config.EVIDENCE_MEDIA_TYPES.includes(mediaType)) {
        part.file.resume();
        throw new ProblemException(
          415,
          'UNSUPPORTED_MEDIA_TYPE',
          `不支持的文件类型 ${mediaType}; accepted: ${this.config.EVIDENCE_MEDIA_TYPES.join(', ')}.`,
        );
      }
      const stored = await this.store.put(part.file).catch((e: unknown) => {
        throw tooLarge(e) ? this.tooLargeProblem() : e;
      });
      // The store saw the whole stream only if the size limit was not hit.
      if (part.file.truncated) throw this.tooLargeProblem();
      if (!contentMatchesType(mediaType, stored.head)) {
        throw new ProblemException(
          415,
          'EVIDENCE_TYPE_MISMATCH',
          `文件内容与声明的类型 ${mediaType} 不符 (content does not match the declared type).`,
        );
      }
      file = { stored, mediaType, fileName: part.filename ? part.filename.slice(0, 255) : null };
    }
    const parsed = fieldsSchema.safeParse(fields);
    const errors: FieldError[] = parsed.success
      ? []
      : parsed.error.issues.map((i) => ({
          path: i.path.join('/') || String((i as { keys?: string[] }).keys?.[0] ?? '(form)'),
          message: i.message,
        }));
    if (!file) errors.push({ path: 'file', message: 'a file part is required' });
    if (errors.length > 0 || !parsed.success || !file)
      throw new ProblemException(400, 'VALIDATION_FAILED', '证据上传字段不合规 (invalid upload fields).', errors);

    const result = await this.addEvidence.execute({
      leadId: lead.id,
      primaryLeadId: lead.primaryLeadId,
      actor: actorOf(caller),
      correlation: requestCorrelation(req),
      type: parsed.data.type,
      sha256: file.stored.sha256,
      mediaType: file.mediaType,
      sizeBytes: file.stored.sizeBytes,
      fileName: file.fileName,
      capturedAt: parsed.data.capturedAt ? new Date(parsed.data.capturedAt).toISOString() : null,
    });
    void reply.status(result.created ? 201 : 200);
    if (!result.created) void reply.header('Idempotent-Replayed', 'true');
    return result.evidence;
  }

  private tooLargeProblem(): ProblemException {
    return new ProblemException(
      413,
      'FILE_TOO_LARGE',
      `文件超过 ${this.config.EVIDENCE_MAX_BYTES} 字节上限 (file too large).`,
    );
  }
}

function tooLarge(e: unknown): boolean {
  return (e as { code?: string } | null)?.code === 'FST_REQ_FILE_TOO_LARGE';
}
