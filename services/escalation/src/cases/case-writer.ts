import { Injectable } from '@nestjs/common';
import type { Actor, Topic } from '@outpost/contracts';
import { AuditLog } from '@outpost/audit';
import { Outbox, type PublishInput } from '@outpost/messaging';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { CLOCK_CATALOGUE } from '../clocks/clock-catalogue';
import { CaseRepository, type CaseRow } from './case.repository';
import { leadStatusOf, type CaseState } from './transition-table';

/** Any outgoing event (the union keeps each topic's payload type checked). */
export type AnyPublish = { [T in Topic]: PublishInput<T> }[Topic];

export interface StateChange {
  action: string;
  actor: Actor;
  from: CaseState | null;
  to: CaseState;
  reason: string | null;
  /** Stored on the case step (the case view shows it); only its digest goes to the audit log. */
  detail?: Record<string, unknown>;
  /** Events to publish; when empty, an escalation.action-recorded.v1 describing the step is published. */
  events?: AnyPublish[];
  at: Date;
  /**
   * How many approvals the case waited for before the step, from callers that know it (commands, a decision): the
   * step's event then says whether the step asked a head for a new one.
   */
  pendingApprovalsBefore?: number;
}

/** escalation.case-state-changed.v1 for a case (announced by its primary lead). */
export function caseStateChanged(
  c: Pick<CaseRow, 'id' | 'caseNo' | 'primaryLeadId' | 'handlerId'>,
  change: Pick<StateChange, 'action' | 'actor' | 'from' | 'to' | 'pendingApprovalsBefore'>,
  outlook: CaseOutlook,
): AnyPublish {
  const before = change.pendingApprovalsBefore;
  return {
    topic: 'escalation.case-state-changed.v1',
    leadId: c.primaryLeadId,
    actor: change.actor,
    payload: {
      leadId: c.primaryLeadId,
      caseId: c.id,
      caseNo: c.caseNo,
      action: change.action,
      from: change.from,
      to: change.to,
      status: leadStatusOf(change.to),
      handlerId: c.handlerId,
      pendingApprovals: outlook.pendingApprovals,
      approvalRequested: before !== undefined && outlook.pendingApprovals > before,
      dueAt: outlook.dueAt?.toISOString() ?? null,
    },
  };
}

/** What a case waits for after a step: who must approve, and by when we must act. */
export interface CaseOutlook {
  /** The referral in REFERRAL_PENDING_APPROVAL and requested measures: each waits for a head (负责人). */
  pendingApprovals: number;
  /** The earliest due time of the open (running or breached) legal clocks that are our duty. */
  dueAt: Date | null;
}

const OUR_CLOCKS = Object.values(CLOCK_CATALOGUE)
  .filter((d) => d.owner === 'US')
  .map((d) => d.kind);

export async function caseOutlook(tx: EntityManager, caseId: string, state: CaseState): Promise<CaseOutlook> {
  const [row] = (await tx.query(
    `SELECT (SELECT count(*)::int FROM measure WHERE case_id = $1 AND status = 'REQUESTED' AND requires_approval) AS pending,
            (SELECT min(due_at) FROM legal_clock
              WHERE case_id = $1 AND status IN ('RUNNING', 'BREACHED') AND kind = ANY($2::text[])) AS due`,
    [caseId, OUR_CLOCKS],
  )) as Array<{ pending: number; due: Date | null }>;
  return { pendingApprovals: row!.pending + (state === 'REFERRAL_PENDING_APPROVAL' ? 1 : 0), dueAt: row!.due };
}

/**
 * The one place a case changes: case row, case step, one audit entry per lead of the case and the outbox events (with
 * escalation.case-state-changed.v1: the case's state, handler, pending approvals and due time after the step), all in the
 * caller's transaction (so they commit together or not at all).
 */
@Injectable()
export class CaseWriter {
  constructor(
    private readonly cases: CaseRepository,
    private readonly audit: AuditLog,
    private readonly outbox: Outbox,
  ) {}

  /** `alsoLeadIds`: leads that left the case in this step (merge) and must still see it in their trail. */
  async apply(tx: EntityManager, c: CaseRow, change: StateChange, alsoLeadIds: string[] = []): Promise<void> {
    c.state = change.to;
    await this.cases.save(tx, c);
    const current = (await this.cases.leads(tx, c.id)).map((l) => l.leadId);
    const leads = [...new Set([...current, ...alsoLeadIds])].map((leadId) => ({ leadId }));
    await tx.query(
      `INSERT INTO case_step (id, case_id, lead_id, action, from_state, to_state, actor, detail, at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
      [
        uuidv7(),
        c.id,
        c.primaryLeadId,
        change.action,
        change.from,
        change.to,
        JSON.stringify(change.actor),
        JSON.stringify(change.detail ?? {}),
        change.at,
      ],
    );
    await this.audit.appendMany(
      tx,
      leads.map((l) => ({
        leadId: l.leadId,
        actor: change.actor,
        action: `escalation.${change.action}`,
        fromState: change.from,
        toState: change.to,
        reason: change.reason,
        payload: { caseId: c.id, caseNo: c.caseNo, ...(change.detail ?? {}) },
      })),
    );
    const events: AnyPublish[] = change.events?.length
      ? [...change.events]
      : [
          {
            topic: 'escalation.action-recorded.v1',
            leadId: c.primaryLeadId,
            actor: change.actor,
            payload: {
              leadId: c.primaryLeadId,
              caseId: c.id,
              actionId: uuidv7(),
              status: leadStatusOf(change.to),
              actionType: change.action,
              summary: change.reason ?? change.action,
              dueAt: null,
              legalBasis: null,
            },
          },
        ];
    events.push(caseStateChanged(c, change, await caseOutlook(tx, c.id, change.to)));
    for (const e of events) await this.outbox.add(tx, e as PublishInput<Topic>);
  }

  /** An audit entry without a state change (e.g. a clock lapsing, a rejected callback with a known lead). */
  async note(
    tx: EntityManager,
    leadIds: string[],
    entry: { actor: Actor; action: string; state: CaseState; reason: string; payload?: unknown },
  ): Promise<void> {
    await this.audit.appendMany(
      tx,
      leadIds.map((leadId) => ({
        leadId,
        actor: entry.actor,
        action: entry.action,
        fromState: entry.state,
        toState: entry.state,
        reason: entry.reason,
        payload: entry.payload,
      })),
    );
  }
}
