import { correlated, type CorrelationContext } from '@outpost/messaging';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Actor, Role } from '@outpost/contracts';
import { CLOCK, type Clock } from '@outpost/clock';
import { inScope, ProblemException, zodFieldErrors, type Principal } from '@outpost/platform';
import type { EntityManager } from 'typeorm';
import { InvestigationCommands } from '../investigation/investigation-commands';
import { ReferralCommands } from '../referral/referral-commands';
import { TransactionRunner } from '../shared/transaction-runner';
import { userActor } from '../shared/actors';
import { CaseCommands } from './case-commands';
import { CaseRepository } from './case.repository';
import { caseOutlook, CaseWriter } from './case-writer';
import type { CommandContext, CommandHandler } from './command.types';
import {
  ACTIONS,
  leadStatusOf,
  notAllowedReason,
  STATE_LABELS,
  transitionFor,
  TRANSITIONS,
  type Action,
  type CaseItem,
  type CaseState,
  type Transition,
} from './transition-table';

export interface CommandOutcome {
  leadId: string;
  caseId: string;
  caseNo: string;
  status: ReturnType<typeof leadStatusOf>;
  state: CaseState;
  [extra: string]: unknown;
}

/** Who issues a command: a person through the gateway, or an external system through a verified callback. */
export type Issuer = { kind: 'user'; principal: Principal } | { kind: 'system'; actor: Actor };

/**
 * Runs every command the same way: validate → authorise by THE transition table (role, grid scope, state) →
 * one transaction (handler + case state + step + audit + outbox) → after-commit work (timer and dispatch jobs).
 */
@Injectable()
export class CommandRunner implements OnModuleInit {
  private readonly handlers = new Map<Action, CommandHandler>();

  constructor(
    private readonly cases: CaseRepository,
    private readonly writer: CaseWriter,
    private readonly transactions: TransactionRunner,
    private readonly caseCommands: CaseCommands,
    private readonly referral: ReferralCommands,
    private readonly investigation: InvestigationCommands,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    for (const group of [this.caseCommands.handlers(), this.referral.handlers(), this.investigation.handlers()]) {
      for (const [action, h] of Object.entries(group) as Array<[Action, CommandHandler]>) {
        if (this.handlers.has(action)) throw new Error(`two handlers for action ${action}`);
        this.handlers.set(action, h);
      }
    }
    const missing = ACTIONS.filter((a) => !this.handlers.has(a));
    if (missing.length) throw new Error(`transition table actions without a handler: ${missing.join(', ')}`);
  }

  /** The actions this principal may take on the lead now (for the UI). */
  async allowed(
    leadId: string,
    p: Principal,
  ): Promise<{
    leadId: string;
    status: string;
    state: CaseState;
    actions: Array<{ action: Action; label: { zh: string; en: string } }>;
  }> {
    const c = await this.cases.byLead(this.cases.db, leadId);
    if (!c) throw new ProblemException(404, 'CASE_NOT_FOUND', `线索 ${leadId} 尚无处置案件。`);
    const leads = await this.cases.leads(this.cases.db, c.id);
    const scoped = leads.some((l) => inScope(p, { streetCode: l.streetCode, gridIds: l.gridIds }));
    const held = scoped
      ? await this.cases.itemsHeld(this.cases.db, c.id, p.userId, this.clock.now())
      : new Set<CaseItem>();
    const actions = scoped
      ? TRANSITIONS.filter(
          (t) =>
            t.from.includes(c.state) && t.roles.some((r) => p.roles.includes(r)) && (!t.needs || held.has(t.needs)),
        ).map((t) => ({ action: t.action, label: t.label }))
      : [];
    return { leadId, status: leadStatusOf(c.state), state: c.state, actions };
  }

  /** `correlation`: the request's (RequestCorrelation); what the command writes carries it. */
  async execute(
    leadId: string,
    action: string,
    body: unknown,
    issuer: Issuer,
    correlation?: CorrelationContext,
  ): Promise<CommandOutcome> {
    const prepared = this.prepare(action, body, issuer);
    return this.transactions.run(correlated(correlation, (tx) => this.run(tx, leadId, prepared, issuer)));
  }

  /** The same command inside a transaction the caller opened (verified callbacks: receipt + effect commit together). */
  async executeIn(
    tx: EntityManager,
    leadId: string,
    action: string,
    body: unknown,
    issuer: Issuer,
  ): Promise<CommandOutcome> {
    return this.run(tx, leadId, this.prepare(action, body, issuer), issuer);
  }

