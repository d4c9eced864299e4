import { Body, Controller, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CLOCK, type Clock } from '@outpost/clock';
import { correlated, RequestCorrelation, type CorrelationContext } from '@outpost/messaging';
import { OwnAuth, ProblemException, RequestLog, SERVICE_CONFIG, zodFieldErrors } from '@outpost/platform';
import type { Logger } from 'pino';
import { z } from 'zod';
import { EXTERNAL_SYSTEMS, type EscalationConfig, type ExternalSystem } from '../config/escalation.config';
import { CaseRepository } from '../cases/case.repository';
import { CaseWriter } from '../cases/case-writer';
import { CALLBACK_STATUS_LABELS, recordLabel } from '../cases/record-labels';
import { CommandRunner } from '../cases/command-runner.service';
import { DispatchService } from '../connectors/dispatch.service';
import { verifySignature } from '../connectors/signing';
import { TransactionRunner } from '../shared/transaction-runner';
import { sourceActor } from '../shared/actors';

export const CALLBACK_STATUSES = [
  'RECEIVED',
  'ACKNOWLEDGED',
  'POLICE_FILED',
  'POLICE_DECLINED',
  'MATERIALS_INCOMPLETE',
] as const;

export const callbackSchema = z.object({
  /** Unique per callback: stored once; a second delivery is a replay. */
  eventId: z.string().min(8).max(100),
  /** Our dispatch id (sent to them as Idempotency-Key and in the body). */
  dispatchId: z.uuid(),
  status: z.enum(CALLBACK_STATUSES),
  externalRef: z.string().max(200).optional(),
  note: z.string().max(2000).optional(),
});

interface RawBodyRequest {
  headers: Record<string, string | string[] | undefined>;
  rawBody?: string;
}

/**
 * Inbound status callbacks of external systems (docs/connectors.md). Authenticated by the HMAC signature (any
 * configured key of that system), a ±replay window on the timestamp and a once-only event id. A rejected callback is
 * logged (on the request's logger: the line carries its correlation id) and has no effect; an accepted one records the
 * acknowledgement and, from the police, their decision, in events that carry the request's correlation.
 */
@ApiTags('external')
@Controller('v1/external')
export class CallbacksController {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly dispatches: DispatchService,
    private readonly cases: CaseRepository,
    private readonly writer: CaseWriter,
    private readonly runner: CommandRunner,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SERVICE_CONFIG) private readonly config: EscalationConfig,
  ) {}

  @OwnAuth()
  @Post(':system/callbacks')
  @HttpCode(200)
  @ApiOperation({ summary: 'Signed status callback from 穗岁安 / police / regulators (HMAC-SHA256, replay window)' })
  async callback(
    @Param('system') systemParam: string,
    @Req() req: RawBodyRequest,
    @Body() body: unknown,
    @RequestCorrelation() correlation: CorrelationContext | undefined,
    @RequestLog() log: Logger,
  ) {
    const system = systemParam.toUpperCase() as ExternalSystem;
    if (!(EXTERNAL_SYSTEMS as readonly string[]).includes(system))
      throw new ProblemException(404, 'UNKNOWN_SYSTEM', `未知的外部系统 ${systemParam}。`);
    const raw = req.rawBody ?? '';
    const verdict = verifySignature(
      this.config.EXTERNAL_SYSTEMS[system].keys,
      req.headers,
      raw,
      this.clock.now(),
      this.config.CALLBACK_REPLAY_WINDOW_SECONDS,
    );
    if (!verdict.ok) {
      log.warn({ context: CallbacksController.name }, `callback from ${system} rejected: ${verdict.reason}`);
      throw new ProblemException(401, 'INVALID_SIGNATURE', '回调签名无效或已超出时间窗口。');
    }
    const parsed = callbackSchema.safeParse(body);
    if (!parsed.success)
      throw new ProblemException(400, 'VALIDATION_FAILED', '回调内容不符合要求。', zodFieldErrors(parsed.error));
    const cb = parsed.data;
    const actor = sourceActor(system, this.config.EXTERNAL_SYSTEMS[system].name);

    return this.transactions.run(
      correlated(correlation, async (tx) => {
        const fresh: unknown[] = await tx.query(
          `INSERT INTO callback_receipt (system, event_id, dispatch_id, status, received_at) VALUES ($1,$2,$3,$4,$5) ON CONFLICT DO NOTHING RETURNING event_id`,
          [system, cb.eventId, cb.dispatchId, cb.status, this.clock.now()],
        );
        if (fresh.length === 0) {
          log.warn(
            { context: CallbacksController.name },
            `callback from ${system} rejected: replayed event id ${cb.eventId}`,
          );
          throw new ProblemException(409, 'REPLAYED', '该回调已处理过（重放），未产生任何效果。');
        }
        const d = await this.dispatches.get(tx, cb.dispatchId, true);
        if (!d || d.system !== system)
          throw new ProblemException(404, 'DISPATCH_NOT_FOUND', '没有发往该系统的此项上报/移交。');
        const c = await this.cases.byId(tx, d.caseId, true);
        if (!c) throw new Error(`dispatch ${d.id}: case missing`);

        if (d.status !== 'ACKNOWLEDGED') {
          const event = await this.dispatches.acknowledge(tx, d, {
            externalRef: cb.externalRef ?? null,
            externalStatus: cb.status,
            actor,
          });
          await this.writer.apply(tx, c, {
            action: 'external-acknowledged',
            actor,
            from: c.state,
            to: c.state,
            at: this.clock.now(),
            events: [event],
            reason: `${d.authorityLabel}回执：${recordLabel(CALLBACK_STATUS_LABELS, cb.status)}${cb.note ? `（${cb.note}）` : ''}`,
            detail: { dispatchId: d.id, system, externalRef: cb.externalRef ?? null },
          });
        }
        let state: string = c.state;
        if (
          system === 'POLICE' &&
          (cb.status === 'POLICE_FILED' || cb.status === 'POLICE_DECLINED' || cb.status === 'MATERIALS_INCOMPLETE')
        ) {
          const issuer = { kind: 'system' as const, actor };
          const out =
            c.state === 'RECONSIDERATION' && cb.status !== 'MATERIALS_INCOMPLETE'
              ? await this.runner.executeIn(
                  tx,
                  c.primaryLeadId,
                  'record-reconsideration',
                  { upheld: cb.status === 'POLICE_DECLINED', note: cb.note },
                  issuer,
                )
              : await this.runner.executeIn(
                  tx,
                  c.primaryLeadId,
                  'record-police-decision',
                  {
                    decision:
                      cb.status === 'POLICE_FILED'
                        ? 'FILED'
                        : cb.status === 'POLICE_DECLINED'
                          ? 'DECLINED'
                          : 'MATERIALS_INCOMPLETE',
                    note: cb.note,
                  },
                  issuer,
                );
          state = out.state;
        }
        return { accepted: true, dispatchId: d.id, caseId: c.id, state };
      }),
    );
  }
}
