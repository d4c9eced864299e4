import { Injectable } from '@nestjs/common';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import type { RecordScreening, ScreeningRecord } from '@outpost/screening';
import type { FieldError } from '@outpost/platform';
import { IntakeRedis } from '../../common/redis.provider';
import { fieldErrorsOf } from '../../leads/dto/lead-input.schema';
import type { Caller } from '../../sources/source-auth.guard';
import { RedisFundFlowWindow } from '../redis-fund-flow-window';
import { ScreeningService } from '../screening.service';

export const screeningRecordSchema = z.strictObject({
  ref: z.string().min(1).max(200),
  text: z.string().max(20000).optional(),
  accountNo: z.string().min(1).max(64).optional(),
  accountName: z.string().max(200).optional(),
  counterpartyNo: z.string().max(64).optional(),
  counterpartyName: z.string().max(200).optional(),
  direction: z.enum(['in', 'out']).optional(),
  amount: z.number().min(0).max(1e13).optional(),
  remark: z.string().max(500).optional(),
  occurredAt: z.iso.datetime({ offset: true }).optional(),
});

/** NDJSON: records screened together (fund-flow state is carried across chunks by the window). */
const NDJSON_CHUNK = 1000;
const NDJSON_MAX_LINE = 64 * 1024;

export type NdjsonLine = RecordScreening | { line: number; ref: string | null; errors: FieldError[] };

/** Screens records with the shared engine; fund-flow rules see this request and earlier ones within the window. */
@Injectable()
export class ScreenRecordsUseCase {
  constructor(
    private readonly screening: ScreeningService,
    private readonly redis: IntakeRedis,
  ) {}

  private windowFor(caller: Caller): RedisFundFlowWindow {
    const scope = caller.kind === 'source' ? caller.source.id : `user-${caller.principal.userId}`;
    return new RedisFundFlowWindow(this.redis.client, scope, this.screening.catalog.fundFlow.windowDays * 86_400_000);
  }

  async screen(caller: Caller, records: ScreeningRecord[]): Promise<RecordScreening[]> {
    return this.screening.engine.screenRecords(records, this.windowFor(caller));
  }

  /** Reads NDJSON line by line and yields one result line per input line (a bad line yields its errors, not a failure). */
  async *screenStream(caller: Caller, body: Readable): AsyncGenerator<NdjsonLine> {
    const window = this.windowFor(caller);
    const lines = createInterface({ input: body, crlfDelay: Infinity });
    let chunk: Array<{ line: number; record: ScreeningRecord }> = [];
    let pendingErrors: NdjsonLine[] = [];
    let n = 0;
    const flush = async function* (engine: ScreeningService['engine']): AsyncGenerator<NdjsonLine> {
      const results = chunk.length
        ? await engine.screenRecords(
            chunk.map((c) => c.record),
            window,
          )
        : [];
      yield* pendingErrors;
      yield* results;
      chunk = [];
      pendingErrors = [];
    };
    for await (const text of lines) {
      n++;
      if (text.trim() === '') continue;
      const bad = (errors: FieldError[], ref: string | null = null) => pendingErrors.push({ line: n, ref, errors });
      if (text.length > NDJSON_MAX_LINE) {
        bad([{ path: '(line)', message: `line longer than ${NDJSON_MAX_LINE} characters` }]);
        continue;
      }
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        bad([{ path: '(line)', message: 'not valid JSON' }]);
        continue;
      }
      const parsed = screeningRecordSchema.safeParse(value);
      if (!parsed.success) {
        const ref =
          value && typeof value === 'object' && typeof (value as { ref?: unknown }).ref === 'string'
            ? (value as { ref: string }).ref
            : null;
        bad(fieldErrorsOf(parsed.error), ref);
        continue;
      }
      chunk.push({ line: n, record: parsed.data });
      if (chunk.length >= NDJSON_CHUNK) yield* flush(this.screening.engine);
    }
    yield* flush(this.screening.engine);
  }
}
