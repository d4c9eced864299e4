import { Body, Controller, Headers, HttpCode, Inject, Post, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import { z } from 'zod';
import type { RecordScreening } from '@outpost/screening';
import { ProblemException, SERVICE_CONFIG } from '@outpost/platform';
import type { IntakeConfig } from '../config/intake.config';
import { fieldErrorsOf } from '../leads/dto/lead-input.schema';
import { CurrentCaller, SourceAuth, type Caller } from '../sources/source-auth.guard';
import { screeningRecordSchema, ScreenRecordsUseCase } from './usecases/screen-records.usecase';

export const NDJSON = 'application/x-ndjson';

const EXAMPLE = {
  records: [
    { ref: 'patrol-001', text: '本公司產品 保 本 保 息，年化收益１８％，介绍朋友再返利' },
    { ref: 'ad-002', text: '警惕“保本保息”宣传，凡承诺高额返利的都是骗局' },
    {
      ref: 'txn-003',
      accountNo: '6222020200112233445',
      accountName: '广州某某财富管理有限公司',
      counterpartyName: '李某',
      direction: 'in',
      amount: 10000,
      remark: '返息',
      occurredAt: '2026-11-20T10:00:00+08:00',
    },
  ],
};

@ApiTags('screening 风险筛查')
@Controller('v1/screenings')
export class ScreeningsController {
  constructor(
    private readonly usecase: ScreenRecordsUseCase,
    @Inject(SERVICE_CONFIG) private readonly config: IntakeConfig,
  ) {}

  @Post()
  @HttpCode(200)
  @SourceAuth({ gatewayUsers: true })
  @ApiOperation({
    summary: '按指标目录筛查记录，不创建线索 (screen records without creating leads)',
    description:
      'JSON `{records: [...]}` (≤ 10,000) answers `{results: [...]}`; `Content-Type: application/x-ndjson` streams one record per line and answers one result per line. ' +
      'Fund-flow rules (C2 分散转入集中转出, C3 固定倍数金额) look across the records of one account in this request and in earlier requests of the same source within the window.',
  })
  @ApiConsumes('application/json', NDJSON)
  @ApiBody({
    schema: {
      type: 'object',
      properties: {
        records: { type: 'array', items: z.toJSONSchema(screeningRecordSchema, { io: 'input' }) as object },
      },
    },
    examples: { 示例: { value: EXAMPLE } },
  })
  @ApiResponse({
    status: 200,
    schema: {
      example: {
        results: [
          {
            ref: 'patrol-001',
            score: 27,
            band: 'yellow',
            hits: [{ indicator: 'B1', term: '保本保息', field: 'text', anchor: 'Ind', weight: 15 }],
          },
        ],
      },
    },
  })
  async screen(
    @CurrentCaller() caller: Caller,
    @Body() body: unknown,
    @Headers('content-type') contentType: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ results: RecordScreening[] } | Readable> {
    if (contentType?.split(';')[0]?.trim().toLowerCase() === NDJSON) {
      if (!(body instanceof Readable)) throw new ProblemException(400, 'VALIDATION_FAILED', 'NDJSON body missing.');
      const lines = this.usecase.screenStream(caller, body);
      void reply.type(`${NDJSON}; charset=utf-8`);
      return Readable.from(
        (async function* () {
          for await (const l of lines) yield JSON.stringify(l) + '\n';
        })(),
      );
    }
    const max = this.config.SCREENING_MAX_RECORDS;
    const parsed = z.strictObject({ records: z.array(screeningRecordSchema).min(1).max(max) }).safeParse(body);
    if (!parsed.success) {
      throw new ProblemException(
        400,
        'VALIDATION_FAILED',
        `records: 1–${max} 条记录 (see errors for every field).`,
        fieldErrorsOf(parsed.error),
      );
    }
    return { results: await this.usecase.screen(caller, parsed.data.records) };
  }
}
