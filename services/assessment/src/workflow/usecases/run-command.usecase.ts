import { correlated, type CorrelationContext } from '@outpost/messaging';
import { Injectable } from '@nestjs/common';
import { TimerService } from '@outpost/clock';
import { categoryText, labelOf, RECOMMENDATION_LABELS, type Actor, type LeadAssignedV1 } from '@outpost/contracts';
import { ProblemException, type Principal } from '@outpost/platform';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { RosterRepository } from '../../roster/roster.repository';
import { userActor } from '../../shared/actor';
import { LeadJournal } from '../../shared/lead-journal';
import { SlaService } from '../../sla/sla.service';
import { RoutingService } from '../../triage/routing.service';
import { AssessmentRepository, type Assessment, type AssessmentPatch } from '../assessment.repository';
import type { CommandBody } from '../command.schemas';
import { evaluate, type Action, type LeadFacts } from '../transition-table';

export interface CommandResult {
  leadId: string;
  status: Assessment['status'];
  assigneeId: string | null;
  requestId?: string;
}

/** A free text as the audit trail quotes it: its first 100 characters (the whole text stays on the assessment). */
const brief = (text: string): string => (text.length > 100 ? `${text.slice(0, 100)}…` : text);

/**
 * Runs one workflow command: lock the assessment, check the transition table (scope, state, role, guards), apply the
 * change, and write audit + events + deadlines in the same transaction. Timers scheduled here are enqueued after commit.
 */
@Injectable()
export class RunCommandUsecase {
  constructor(
    private readonly timers: TimerService,
    private readonly assessments: AssessmentRepository,
    private readonly roster: RosterRepository,
    private readonly routing: RoutingService,
    private readonly sla: SlaService,
    private readonly journal: LeadJournal,
  ) {}

  async facts(db: EntityManager | import('typeorm').DataSource, a: Assessment): Promise<LeadFacts> {
    const requests = await this.assessments.requests(db, a.leadId);
    return {
      status: a.status,
      assigneeId: a.assigneeId,
      opinionAuthorId: a.opinion?.authorId ?? null,
      askedOf: requests.filter((r) => r.status === 'OPEN').map((r) => r.askedOf),
      streetCode: a.streetCode,
      gridIds: a.gridIds,
    };
  }

  /** `correlation`: the request's (RequestCorrelation); what the command writes carries it. */
  async run<A extends Action>(
    action: A,
    leadId: string,
    p: Principal,
    body: CommandBody<A>,
    correlation?: CorrelationContext,
  ): Promise<CommandResult> {
    return this.timers.withTransaction(
      correlated(correlation, async (tx) => {
        const a = await this.assessments.find(tx, leadId, true);
        if (!a) throw new ProblemException(404, 'LEAD_NOT_FOUND', `研判中没有线索 ${leadId}`);
        const verdict = evaluate(action, p, await this.facts(tx, a));
        if (!verdict.ok)
          throw new ProblemException(verdict.status, verdict.code, verdict.reason, undefined, {
            leadId,
            currentStatus: a.status,
            action,
          });
        const actor = userActor(p, verdict.role);
        const to = verdict.transition.to;
        const b = body as CommandBody<Action>;
        switch (action) {
          case 'claim':
            return this.claim(tx, a, p, actor);
          case 'release':
            return this.release(tx, a, actor, (b as CommandBody<'release'>).reason ?? null);
          case 'reassign':
            return this.reassign(tx, a, actor, b as CommandBody<'reassign'>);
          case 'request-verification':
            return this.requestVerification(tx, a, p, actor, b as CommandBody<'request-verification'>);
          case 'answer-verification':
            return this.answerVerification(tx, a, p, actor, b as CommandBody<'answer-verification'>);
          case 'submit-opinion':
            return this.submitOpinion(tx, a, p, actor, b as CommandBody<'submit-opinion'>, to);
          case 'decide':
            return this.decide(tx, a, p, actor, b as CommandBody<'decide'>, to);
          case 'return':
            return this.returnForWork(tx, a, actor, (b as CommandBody<'return'>).reason, to);
          case 'reopen':
            return this.reopen(tx, a, actor, (b as CommandBody<'reopen'>).reason);
          default:
            throw new ProblemException(400, 'UNKNOWN_ACTION', `未知操作 ${String(action)}`);
        }
      }),
    );
  }

  /** escalation.lead-reopened.v1: the same reopen, by the system, when the lead was decided here. */
  async reopenFromEscalation(tx: EntityManager, leadId: string, reason: string, actor: Actor): Promise<boolean> {
    const a = await this.assessments.find(tx, leadId, true);
    if (!a || a.status !== 'DECIDED') return false;
    await this.reopen(tx, a, actor, reason);
    return true;
  }

