import { Injectable } from '@nestjs/common';
import { ProblemException } from '@outpost/platform';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import { LegalClocks } from '../clocks/legal-clocks.service';
import { People } from '../roster/people';
import { handler, type CommandContext, type CommandHandlers } from '../cases/command.types';
import { MEASURE_LABELS, PENALTY_RESULT_LABELS, recordLabel } from '../cases/record-labels';

/** Investigation and disposal measures (Reg. Art. 21–24; DOMAIN.md §6.7 measures[]). */
export const MEASURE_TYPES = [
  'ENTER_PREMISES',
  'QUESTION',
  'COPY_SEAL_DOCS',
  'ACCOUNT_QUERY',
  'SEAL_SEIZE',
  'SUSPEND_FUNDRAISING',
  'SUSPEND_REGISTRATION',
] as const;
/** Measures that need the 主要负责人's approval: account query (Art. 21(4)), seal/seize (Art. 24). */
export const NEEDS_APPROVAL: ReadonlySet<string> = new Set(['ACCOUNT_QUERY', 'SEAL_SEIZE']);
export const PENALTY_RESULTS = ['PENALTY', 'NO_PENALTY_MINOR', 'NO_PENALTY_UNPROVEN'] as const;

interface MeasureRow {
  id: string;
  measure_type: string;
  status: string;
  requested_by: string;
  extended: boolean;
  ends_at: Date | null;
}

const investigatorSchema = z.object({
  personId: z.string().min(1),
  name: z.string().trim().min(1).max(50),
  badgeNo: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9-]{4,30}$/, '执法证号格式不正确'),
});

@Injectable()
export class InvestigationCommands {
  constructor(
    private readonly clocks: LegalClocks,
    private readonly people: People,
  ) {}

