import { Injectable } from '@nestjs/common';
import { ProblemException } from '@outpost/platform';
import { z } from 'zod';
import { LegalClocks } from '../clocks/legal-clocks.service';
import { DispatchService } from '../connectors/dispatch.service';
import { handler, type CommandContext, type CommandHandlers, type CommandResult } from '../cases/command.types';

/** 移送材料 (移送规定 第6条): the letter and the investigation report are mandatory. */
export const REFERRAL_MATERIALS = [
  'TRANSFER_LETTER',
  'INVESTIGATION_REPORT',
  'ITEM_LIST',
  'INSPECTION_REPORT',
  'OTHER',
] as const;
export const POLICE_DECISIONS = ['FILED', 'DECLINED', 'MATERIALS_INCOMPLETE'] as const;
export type PoliceDecision = (typeof POLICE_DECISIONS)[number];

const note = z.string().trim().max(2000).optional();

/** 移送公安 (移送规定 Art. 5–12; 公安程序规定 Art. 180–181): approval, transfer, police decision, 补正, 复议, hand-over. */
@Injectable()
export class ReferralCommands {
  constructor(
    private readonly clocks: LegalClocks,
    private readonly dispatches: DispatchService,
  ) {}

  handlers(): CommandHandlers {
    return {
      'approve-referral': handler(z.object({ note }), async (ctx, b) => {
        this.separateDuties(ctx);
        await this.clocks.stop(ctx.tx, ctx.case.id, ['REFERRAL_APPROVAL'], 'MET');
        await this.clocks.start(ctx.tx, {
          caseId: ctx.case.id,
          leadId: ctx.case.primaryLeadId,
          kind: 'REFERRAL_TRANSFER',
          startAt: ctx.now,
        });
        return { reason: `负责人批准移送${b.note ? `：${b.note}` : ''}` };
      }),
      'refuse-referral': handler(z.object({ reason: z.string().trim().min(1).max(2000) }), async (ctx, b) => {
        this.separateDuties(ctx);
        await this.clocks.stop(ctx.tx, ctx.case.id, ['REFERRAL_APPROVAL'], 'MET');
        await this.backToAdminCase(ctx);
        return { reason: `负责人不批准移送：${b.reason}` };
      }),
      'send-referral': handler(
        z.object({ materials: z.array(z.enum(REFERRAL_MATERIALS)).min(1), note }),
        async (ctx, b) => {
          const missing = (['TRANSFER_LETTER', 'INVESTIGATION_REPORT'] as const).filter(
            (m) => !b.materials.includes(m),
          );
          if (missing.length) {
            throw new ProblemException(
              400,
              'VALIDATION_FAILED',
              '移送材料须至少包括涉嫌犯罪案件移送书和调查报告（移送规定第6条）。',
              [{ path: 'materials', message: `缺少：${missing.join(', ')}` }],
            );
          }
          await this.clocks.stop(ctx.tx, ctx.case.id, ['REFERRAL_TRANSFER'], 'MET');
          const dispatchId = await this.toPolice(ctx, 'REFERRAL', { materials: b.materials, note: b.note ?? null });
          await this.clocks.start(ctx.tx, {
            caseId: ctx.case.id,
            leadId: ctx.case.primaryLeadId,
            kind: 'POLICE_DECISION',
            startAt: ctx.now,
          });
          await this.clocks.start(ctx.tx, {
            caseId: ctx.case.id,
            leadId: ctx.case.primaryLeadId,
            kind: 'MATERIALS_NOTICE',
            startAt: ctx.now,
          });
          return { reason: '移送公安机关', detail: { dispatchId, materials: b.materials }, response: { dispatchId } };
        },
      ),
      'record-police-decision': handler(
        z.object({ decision: z.enum(POLICE_DECISIONS), note, externalRef: z.string().max(200).optional() }),
        async (ctx, b) => this.policeDecision(ctx, b.decision, b.note ?? null),
      ),
      'supplement-materials': handler(
        z.object({ materials: z.array(z.enum(REFERRAL_MATERIALS)).min(1), note }),
        async (ctx, b) => {
          await this.clocks.stop(ctx.tx, ctx.case.id, ['MATERIALS_CORRECTION'], 'MET');
          const dispatchId = await this.toPolice(ctx, 'MATERIALS', {
            kind: 'SUPPLEMENT',
            materials: b.materials,
            note: b.note ?? null,
          });
          await this.clocks.start(ctx.tx, {
            caseId: ctx.case.id,
            leadId: ctx.case.primaryLeadId,
            kind: 'POLICE_DECISION',
            startAt: ctx.now,
          });
          return { reason: '补正移送材料', detail: { dispatchId, materials: b.materials }, response: { dispatchId } };
        },
      ),
      'request-reconsideration': handler(z.object({ reason: z.string().trim().min(1).max(2000) }), async (ctx, b) => {
        const done: Array<{ n: string }> = await ctx.tx.query(
          `SELECT count(*) AS n FROM case_step WHERE case_id = $1 AND action = 'request-reconsideration' AND at >= $2`,
          [ctx.case.id, ctx.case.openedAt],
        );
        if (Number(done[0]?.n ?? 0) > 0)
          throw new ProblemException(
            409,
            'TRANSITION_NOT_ALLOWED',
            '已就不予立案决定提请过复议；复议决定后可提请检察院监督或转回行政处理。',
            undefined,
            { currentState: ctx.case.state },
          );
        await this.clocks.stop(ctx.tx, ctx.case.id, ['RECONSIDERATION_REQUEST'], 'MET');
        const dispatchId = await this.toPolice(ctx, 'REFERRAL', { kind: 'RECONSIDERATION_REQUEST', reason: b.reason });
        await this.clocks.start(ctx.tx, {
          caseId: ctx.case.id,
          leadId: ctx.case.primaryLeadId,
          kind: 'RECONSIDERATION_ANSWER',
          startAt: ctx.now,
        });
        return { reason: `提请复议：${b.reason}`, detail: { dispatchId } };
      }),
      'record-reconsideration': handler(z.object({ upheld: z.boolean(), note }), async (ctx, b) =>
        this.policeDecision(ctx, b.upheld ? 'DECLINED' : 'FILED', b.note ?? null),
      ),
      'hand-over-materials': handler(
        z.object({ items: z.array(z.string().trim().min(1).max(200)).min(1) }),
        async (ctx, b) => {
          const stopped = await this.clocks.stop(ctx.tx, ctx.case.id, ['MATERIALS_HANDOVER'], 'MET');
          if (stopped.length === 0) throw new ProblemException(409, 'ALREADY_HANDED_OVER', '涉案物品及材料已移交。');
          const dispatchId = await this.toPolice(ctx, 'MATERIALS', { kind: 'HANDOVER', items: b.items });
          return { reason: `移交涉案物品及材料（${b.items.length}项）`, detail: { dispatchId, items: b.items } };
        },
      ),
      'return-to-admin': handler(z.object({ reason: z.string().trim().min(1).max(2000) }), async (ctx, b) => {
        await this.clocks.stop(ctx.tx, ctx.case.id, ['RECONSIDERATION_REQUEST'], 'CANCELLED');
        await this.backToAdminCase(ctx);
        return { reason: `公安不予立案，转回行政处理（移送规定第10条）：${b.reason}` };
      }),
    };
  }