  private async claim(tx: EntityManager, a: Assessment, p: Principal, actor: Actor): Promise<CommandResult> {
    const now = this.sla.now();
    const updated = await this.assessments.update(
      tx,
      a.leadId,
      { status: 'IN_REVIEW', assigneeId: p.userId, assigneeName: p.name, assignedAt: now.toISOString() },
      now,
    );
    await this.sla.close(tx, a.leadId, ['CLAIM'], 'MET');
    const d = await this.sla.start(tx, a.leadId, 'OPINION', a.band);
    await this.transitioned(tx, a, updated, actor, 'lead.claimed', null, 'CLAIMED', d.dueAt);
    return result(updated);
  }

  private async release(tx: EntityManager, a: Assessment, actor: Actor, reason: string | null): Promise<CommandResult> {
    const now = this.sla.now();
    const street = a.streetCode ? await this.roster.activeWithRole(tx, 'STREET_RESPONSIBLE', a.streetCode) : [];
    const pool = street.length && a.band !== 'red' ? 'STREET' : 'DISTRICT';
    const updated = await this.assessments.update(
      tx,
      a.leadId,
      { status: 'TRIAGED', assigneeId: null, assigneeName: null, pool },
      now,
    );
    await this.sla.close(tx, a.leadId, ['CLAIM', 'OPINION'], 'CANCELLED');
    const d = await this.sla.start(tx, a.leadId, 'CLAIM', a.band);
    await this.transitioned(tx, a, updated, actor, 'lead.released', reason, 'RELEASED', d.dueAt);
    return result(updated);
  }

  private async reassign(
    tx: EntityManager,
    a: Assessment,
    actor: Actor,
    body: CommandBody<'reassign'>,
  ): Promise<CommandResult> {
    const target = await this.roster.findPerson(tx, body.assigneeId);
    if (
      !target?.active ||
      !target.roles.some((r) => ['VOLUNTEER', 'OFFICER', 'STREET_RESPONSIBLE', 'SUPERVISOR'].includes(r))
    ) {
      throw new ProblemException(
        422,
        'INVALID_ASSIGNEE',
        `${target?.name ?? body.assigneeId} 不是在岗的志愿者、官员、街道负责人或督办，不能承办线索`,
        [{ path: 'assigneeId', message: '无效的承办人' }],
      );
    }
    const now = this.sla.now();
    const pairs = (await this.roster.pairingsByLoad(tx, a.gridIds)).filter((x) => x.volunteerId === target.id);
    const patch: AssessmentPatch = {
      status: 'ASSIGNED',
      assigneeId: target.id,
      assigneeName: target.name,
      assignedAt: now.toISOString(),
    };
    if (pairs[0]) Object.assign(patch, { pool: 'PAIR', pairingId: pairs[0].id, partnerId: pairs[0].sentinelId });
    const updated = await this.assessments.update(tx, a.leadId, patch, now);
    await this.sla.close(tx, a.leadId, ['CLAIM', 'OPINION'], 'CANCELLED');
    const d = await this.sla.start(tx, a.leadId, 'CLAIM', a.band);
    await this.transitioned(
      tx,
      a,
      updated,
      actor,
      'lead.reassigned',
      body.reason ?? `改派给 ${target.name}`,
      'REASSIGNED',
      d.dueAt,
    );
    return result(updated);
  }

  private async requestVerification(
    tx: EntityManager,
    a: Assessment,
    p: Principal,
    actor: Actor,
    body: CommandBody<'request-verification'>,
  ): Promise<CommandResult> {
    const askedOf = a.partnerId ?? (await this.sentinelFor(tx, a));
    if (!askedOf)
      throw new ProblemException(409, 'NO_SENTINEL', '该线索所在网格没有在岗的前哨员，无法请求实地核实', undefined, {
        currentStatus: a.status,
      });
    const now = this.sla.now();
    const due = body.dueAt ? new Date(body.dueAt) : this.sla.computeDue('VERIFICATION', a.band, now).due;
    if (due.getTime() <= now.getTime())
      throw new ProblemException(400, 'VALIDATION_FAILED', '核实期限必须晚于当前时间', [
        { path: 'dueAt', message: '必须是将来的时间' },
      ]);
    const request = await this.assessments.insertRequest(
      tx,
      { id: uuidv7(), leadId: a.leadId, askedOf, askedBy: p.userId, question: body.question, dueAt: due.toISOString() },
      now,
    );
    const updated = await this.assessments.update(tx, a.leadId, { status: 'VERIFYING' }, now);
    if (this.sla.policy.pauseOpinionWhileVerifying) await this.sla.pause(tx, a.leadId, 'OPINION');
    await this.sla.start(tx, a.leadId, 'VERIFICATION', a.band, due);
    await this.journal.record(tx, {
      leadId: a.leadId,
      actor,
      action: 'verification.requested',
      from: a.status,
      to: updated.status,
      reason: `请前哨员 ${(await this.roster.findPerson(tx, askedOf))?.name ?? askedOf} 实地核实：${brief(body.question)}`,
      events: [
        {
          topic: 'assessment.verification-requested.v1',
          payload: {
            leadId: a.leadId,
            requestId: request.id,
            status: updated.status,
            askedOf,
            question: body.question,
            dueAt: request.dueAt,
          },
        },
      ],
    });
    return { ...result(updated), requestId: request.id };
  }