  handlers(): CommandHandlers {
    return {
      'assign-investigators': handler(
        z
          .object({ investigators: z.array(investigatorSchema).min(2, '至少两名执法人员（条例第21条）') })
          .refine((b) => new Set(b.investigators.map((i) => i.personId)).size === b.investigators.length, {
            message: '执法人员不能重复',
            path: ['investigators'],
          }),
        async (ctx, b) => {
          await this.people.require(
            ctx.tx,
            b.investigators.map((i, n) => ({
              id: i.personId,
              path: `investigators/${n}/personId`,
              roles: ['OFFICER', 'SUPERVISOR'] as const,
            })),
          );
          ctx.case.investigators = b.investigators;
          return {
            reason: `指定执法人员：${b.investigators.map((i) => `${i.name}（${i.badgeNo}）`).join('、')}`,
            detail: { investigators: b.investigators.map((i) => i.personId) },
          };
        },
      ),
      'request-measure': handler(
        z.object({ measureType: z.enum(MEASURE_TYPES), description: z.string().trim().min(1).max(2000) }),
        async (ctx, b) => {
          this.requireInvestigators(ctx);
          const id = uuidv7();
          const approval = NEEDS_APPROVAL.has(b.measureType);
          await ctx.tx.query(
            `INSERT INTO measure (id, case_id, measure_type, description, requires_approval, status, requested_by, requested_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
            [
              id,
              ctx.case.id,
              b.measureType,
              b.description,
              approval,
              approval ? 'REQUESTED' : 'ACTIVE',
              ctx.principal.userId,
              ctx.now,
            ],
          );
          return {
            reason: `${approval ? '申请' : '实施'}措施「${recordLabel(MEASURE_LABELS, b.measureType)}」：${b.description}`,
            detail: { measureId: id, measureType: b.measureType, requiresApproval: approval },
            response: { measureId: id, measureStatus: approval ? 'REQUESTED' : 'ACTIVE' },
          };
        },
      ),
      'approve-measure': handler(z.object({ measureId: z.uuid() }), async (ctx, b) => {
        const m = await this.measure(ctx, b.measureId);
        if (m.status !== 'REQUESTED') throw new ProblemException(409, 'MEASURE_NOT_PENDING', '该措施不在待批准状态。');
        if (m.requested_by === ctx.principal.userId)
          throw new ProblemException(403, 'SEPARATION_OF_DUTIES', '申请人不能批准自己申请的措施。');
        let endsAt: Date | null = null;
        if (m.measure_type === 'SEAL_SEIZE') {
          const clock = await this.clocks.start(ctx.tx, {
            caseId: ctx.case.id,
            leadId: ctx.case.primaryLeadId,
            kind: 'SEIZURE',
            startAt: ctx.now,
            subjectRef: m.id,
          });
          endsAt = clock.dueAt;
        }
        await ctx.tx.query(
          `UPDATE measure SET status = 'ACTIVE', approved_by = $2, approved_at = $3, ends_at = $4 WHERE id = $1`,
          [m.id, ctx.principal.userId, ctx.now, endsAt],
        );
        return {
          reason: `主要负责人批准措施「${recordLabel(MEASURE_LABELS, m.measure_type)}」`,
          detail: { measureId: m.id, endsAt: endsAt?.toISOString() ?? null },
          response: { measureId: m.id, endsAt: endsAt?.toISOString() ?? null },
        };
      }),
      'refuse-measure': handler(
        z.object({ measureId: z.uuid(), reason: z.string().trim().min(1).max(1000) }),
        async (ctx, b) => {
          const m = await this.measure(ctx, b.measureId);
          if (m.status !== 'REQUESTED')
            throw new ProblemException(409, 'MEASURE_NOT_PENDING', '该措施不在待批准状态。');
          if (m.requested_by === ctx.principal.userId)
            throw new ProblemException(403, 'SEPARATION_OF_DUTIES', '申请人不能审批自己申请的措施。');
          await ctx.tx.query(
            `UPDATE measure SET status = 'REFUSED', approved_by = $2, approved_at = $3 WHERE id = $1`,
            [m.id, ctx.principal.userId, ctx.now],
          );
          return {
            reason: `主要负责人不批准措施「${recordLabel(MEASURE_LABELS, m.measure_type)}」：${b.reason}`,
            detail: { measureId: m.id },
            response: { measureId: m.id, measureStatus: 'REFUSED' },
          };
        },
      ),
      'extend-measure': handler(
        z.object({ measureId: z.uuid(), reason: z.string().trim().min(1).max(1000) }),
        async (ctx, b) => {
          const m = await this.measure(ctx, b.measureId);
          if (m.measure_type !== 'SEAL_SEIZE' || m.status !== 'ACTIVE')
            throw new ProblemException(409, 'MEASURE_NOT_EXTENDABLE', '只有生效中的查封、扣押可以延长。');
          if (m.extended)
            throw new ProblemException(409, 'ALREADY_EXTENDED', '查封、扣押期限只能延长一次（行政强制法第25条）。');
          if (!m.ends_at || new Date(m.ends_at) < ctx.now)
            throw new ProblemException(409, 'PERIOD_EXPIRED', '查封、扣押期限已届满，不能再延长。');
          await this.clocks.stop(ctx.tx, ctx.case.id, ['SEIZURE'], 'MET', m.id);
          // The extension runs from the end of the original period, not from the approval.
          const clock = await this.clocks.start(ctx.tx, {
            caseId: ctx.case.id,
            leadId: ctx.case.primaryLeadId,
            kind: 'SEIZURE_EXTENSION',
            startAt: new Date(m.ends_at),
            subjectRef: m.id,
          });
          await ctx.tx.query(`UPDATE measure SET extended = true, ends_at = $2 WHERE id = $1`, [m.id, clock.dueAt]);
          return {
            reason: `延长查封、扣押：${b.reason}`,
            detail: { measureId: m.id, endsAt: clock.dueAt.toISOString() },
            response: { measureId: m.id, endsAt: clock.dueAt.toISOString() },
          };
        },
      ),
      'release-measure': handler(
        z.object({ measureId: z.uuid(), reason: z.string().trim().min(1).max(1000) }),
        async (ctx, b) => {
          const m = await this.measure(ctx, b.measureId);
          if (m.status !== 'ACTIVE' || m.measure_type === 'PRESERVATION')
            throw new ProblemException(409, 'MEASURE_NOT_ACTIVE', '该措施未生效或不能以此方式解除。');
          await ctx.tx.query(`UPDATE measure SET status = 'RELEASED' WHERE id = $1`, [m.id]);
          await this.clocks.stop(ctx.tx, ctx.case.id, ['SEIZURE', 'SEIZURE_EXTENSION'], 'MET', m.id);
          return {
            reason: `解除措施「${recordLabel(MEASURE_LABELS, m.measure_type)}」：${b.reason}`,
            detail: { measureId: m.id },
          };
        },
      ),
      'register-preservation': handler(
        z.object({ description: z.string().trim().min(1).max(2000) }),
        async (ctx, b) => {
          this.requireInvestigators(ctx);
          const id = uuidv7();
          await ctx.tx.query(
            `INSERT INTO measure (id, case_id, measure_type, description, requires_approval, status, requested_by, requested_at) VALUES ($1,$2,'PRESERVATION',$3,false,'ACTIVE',$4,$5)`,
            [id, ctx.case.id, b.description, ctx.principal.userId, ctx.now],
          );
          const clock = await this.clocks.start(ctx.tx, {
            caseId: ctx.case.id,
            leadId: ctx.case.primaryLeadId,
            kind: 'PRESERVATION_DECISION',
            startAt: ctx.now,
            subjectRef: id,
          });
          await ctx.tx.query(`UPDATE measure SET ends_at = $2 WHERE id = $1`, [id, clock.dueAt]);
          return {
            reason: `先行登记保存：${b.description}`,
            detail: { measureId: id, decideBy: clock.dueAt.toISOString() },
            response: { measureId: id, decideBy: clock.dueAt.toISOString() },
          };
        },
      ),
      'decide-preservation': handler(
        z.object({ measureId: z.uuid(), decision: z.string().trim().min(1).max(1000) }),
        async (ctx, b) => {
          const m = await this.measure(ctx, b.measureId);
          if (m.measure_type !== 'PRESERVATION' || m.status !== 'ACTIVE')
            throw new ProblemException(409, 'MEASURE_NOT_ACTIVE', '该登记保存不存在或已作出处理决定。');
          await ctx.tx.query(`UPDATE measure SET status = 'DECIDED', decision = $2 WHERE id = $1`, [m.id, b.decision]);
          await this.clocks.stop(ctx.tx, ctx.case.id, ['PRESERVATION_DECISION'], 'MET', m.id);
          return { reason: `登记保存处理决定：${b.decision}`, detail: { measureId: m.id } };
        },
      ),
      'record-penalty-decision': handler(
        z.object({
          result: z.enum(PENALTY_RESULTS),
          summary: z.string().trim().min(1).max(4000),
          docNo: z.string().max(100).optional(),
        }),
        async (ctx, b) => {
          this.requireInvestigators(ctx);
          await this.clocks.stop(ctx.tx, ctx.case.id, ['PENALTY_DECISION'], 'MET');
          return {
            reason: `处理决定（${recordLabel(PENALTY_RESULT_LABELS, b.result)}）：${b.summary}`,
            detail: { result: b.result, docNo: b.docNo ?? null },
          };
        },
      ),
      'refer-police': handler(z.object({ reason: z.string().trim().min(1).max(2000) }), async (ctx, b) => {
        // Art. 23 / 移送规定 Art. 11: a penalty must not replace a required transfer; the penalty clock keeps running.
        ctx.case.handlerId = ctx.principal.userId;
        await this.clocks.start(ctx.tx, {
          caseId: ctx.case.id,
          leadId: ctx.case.primaryLeadId,
          kind: 'REFERRAL_APPROVAL',
          startAt: ctx.now,
        });
        return { reason: `提出移送公安：${b.reason}` };
      }),
    };
  }

  private requireInvestigators(ctx: CommandContext): void {
    if (ctx.case.investigators.length < 2) {
      throw new ProblemException(
        409,
        'INVESTIGATORS_REQUIRED',
        '调查措施须由两名以上持执法证件的执法人员实施，请先指定执法人员（条例第21条）。',
        undefined,
        { currentState: ctx.case.state },
      );
    }
  }

  private async measure(ctx: CommandContext, id: string): Promise<MeasureRow> {
    const rows: MeasureRow[] = await ctx.tx.query(`SELECT * FROM measure WHERE id = $1 AND case_id = $2 FOR UPDATE`, [
      id,
      ctx.case.id,
    ]);
    if (!rows[0]) throw new ProblemException(404, 'MEASURE_NOT_FOUND', '本案没有该措施。');
    return rows[0];
  }
}