  /** The police's answer, by hand or by the police system's callback: moves the case and its clocks. */
  async policeDecision(ctx: CommandContext, decision: PoliceDecision, text: string | null): Promise<CommandResult> {
    const { tx, case: c, now } = ctx;
    const fromReconsideration = c.state === 'RECONSIDERATION';
    if (fromReconsideration && decision === 'MATERIALS_INCOMPLETE') {
      throw new ProblemException(
        409,
        'TRANSITION_NOT_ALLOWED',
        '复议阶段公安只能作出立案或维持不予立案的决定。',
        undefined,
        { currentState: c.state },
      );
    }
    const late = (await this.clocks.forCase(c.id)).some((k) => k.kind === 'MATERIALS_NOTICE' && k.status === 'LAPSED');
    if (fromReconsideration) {
      await this.clocks.stop(tx, c.id, ['RECONSIDERATION_ANSWER'], 'MET');
    } else {
      await this.clocks.stop(tx, c.id, ['MATERIALS_NOTICE'], 'MET');
      // Asking for materials is not a decision: the 3 days start again when the correction arrives.
      await this.clocks.stop(tx, c.id, ['POLICE_DECISION'], decision === 'MATERIALS_INCOMPLETE' ? 'CANCELLED' : 'MET');
    }
    const base = { caseId: c.id, leadId: c.primaryLeadId, startAt: now };
    switch (decision) {
      case 'FILED':
        await this.clocks.start(tx, { ...base, kind: 'MATERIALS_HANDOVER' });
        return { to: 'POLICE_FILED', reason: `公安机关决定立案${text ? `：${text}` : ''}`, detail: { decision } };
      case 'DECLINED':
        if (!fromReconsideration) await this.clocks.start(tx, { ...base, kind: 'RECONSIDERATION_REQUEST' });
        return {
          to: 'POLICE_DECLINED',
          reason: `公安机关${fromReconsideration ? '复议维持' : '决定'}不予立案${text ? `：${text}` : ''}`,
          detail: { decision, afterReconsideration: fromReconsideration },
        };
      case 'MATERIALS_INCOMPLETE':
        await this.clocks.start(tx, { ...base, kind: 'MATERIALS_CORRECTION' });
        return {
          to: 'MATERIALS_REQUESTED',
          reason: `公安机关通知补正材料${late ? '（超过24小时通知期限）' : ''}${text ? `：${text}` : ''}`,
          detail: { decision, lateNotice: late },
        };
    }
  }

  private separateDuties(ctx: CommandContext): void {
    if (ctx.principal.userId === ctx.case.handlerId || ctx.principal.userId === ctx.case.decidedBy) {
      throw new ProblemException(403, 'SEPARATION_OF_DUTIES', '提出移送的承办人不能审批自己的移送报告。');
    }
  }

  private async toPolice(
    ctx: CommandContext,
    purpose: 'REFERRAL' | 'MATERIALS',
    content: Record<string, unknown>,
  ): Promise<string> {
    return this.dispatches.create(ctx.tx, {
      caseId: ctx.case.id,
      caseNo: ctx.case.caseNo,
      leadId: ctx.case.primaryLeadId,
      system: 'POLICE',
      purpose,
      authorityLabel: '公安机关（经侦）',
      content: {
        category: ctx.case.category,
        summary: ctx.case.decision.reasoning,
        legalBasis: ['《行政执法机关移送涉嫌犯罪案件的规定》'],
        ...content,
      },
    });
  }

  /** 移送规定 Art. 10–11: the admin body handles the case itself (立案 now if it had not been filed). */
  private async backToAdminCase(ctx: CommandContext): Promise<void> {
    if (!ctx.case.filedAt) {
      ctx.case.filedAt = ctx.now;
      await this.clocks.start(ctx.tx, {
        caseId: ctx.case.id,
        leadId: ctx.case.primaryLeadId,
        kind: 'PENALTY_DECISION',
        startAt: ctx.now,
      });
    }
  }
}