  private async answerVerification(
    tx: EntityManager,
    a: Assessment,
    p: Principal,
    actor: Actor,
    body: CommandBody<'answer-verification'>,
  ): Promise<CommandResult> {
    const open = (await this.assessments.requests(tx, a.leadId)).find((r) => r.id === body.requestId);
    if (!open) throw new ProblemException(404, 'REQUEST_NOT_FOUND', `核实请求 ${body.requestId} 不存在`);
    if (open.status !== 'OPEN')
      throw new ProblemException(409, 'TRANSITION_NOT_ALLOWED', '该核实请求已答复', undefined, {
        currentStatus: a.status,
      });
    if (open.askedOf !== p.userId) throw new ProblemException(403, 'NOT_ASKED', '只有被请求核实的前哨员可以答复');
    const now = this.sla.now();
    await this.assessments.answerRequest(
      tx,
      open.id,
      { answer: body.answer, evidenceIds: body.evidenceIds, answeredBy: p.userId },
      now,
    );
    const stillOpen = (await this.assessments.requests(tx, a.leadId)).some((r) => r.status === 'OPEN');
    const updated = stillOpen ? a : await this.assessments.update(tx, a.leadId, { status: 'IN_REVIEW' }, now);
    if (!stillOpen) {
      await this.sla.close(tx, a.leadId, ['VERIFICATION'], 'MET');
      await this.sla.resume(tx, a.leadId, 'OPINION');
    }
    await this.journal.record(tx, {
      leadId: a.leadId,
      actor,
      action: 'verification.answered',
      from: a.status,
      to: updated.status,
      reason: `实地核实答复：${brief(body.answer)}${body.evidenceIds.length ? `（附证据 ${body.evidenceIds.length} 份）` : ''}`,
      events: [
        {
          topic: 'assessment.verification-answered.v1',
          payload: {
            leadId: a.leadId,
            requestId: open.id,
            status: updated.status,
            answeredBy: p.userId,
            answer: body.answer,
            evidenceIds: body.evidenceIds,
          },
        },
      ],
    });
    return { ...result(updated), requestId: open.id };
  }

  private async submitOpinion(
    tx: EntityManager,
    a: Assessment,
    p: Principal,
    actor: Actor,
    body: CommandBody<'submit-opinion'>,
    to: Assessment['status'],
  ): Promise<CommandResult> {
    const now = this.sla.now();
    const opinion = {
      kind: '专业意见' as const,
      official: false as const,
      authorId: p.userId,
      authorName: p.name,
      ...body,
      submittedAt: now.toISOString(),
    };
    const updated = await this.assessments.update(tx, a.leadId, { status: to, opinion }, now);
    await this.sla.close(tx, a.leadId, ['OPINION'], 'MET');
    await this.sla.start(tx, a.leadId, 'DECISION', a.band);
    await this.journal.record(tx, {
      leadId: a.leadId,
      actor,
      action: 'opinion.submitted',
      from: a.status,
      to,
      reason: `专业意见（非认定）：${labelOf(RECOMMENDATION_LABELS, body.recommendation)}，${categoryText(body.category)}`,
      payload: opinion,
      events: [
        {
          topic: 'assessment.opinion-submitted.v1',
          payload: {
            leadId: a.leadId,
            assessmentId: a.id,
            status: to,
            authorId: p.userId,
            recommendation: body.recommendation,
            category: body.category,
            legalBasis: body.legalBasis,
            reasoning: body.reasoning,
          },
        },
      ],
    });
    return result(updated);
  }

