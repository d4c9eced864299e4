import { Injectable } from '@nestjs/common';
import { OnTimer, shanghaiDateTime, type TimerRecord } from '@outpost/clock';
import type { DeadlineEvent, Role } from '@outpost/contracts';
import type { EntityManager } from 'typeorm';
import { RosterRepository } from '../roster/roster.repository';
import { SLA_ACTOR } from '../shared/actor';
import { LeadJournal } from '../shared/lead-journal';
import { AssessmentRepository, type Assessment } from '../workflow/assessment.repository';
import { SlaService, type Deadline } from './sla.service';
import { LAST_LADDER_STEP, TIMER_KIND } from './sla.tokens';

type Notify = DeadlineEvent['notify'];
/** Who hears of a step, with the name the audit trail gives them (events carry ids and roles only). */
type Recipients = Array<Notify[number] & { name: string }>;

const STAGE_LABEL: Record<Deadline['stage'], string> = {
  CLAIM: '认领',
  OPINION: '专业意见',
  VERIFICATION: '实地核实',
  DECISION: '认定',
};

const STEP_LABEL: Record<number, string> = {
  0: '到期前提醒承办人',
  1: '已超时：提醒承办人',
  2: '已超时：通报结对前哨员与街道防非负责人',
  3: '已超时：上报区打非办督办',
};

/**
 * Fires the reminder and each step of the escalation ladder. Each handler runs in the transaction that marks its
 * timer FIRED, so the event and audit entry of a step commit exactly once, whatever happens to workers or Redis.
 */
@Injectable()
export class SlaTimers {
  constructor(
    private readonly sla: SlaService,
    private readonly assessments: AssessmentRepository,
    private readonly roster: RosterRepository,
    private readonly journal: LeadJournal,
  ) {}

  @OnTimer(TIMER_KIND.reminder)
  async onReminder(timer: TimerRecord, tx: EntityManager): Promise<void> {
    const d = await this.sla.lock(tx, String(timer.payload.deadlineId));
    if (!d || d.status !== 'RUNNING') return;
    const a = await this.assessments.find(tx, d.leadId);
    if (!a) return;
    await this.publish(tx, 'assessment.deadline-reminder.v1', d, a, 0, await this.notifyFor(tx, a, 0));
  }

  @OnTimer(TIMER_KIND.step)
  async onStep(timer: TimerRecord, tx: EntityManager): Promise<void> {
    const step = Number(timer.payload.step);
    const d = await this.sla.lock(tx, String(timer.payload.deadlineId));
    // A met, cancelled or paused deadline has no breach; a step already reached is not repeated.
    if (!d || !(d.status === 'RUNNING' || d.status === 'BREACHED') || d.step >= step) return;
    const a = await this.assessments.find(tx, d.leadId);
    if (!a) return;
    await this.sla.markStep(tx, d.id, step);
    await this.publish(tx, 'assessment.deadline-breached.v1', d, a, step, await this.notifyFor(tx, a, step));
    if (step < LAST_LADDER_STEP) await this.sla.scheduleStep(tx, d, step + 1, this.sla.nextStepAt(timer.fireAt));
  }

  private async publish(
    tx: EntityManager,
    topic: 'assessment.deadline-reminder.v1' | 'assessment.deadline-breached.v1',
    d: Deadline,
    a: Assessment,
    step: number,
    recipients: Recipients,
  ): Promise<void> {
    const notify: Notify = recipients.map(({ personId, role }) => ({ personId, role }));
    const names = recipients.map((r) => r.name).join('、') || '无';
    await this.journal.record(tx, {
      leadId: a.leadId,
      actor: SLA_ACTOR,
      action: step === 0 ? 'sla.reminder' : 'sla.breached',
      from: a.status,
      to: a.status,
      reason: `${STAGE_LABEL[d.stage]}期限 ${shanghaiDateTime(d.dueAt)}：第 ${step} 级，${STEP_LABEL[step]}（通知 ${names}）`,
      payload: { deadlineId: d.id, stage: d.stage, step, notify },
      events: [
        {
          topic,
          payload: {
            leadId: a.leadId,
            deadlineId: d.id,
            kind: d.stage,
            dueAt: d.dueAt,
            step,
            notify,
            legalBasis: d.legalBasis,
          },
        },
      ],
    });
  }

  /** Who hears of a step: 0/1 the assignee (or the pool's holder), 2 pair partner + street responsible, 3 supervisors. */
  private async notifyFor(tx: EntityManager, a: Assessment, step: number): Promise<Recipients> {
    const withRole = async (role: Role, streetCode?: string | null): Promise<Recipients> =>
      (await this.roster.activeWithRole(tx, role, streetCode)).map((p) => ({ personId: p.id, role, name: p.name }));
    const supervisors = () => withRole('SUPERVISOR');
    const street = async (): Promise<Recipients> => (a.streetCode ? withRole('STREET_RESPONSIBLE', a.streetCode) : []);
    const person = async (id: string, role: Role | null): Promise<Recipients> => {
      const p = await this.roster.findPerson(tx, id);
      return [{ personId: id, role: role ?? p?.roles[0] ?? null, name: p?.name ?? id }];
    };
    let notify: Recipients;
    if (step <= 1) {
      if (a.assigneeId) notify = await person(a.assigneeId, null);
      else notify = a.pool === 'STREET' ? await street() : await supervisors();
    } else if (step === 2) {
      notify = [...(a.partnerId ? await person(a.partnerId, 'SENTINEL') : []), ...(await street())];
    } else notify = await supervisors();
    // Nobody to tell at this step (no partner, no street person): the district supervisors hear of it instead.
    return notify.length ? notify : supervisors();
  }
}
