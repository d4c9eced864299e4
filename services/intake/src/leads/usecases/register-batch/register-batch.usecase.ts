import type { CorrelationContext } from '@outpost/messaging';
import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { ProblemException, type FieldError } from '@outpost/platform';
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
 * Registers each item of a batch with its own outcome: one bad item never rejects the others. The items are written
 * in registration groups (see RegisterLeadUseCase), in order, so an item links to an earlier item about the same
 * subject.
 */
@Injectable()
export class RegisterBatchUseCase {
  constructor(private readonly registerLead: RegisterLeadUseCase) {}

  async execute(cmd: {
    caller: Caller;
    body: unknown;
    idempotencyKey: string | null;
    maxLeads: number;
    correlation?: CorrelationContext;
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
    // All at once: RegisterLeadUseCase groups them into a few transactions.
    const results = await Promise.all(items.map((item, i) => this.one(cmd, item, i)));
    return {
      accepted: results.filter((r) => r.status === 'accepted').length,
      duplicates: results.filter((r) => r.status === 'duplicate').length,
      rejected: results.filter((r) => r.status === 'rejected').length,
      results,
    };
  }

  private async one(
    cmd: { caller: Caller; idempotencyKey: string | null; correlation?: CorrelationContext },
    body: unknown,
    index: number,
  ): Promise<BatchItemResult> {
    try {
      const r = await this.registerLead.execute({
        caller: cmd.caller,
        body,
        idempotencyKey: cmd.idempotencyKey ? `${cmd.idempotencyKey}#${index}` : null,
        correlation: cmd.correlation,
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