  private prepare(
    action: string,
    body: unknown,
    issuer: Issuer,
  ): { t: Transition; h: CommandHandler; data: unknown; actor: Actor } {
    const t = transitionFor(action);
    const h = t ? this.handlers.get(t.action) : undefined;
    if (!t || !h) throw new ProblemException(404, 'UNKNOWN_ACTION', `未知的操作「${action}」。`);
    let role: Role | null = null;
    if (issuer.kind === 'user') {
      role = t.roles.find((r) => issuer.principal.roles.includes(r)) ?? null;
      if (!role)
        throw new ProblemException(
          403,
          'ROLE_NOT_ALLOWED',
          `「${t.label.zh}」需要以下角色之一：${t.roles.join('、')}。`,
        );
    }
    const parsed = h.schema.safeParse(body ?? {});
    if (!parsed.success)
      throw new ProblemException(400, 'VALIDATION_FAILED', '请求内容不符合要求。', zodFieldErrors(parsed.error));
    const actor = issuer.kind === 'user' ? userActor(issuer.principal, role!) : issuer.actor;
    return { t, h, data: parsed.data, actor };
  }

  private async run(
    tx: EntityManager,
    leadId: string,
    cmd: { t: Transition; h: CommandHandler; data: unknown; actor: Actor },
    issuer: Issuer,
  ): Promise<CommandOutcome> {
    const { t, h, actor } = cmd;
    const action = t.action;
    const c = await this.cases.byLead(tx, leadId, true);
    if (!c) throw new ProblemException(404, 'CASE_NOT_FOUND', `线索 ${leadId} 尚无处置案件。`);
    const leads = await this.cases.leads(tx, c.id);
    if (
      issuer.kind === 'user' &&
      !leads.some((l) => inScope(issuer.principal, { streetCode: l.streetCode, gridIds: l.gridIds }))
    ) {
      throw new ProblemException(403, 'OUT_OF_SCOPE', '该线索不在您的管辖网格或街道范围内。');
    }
    if (!t.from.includes(c.state)) {
      throw new ProblemException(409, 'TRANSITION_NOT_ALLOWED', notAllowedReason(t, c.state), undefined, {
        currentStatus: leadStatusOf(c.state),
        currentState: c.state,
      });
    }
    const from = c.state;
    const principal = issuer.kind === 'user' ? issuer.principal : systemPrincipal(actor);
    const ctx: CommandContext = { tx, case: c, leads, leadId, principal, actor, now: this.clock.now() };
    const { pendingApprovals: pendingApprovalsBefore } = await caseOutlook(tx, c.id, c.state);
    const result = await h.run(ctx, cmd.data);
    const to = t.to === 'SAME' ? from : t.to === 'BY_COMMAND' ? result.to : t.to;
    if (!to) throw new Error(`action ${action} must decide the next state`);
    await this.writer.apply(
      tx,
      c,
      {
        action,
        actor,
        from,
        to,
        reason: result.reason,
        detail: result.detail,
        events: result.events,
        at: ctx.now,
        pendingApprovalsBefore,
      },
      leads.map((l) => l.leadId),
    );
    return {
      leadId,
      caseId: c.id,
      caseNo: c.caseNo,
      status: leadStatusOf(to),
      state: to,
      stateLabel: STATE_LABELS[to],
      ...(result.response ?? {}),
    };
  }

  /** Runs inside a transaction someone else opened (timer handlers): same writer, no authorisation. */
  async applyInTx(
    tx: EntityManager,
    caseId: string,
    change: {
      action: string;
      actor: Actor;
      to: CaseState;
      reason: string;
      events?: Parameters<CaseWriter['apply']>[2]['events'];
    },
  ): Promise<void> {
    const c = await this.cases.byId(tx, caseId, true);
    if (!c) throw new Error(`case ${caseId} missing`);
    await this.writer.apply(tx, c, { ...change, from: c.state, at: this.clock.now() });
  }
}

function systemPrincipal(actor: Actor): Principal {
  const id = actor.type === 'user' ? actor.userId : actor.type === 'source' ? actor.sourceId : (actor.name ?? 'system');
  return {
    userId: id,
    name: actor.name ?? id,
    roles: ['OPERATOR'],
    canCertify: false,
    scope: { district: true, streetCodes: [], gridIds: [] },
  };
}