  private async decide(
    tx: EntityManager,
    a: Assessment,
    p: Principal,
    actor: Actor,
    body: CommandBody<'decide'>,
    to: Assessment['status'],
  ): Promise<CommandResult> {
    const now = this.sla.now();
    const category = body.category ?? a.opinion?.category ?? a.suggestedCategory;
    if (!category)
      throw new ProblemException(400, 'VALIDATION_FAILED', '请填写认定类别', [{ path: 'category', message: '必填' }]);
    const decision = {
      decidedBy: p.userId,
      decidedByName: p.name,
      decision: body.decision,
      category,
      legalBasis: body.legalBasis ?? a.opinion?.legalBasis ?? [],
      reasoning: body.reasoning,
      feedback: body.feedback ?? null,
      decidedAt: now.toISOString(),
    };
    const updated = await this.assessments.update(tx, a.leadId, { status: to, decision }, now);
    await this.sla.close(tx, a.leadId, ['CLAIM', 'OPINION', 'VERIFICATION', 'DECISION'], 'MET');
    await this.journal.record(tx, {
      leadId: a.leadId,
      actor,
      action: 'lead.decided',
      from: a.status,
      to,
      reason: `认定：${labelOf(RECOMMENDATION_LABELS, body.decision)}，${categoryText(category)}`,
      payload: decision,
      events: [
        {
          topic: 'assessment.lead-decided.v1',
          payload: {
            leadId: a.leadId,
            assessmentId: a.id,
            status: to,
            decidedBy: p.userId,
            decision: body.decision,
            category,
            band: a.band,
            legalBasis: decision.legalBasis,
            reasoning: body.reasoning,
            feedback: decision.feedback,
            gridIds: a.gridIds,
            streetCode: a.streetCode,
            subjectRegisteredAddress: a.subjectRegisteredAddress,
          },
        },
      ],
    });
    return result(updated);
  }

  private async returnForWork(
    tx: EntityManager,
    a: Assessment,
    actor: Actor,
    reason: string,
    to: Assessment['status'],
  ): Promise<CommandResult> {
    const now = this.sla.now();
    const updated = await this.assessments.update(
      tx,
      a.leadId,
      {
        status: to,
        opinion: null,
        previousOpinions: [
          ...a.previousOpinions,
          { ...a.opinion, returnedAt: now.toISOString(), returnReason: reason },
        ],
      },
      now,
    );
    await this.sla.close(tx, a.leadId, ['DECISION'], 'CANCELLED');
    const d = await this.sla.start(tx, a.leadId, 'OPINION', a.band);
    await this.transitioned(tx, a, updated, actor, 'lead.returned', reason, 'RETURNED', d.dueAt);
    return result(updated);
  }

  private async reopen(tx: EntityManager, a: Assessment, actor: Actor, reason: string): Promise<CommandResult> {
    const now = this.sla.now();
    const reopened = await this.assessments.update(
      tx,
      a.leadId,
      {
        status: 'REOPENED',
        decision: null,
        opinion: null,
        cycle: a.cycle + 1,
        previousOpinions: [
          ...a.previousOpinions,
          { opinion: a.opinion, decision: a.decision, reopenedAt: now.toISOString(), reason },
        ],
      },
      now,
    );
    await this.journal.record(tx, {
      leadId: a.leadId,
      actor,
      action: 'lead.reopened',
      from: a.status,
      to: 'REOPENED',
      reason,
      events: [
        {
          topic: 'assessment.lead-transitioned.v1',
          payload: { leadId: a.leadId, status: 'REOPENED', from: a.status, action: 'reopen', reason },
        },
      ],
    });
    const routed = await this.routing.route(tx, reopened, 'REOPENED', actor);
    return result(routed);
  }

  /**
   * lead-transitioned for read models plus lead-assigned for whoever holds the lead now and by when (the gateway's read
   * model, intake's status view and notification's lead facts follow it). `why` tells consumers whether the lead has a
   * new holder: notification announces only ROUTED/REASSIGNED/REOPENED to the pair, never a claim of one's own lead.
   */
  private async transitioned(
    tx: EntityManager,
    before: Assessment,
    after: Assessment,
    actor: Actor,
    action: string,
    reason: string | null,
    why: LeadAssignedV1['reason'],
    dueAt: string | null,
  ) {
    await this.journal.record(tx, {
      leadId: after.leadId,
      actor,
      action,
      from: before.status,
      to: after.status,
      reason,
      events: [
        {
          topic: 'assessment.lead-transitioned.v1',
          payload: {
            leadId: after.leadId,
            status: after.status,
            from: before.status,
            action: action.replace('lead.', ''),
            reason,
          },
        },
        { topic: 'assessment.lead-assigned.v1', payload: this.routing.assignedPayload(after, why, dueAt) },
      ],
    });
  }

  private async sentinelFor(tx: EntityManager, a: Assessment): Promise<string | null> {
    const sentinels = await this.roster.activeWithRole(tx, 'SENTINEL');
    return sentinels.find((s) => s.gridIds.some((g) => a.gridIds.includes(g)))?.id ?? null;
  }
}

const result = (a: Assessment): CommandResult => ({ leadId: a.leadId, status: a.status, assigneeId: a.assigneeId });
