import { Inject, Injectable } from '@nestjs/common';
import { dueAt, parsePeriod, TimerService } from '@outpost/clock';
import { CLOSE_OUTCOMES, CLOSE_OUTCOME_LABELS, labelOf } from '@outpost/contracts';
import { ProblemException, SERVICE_CONFIG } from '@outpost/platform';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import type { EscalationConfig } from '../config/escalation.config';
import { LegalClocks } from '../clocks/legal-clocks.service';
import { DispatchService } from '../connectors/dispatch.service';
import { People } from '../roster/people';
import { CaseRepository } from './case.repository';
import { CaseWriter } from './case-writer';
import { handler, type CommandHandlers } from './command.types';
import { closeEvents } from './usecases/close-case.usecase';
import { REVISIT_TIMER, revisitTimerId } from './usecases/open-case.usecase';
import { recordLabel, TASK_LABELS } from './record-labels';
import { leadStatusOf, STATE_LABELS } from './transition-table';

const text = (max: number) => z.string().trim().min(1).max(max);

export const TASK_TYPES = ['INTERVIEW', 'RECTIFICATION_ORDER', 'SITE_VISIT', 'PUBLICITY', 'REVISIT', 'OTHER'] as const;

/** Case-wide actions: tasks (约谈/整改), monitoring, acknowledgements, upstream report, close, reopen, merge. */
@Injectable()
export class CaseCommands {
  constructor(
    private readonly cases: CaseRepository,
    private readonly clocks: LegalClocks,
    private readonly timers: TimerService,
    private readonly dispatches: DispatchService,
    private readonly writer: CaseWriter,
    private readonly people: People,
    @Inject(SERVICE_CONFIG) private readonly config: EscalationConfig,
  ) {}

