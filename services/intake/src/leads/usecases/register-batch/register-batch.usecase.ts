import { Inject, Injectable } from '@nestjs/common';
import { z } from 'zod';
import { ProblemException, SERVICE_CONFIG, type FieldError } from '@outpost/platform';
import type { IntakeConfig } from '../../../config/intake.config';
import type { Caller } from '../../../sources/source-auth.guard';
import { fieldErrorsOf } from '../../dto/lead-input.schema';
import type { LeadView } from '../../lead.repository';
import { RegisterLeadUseCase } from '../register-lead/register-lead.usecase';

export interface BatchItemResult {
  index: number;
  status: 'accepted' | 'duplicate' | 'rejected';
  lead?: LeadView;
  errors?: FieldError[];
}

export interface BatchResult {
  accepted: number;
  duplicates: number;
  rejected: number;
  results: BatchItemResult[];
}

/**
 * Registers each item of a batch on its own (own transaction, own outcome): one bad item never rejects the others.
 * A few items run in parallel; items about one subject still serialise on the subject lock.
 */
@Injectable()
export class RegisterBatchUseCase {
  constructor(
    private readonly registerLead: RegisterLeadUseCase,
    @Inject(SERVICE_CONFIG) private readonly config: IntakeConfig,
  ) {}

  async execute(cmd: {
    caller: Caller;
    body: unknown;
    idempotencyKey: string | null;
    maxLeads: number;
  }): Promise<BatchResult> {
    const parsed = z.strictObject({ leads: z.array(z.unknown()).min(1).max(cmd.maxLeads) }).safeParse(cmd.body);
    if (!parsed.success)
      throw new ProblemException(
        400,
        'VALIDATION_FAILED',
        `批量报送需要 leads 数组，1–${cmd.maxLeads} 条 (leads: 1–${cmd.maxLeads} items).`,
        fieldErrorsOf(parsed.error),
      );
    const items = parsed.data.leads;
    const results: BatchItemResult[] = new Array<BatchItemResult>(items.length);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < items.length; i = next++) results[i] = await this.one(cmd, items[i], i);
    };
    await Promise.all(Array.from({ length: Math.min(this.config.BATCH_CONCURRENCY, items.length) }, worker));
    return {
      accepted: results.filter((r) => r.status === 'accepted').length,
      duplicates: results.filter((r) => r.status === 'duplicate').length,
      rejected: results.filter((r) => r.status === 'rejected').length,
      results,
    };
  }

  private async one(
    cmd: { caller: Caller; idempotencyKey: string | null },
    body: unknown,
    index: number,
  ): Promise<BatchItemResult> {
    try {
      const r = await this.registerLead.execute({
        caller: cmd.caller,
        body,
        idempotencyKey: cmd.idempotencyKey ? `${cmd.idempotencyKey}#${index}` : null,
      });
      switch (r.outcome) {
        case 'created':
          return { index, status: 'accepted', lead: r.lead };
        case 'replayed':
          return { index, status: 'duplicate', lead: r.lead };
        case 'rejected':
          return { index, status: 'rejected', errors: r.errors };
      }
    } catch (e) {
      // A refusal that concerns only this item (e.g. a reused idempotency key) stays with the item; anything else
      // (database down) fails the whole request so the caller retries it.
      if (e instanceof ProblemException && e.getStatus() < 500) {
        return { index, status: 'rejected', errors: [{ path: '(item)', message: e.message, code: e.code }] };
      }
      throw e;
    }
  }
}
