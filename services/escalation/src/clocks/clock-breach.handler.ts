import { Inject, Injectable } from '@nestjs/common';
import type { Role } from '@outpost/contracts';
import { OnTimer, type TimerRecord } from '@outpost/clock';
import { Outbox } from '@outpost/messaging';
import { SERVICE_CONFIG } from '@outpost/platform';
import type { EntityManager } from 'typeorm';
import { AuditLog } from '@outpost/audit';
import type { EscalationConfig } from '../config/escalation.config';
import { CaseRepository, type CaseRow } from '../cases/case.repository';
import { TIMER_ACTOR } from '../shared/actors';
import { LADDERS, type LadderAudience } from './clock-catalogue';
import { CLOCK_STEP_TIMER, LegalClocks } from './legal-clocks.service';

/**
 * One ladder step of an overdue clock: an escalation.deadline-breached.v1 event with the step and whom to notify, and
 * an audit entry. Runs in the transaction that marks the step's timer FIRED, so each step happens exactly once.
 */
@Injectable()
export class ClockBreachHandler {
  constructor(
    private readonly clocks: LegalClocks,
    private readonly cases: CaseRepository,
    private readonly outbox: Outbox,
    private readonly audit: AuditLog,
    @Inject(SERVICE_CONFIG) private readonly config: EscalationConfig,
  ) {}

  @OnTimer(CLOCK_STEP_TIMER)
  async onStep(timer: TimerRecord, tx: EntityManager): Promise<void> {
    const clockId = String(timer.payload['clockId']);
    const step = Number(timer.payload['step']);
    const clock = await this.clocks.get(tx, clockId, true);
    // Met or cancelled in the meantime (its timers were cancelled in the same transaction; this is the race's loser).
    if (!clock || (clock.status !== 'RUNNING' && clock.status !== 'BREACHED')) return;
    const c = await this.cases.byId(tx, clock.caseId);
    if (!c) throw new Error(`clock ${clockId}: case ${clock.caseId} missing`);
    const leadIds = (await this.cases.leads(tx, c.id)).map((l) => l.leadId);
    const def = this.clocks.definition(clock.kind);

    if (clock.ladder === 'NONE') {
      // A window that closed (e.g. 24 h for the police to ask for missing materials): recorded, nobody escalated.
      await this.clocks.markStep(tx, clock.id, 0, 'LAPSED');
      await this.audit.appendMany(
        tx,
        leadIds.map((leadId) => ({
          leadId,
          actor: TIMER_ACTOR,
          action: 'escalation.clock-lapsed',
          fromState: c.state,
          toState: c.state,
          reason: `${def.label}已届满（${clock.legalBasis}）`,
          payload: { clockId: clock.id, kind: clock.kind, dueAt: clock.dueAt.toISOString() },
        })),
      );
      return;
    }

    const ladderStep = LADDERS[clock.ladder].find((s) => s.step === step);
    if (!ladderStep) throw new Error(`clock ${clockId}: ladder ${clock.ladder} has no step ${step}`);
    const notify = this.recipients(c, ladderStep.notify);
    await this.clocks.markStep(tx, clock.id, step, 'BREACHED');
    await this.audit.appendMany(
      tx,
      leadIds.map((leadId) => ({
        leadId,
        actor: TIMER_ACTOR,
        action: 'escalation.deadline-breached',
        fromState: c.state,
        toState: c.state,
        reason: `${def.label}逾期，升级第${step}级（${clock.legalBasis}）`,
        payload: { clockId: clock.id, kind: clock.kind, step, dueAt: clock.dueAt.toISOString(), notify },
      })),
    );
    await this.outbox.add(tx, {
      topic: 'escalation.deadline-breached.v1',
      leadId: c.primaryLeadId,
      actor: TIMER_ACTOR,
      payload: {
        leadId: c.primaryLeadId,
        caseId: c.id,
        deadlineId: clock.id,
        kind: clock.kind,
        dueAt: clock.dueAt.toISOString(),
        step,
        notify,
        legalBasis: clock.legalBasis,
      },
    });
  }

  private recipients(c: CaseRow, audiences: LadderAudience[]): Array<{ personId: string; role: Role | null }> {
    const out: Array<{ personId: string; role: Role | null }> = [];
    const add = (personId: string, role: Role | null) => {
      if (!out.some((r) => r.personId === personId)) out.push({ personId, role });
    };
    for (const a of audiences) {
      if (a === 'HANDLER') add(c.handlerId ?? c.decidedBy, 'OFFICER');
      if (a === 'UNIT_HEAD') for (const id of this.config.LADDER_UNIT_HEAD_IDS) add(id, 'SUPERVISOR');
      if (a === 'DISTRICT_OFFICE') for (const id of this.config.LADDER_DISTRICT_OFFICE_IDS) add(id, 'OFFICER');
    }
    return out;
  }
}