  handlers(): CommandHandlers {
    return {
      'record-action': handler(
        z.object({
          actionType: z.enum(TASK_TYPES),
          summary: text(2000),
          dueAt: z.iso.datetime({ offset: true }).optional(),
          assigneeId: z.string().min(1).optional(),
        }),
        async (ctx, b) => {
          if (b.assigneeId) await this.people.require(ctx.tx, [{ id: b.assigneeId, path: 'assigneeId' }]);
          const taskId = uuidv7();
          const due = b.dueAt ? new Date(b.dueAt) : null;
          if (due && due <= ctx.now)
            throw new ProblemException(400, 'VALIDATION_FAILED', '任务期限必须晚于当前时间。', [
              { path: 'dueAt', message: '任务期限必须晚于当前时间' },
            ]);
          await ctx.tx.query(
            `INSERT INTO task (id, case_id, action_type, summary, assignee_id, due_at, status, created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,'OPEN',$7,$8)`,
            [
              taskId,
              ctx.case.id,
              b.actionType,
              b.summary,
              b.assigneeId ?? ctx.principal.userId,
              due,
              ctx.principal.userId,
              ctx.now,
            ],
          );
          if (due)
            await this.clocks.start(ctx.tx, {
              caseId: ctx.case.id,
              leadId: ctx.case.primaryLeadId,
              kind: 'TASK_DUE',
              startAt: ctx.now,
              subjectRef: taskId,
              due,
            });
          const legalBasis =
            b.actionType === 'INTERVIEW' || b.actionType === 'RECTIFICATION_ORDER'
              ? this.clocks.definition('TASK_DUE').legalBasis
              : null;
          return {
            reason: `${recordLabel(TASK_LABELS, b.actionType)}：${b.summary}`,
            detail: { taskId, actionType: b.actionType, dueAt: due?.toISOString() ?? null },
            events: [
              {
                topic: 'escalation.action-recorded.v1',
                leadId: ctx.case.primaryLeadId,
                actor: ctx.actor,
                payload: {
                  leadId: ctx.case.primaryLeadId,
                  caseId: ctx.case.id,
                  actionId: taskId,
                  status: leadStatusOf(ctx.case.state),
                  actionType: b.actionType,
                  summary: b.summary,
                  dueAt: due?.toISOString() ?? null,
                  legalBasis,
                },
              },
            ],
            response: { taskId },
          };
        },
      ),
      'complete-task': handler(z.object({ taskId: z.uuid(), result: text(2000) }), async (ctx, b) => {
        const res: [unknown[], number] = await ctx.tx.query(
          `UPDATE task SET status = 'DONE', result = $3, completed_at = $4 WHERE id = $1 AND case_id = $2 AND status = 'OPEN'`,
          [b.taskId, ctx.case.id, b.result, ctx.now],
        );
        if (res[1] === 0) throw new ProblemException(409, 'TASK_NOT_OPEN', '该任务不存在或已办结。');
        await this.clocks.stop(ctx.tx, ctx.case.id, ['TASK_DUE'], 'MET', b.taskId);
        return { reason: `任务完成：${b.result}`, detail: { taskId: b.taskId } };
      }),
      'assign-handler': handler(
        z.object({ handlerId: z.string().trim().min(1).max(100), reason: text(1000) }),
        async (ctx, b) => {
          await this.people.require(ctx.tx, [{ id: b.handlerId, path: 'handlerId', roles: ['OFFICER'] }]);
          const from = ctx.case.handlerId;
          if (from === b.handlerId)
            throw new ProblemException(409, 'ALREADY_HANDLER', '该人员已是本案承办人。', undefined, {
              currentState: ctx.case.state,
            });
          ctx.case.handlerId = b.handlerId;
          return {
            reason: `指定承办人：${b.reason}`,
            detail: { fromHandlerId: from, handlerId: b.handlerId },
          };
        },
      ),
      'start-monitoring': handler(z.object({ reason: text(1000) }), async (ctx, b) => {
        await this.scheduleRevisit(ctx.tx, ctx.case.id, ctx.case.cycle, ctx.now);
        return { reason: `转入回头看：${b.reason}` };
      }),
      'record-acknowledgement': handler(
        z.object({
          dispatchId: z.uuid(),
          externalRef: z.string().max(200).optional(),
          note: z.string().max(1000).optional(),
        }),
        async (ctx, b) => {
          const d = await this.dispatches.get(ctx.tx, b.dispatchId, true);
          if (!d || d.caseId !== ctx.case.id)
            throw new ProblemException(404, 'DISPATCH_NOT_FOUND', '本案没有该移交/上报记录。');
          if (d.status === 'ACKNOWLEDGED')
            throw new ProblemException(409, 'ALREADY_ACKNOWLEDGED', '对方已签收，无需重复登记。');
          const event = await this.dispatches.acknowledge(ctx.tx, d, {
            externalRef: b.externalRef ?? null,
            externalStatus: 'ACKNOWLEDGED_OFFLINE',
            actor: ctx.actor,
          });
          return {
            reason: `登记${d.authorityLabel}签收${b.note ? `：${b.note}` : ''}`,
            detail: { dispatchId: d.id },
            events: [event],
          };
        },
      ),
      'report-upstream': handler(
        z.object({ note: z.string().max(2000).optional(), again: z.boolean().default(false) }),
        async (ctx, b) => {
          // One report at a time: a second one (补报) only when the officer says so, not by a double click.
          const [outstanding]: Array<{ n: number }> = await ctx.tx.query(
            `SELECT count(*)::int AS n FROM external_dispatch
            WHERE case_id = $1 AND system = 'SUISUIAN' AND purpose = 'REPORT' AND status <> 'ACKNOWLEDGED'`,
            [ctx.case.id],
          );
          if (outstanding!.n > 0 && !b.again)
            throw new ProblemException(
              409,
              'REPORT_OUTSTANDING',
              '本案已向穗岁安上报，对方尚未签收；如确需补报，请选择“再次上报”并说明。',
              [{ path: 'again', message: '已有未签收的上报' }],
            );
          const dispatchId = await this.dispatches.create(ctx.tx, {
            caseId: ctx.case.id,
            caseNo: ctx.case.caseNo,
            leadId: ctx.case.primaryLeadId,
            system: 'SUISUIAN',
            purpose: 'REPORT',
            authorityLabel: this.config.EXTERNAL_SYSTEMS.SUISUIAN.name,
            content: {
              category: ctx.case.category,
              band: ctx.case.band,
              path: ctx.case.path,
              jurisdiction: ctx.case.jurisdiction,
              summary: b.note ?? ctx.case.decision.reasoning,
              legalBasis: ctx.case.decision.legalBasis,
            },
          });
          return {
            reason: b.again ? `补报穗岁安${b.note ? `：${b.note}` : ''}` : '上报穗岁安',
            detail: { dispatchId },
            response: { dispatchId },
          };
        },
      ),
      close: handler(
        z.object({
          outcome: z.enum(CLOSE_OUTCOMES),
          summary: text(4000),
          reporterFeedback: z.string().trim().min(1).max(2000).optional(),
        }),
        async (ctx, b) => {
          if (!b.reporterFeedback && (await this.cases.needsReporterFeedback(ctx.tx, ctx.case.id))) {
            throw new ProblemException(400, 'VALIDATION_FAILED', '该线索来自举报人，办结时须填写答复举报人的内容。', [
              { path: 'reporterFeedback', message: '必填：答复举报人的内容' },
            ]);
          }
          // An outcome must match the record: 已处罚 / 不予处罚 only once a penalty decision is registered.
          if ((b.outcome === 'PENALIZED' || b.outcome === 'NO_PENALTY') && ctx.case.state !== 'PENALTY_DECIDED')
            throw new ProblemException(
              409,
              'OUTCOME_NOT_RECORDED',
              `本案尚未登记处理决定，不能以「${labelOf(CLOSE_OUTCOME_LABELS, b.outcome)}」办结；请先登记处理决定。`,
              [{ path: 'outcome', message: '与已登记的处理决定不符' }],
            );
          const [open]: Array<{ seizures: number; preservations: number; requested: number }> = await ctx.tx.query(
            `SELECT count(*) FILTER (WHERE measure_type = 'SEAL_SEIZE' AND status = 'ACTIVE')::int AS seizures,
                    count(*) FILTER (WHERE measure_type = 'PRESERVATION' AND status = 'ACTIVE')::int AS preservations,
                    count(*) FILTER (WHERE status = 'REQUESTED')::int AS requested
               FROM measure WHERE case_id = $1`,
            [ctx.case.id],
          );
          if (open!.seizures > 0)
            throw new ProblemException(
              409,
              'MEASURES_ACTIVE',
              '尚有未解除的查封、扣押措施，请先解除或作出处理决定后再办结。',
            );
          if (open!.preservations > 0)
            throw new ProblemException(409, 'MEASURES_ACTIVE', '尚有未作出处理决定的先行登记保存，请先作出处理决定。');
          if (open!.requested > 0)
            throw new ProblemException(409, 'MEASURES_PENDING', '尚有待负责人审批的措施，请先由负责人批准或不批准。');
          // What else is still in force (an inspection, an account query) ends with the case.
          await ctx.tx.query(`UPDATE measure SET status = 'RELEASED' WHERE case_id = $1 AND status = 'ACTIVE'`, [
            ctx.case.id,
          ]);
          await this.clocks.stop(ctx.tx, ctx.case.id, 'ALL', 'CANCELLED');
          await this.timers.cancelForSubject(ctx.tx, ctx.case.id, [REVISIT_TIMER]);
          Object.assign(ctx.case, {
            closedAt: ctx.now,
            outcome: b.outcome,
            summary: b.summary,
            reporterFeedback: b.reporterFeedback ?? null,
          });
          return {
            reason: `办结：${labelOf(CLOSE_OUTCOME_LABELS, b.outcome)}`,
            detail: { outcome: b.outcome },
            events: await closeEvents(this.cases, ctx.tx, ctx.case, ctx.actor),
          };
        },
      ),
      reopen: handler(z.object({ reason: text(1000) }), async (ctx, b) => {
        await this.clocks.stop(ctx.tx, ctx.case.id, 'ALL', 'CANCELLED');
        await this.timers.cancelForSubject(ctx.tx, ctx.case.id, [REVISIT_TIMER]);
        ctx.case.closedAt = null;
        return {
          reason: `重新研判：${b.reason}`,
          events: [reopenedEvent(ctx.case.primaryLeadId, ctx.case.id, b.reason, ctx.actor)],
        };
      }),
      merge: handler(z.object({ intoLeadId: z.string().min(1) }), async (ctx, b) => {
        const target = await this.cases.byLead(ctx.tx, b.intoLeadId, true);
        if (!target)
          throw new ProblemException(404, 'TARGET_NOT_FOUND', `线索 ${b.intoLeadId} 尚无处置案件，无法并案。`);
        if (target.id === ctx.case.id) throw new ProblemException(409, 'ALREADY_MERGED', '两条线索已在同一案件中。');
        if (target.state === 'CLOSED' || target.state === 'REOPENED') {
          throw new ProblemException(
            409,
            'TRANSITION_NOT_ALLOWED',
            `目标案件当前为「${STATE_LABELS[target.state]}」，不能并入。`,
            undefined,
            { currentState: target.state },
          );
        }
        await this.clocks.stop(ctx.tx, ctx.case.id, 'ALL', 'CANCELLED');
        await this.timers.cancelForSubject(ctx.tx, ctx.case.id, [REVISIT_TIMER]);
        await this.cases.moveLeads(ctx.tx, ctx.case.id, target.id);
        await ctx.tx.query(
          `UPDATE external_dispatch SET case_id = $2 WHERE case_id = $1 AND status <> 'ACKNOWLEDGED'`,
          [ctx.case.id, target.id],
        );
        Object.assign(ctx.case, {
          mergedInto: target.id,
          closedAt: ctx.now,
          outcome: 'MERGED',
          summary: `并入案件 ${target.caseNo}`,
        });
        const movedLeads = ctx.leads.map((l) => l.leadId);
        const summary = `并案：线索 ${movedLeads.join('、')} 并入 ${target.caseNo}`;
        // The receiving case changed too: its own leads' trails record the merge.
        const targetLeads = (await this.cases.leads(ctx.tx, target.id))
          .map((l) => l.leadId)
          .filter((id) => !movedLeads.includes(id));
        await this.writer.note(ctx.tx, targetLeads, {
          actor: ctx.actor,
          action: 'escalation.merge',
          state: target.state,
          reason: summary,
          payload: { caseId: target.id, movedLeadIds: movedLeads },
        });
        return {
          to: 'CLOSED',
          reason: summary,
          detail: { intoCaseId: target.id, intoCaseNo: target.caseNo, movedLeadIds: movedLeads },
          events: [ctx.case.primaryLeadId, target.primaryLeadId].map((leadId) => ({
            topic: 'escalation.action-recorded.v1' as const,
            leadId,
            actor: ctx.actor,
            payload: {
              leadId,
              caseId: target.id,
              actionId: uuidv7(),
              status: leadStatusOf(target.state),
              actionType: 'merge',
              summary,
              dueAt: null,
              legalBasis: null,
            },
          })),
        };
      }),
    };
  }

  async scheduleRevisit(tx: import('typeorm').EntityManager, caseId: string, cycle: number, from: Date): Promise<void> {
    await this.timers.schedule(tx, {
      id: revisitTimerId(caseId, cycle),
      kind: REVISIT_TIMER,
      subjectId: caseId,
      fireAt: dueAt(from, parsePeriod(this.config.MONITOR_REVISIT_PERIOD), this.clocks.calendar),
      payload: { caseId, cycle },
    });
  }
}

export function reopenedEvent(
  leadId: string,
  caseId: string,
  reason: string,
  actor: import('@outpost/contracts').Actor,
) {
  return {
    topic: 'escalation.lead-reopened.v1' as const,
    leadId,
    actor,
    payload: { leadId, caseId, status: 'REOPENED' as const, reason },
  };
}
