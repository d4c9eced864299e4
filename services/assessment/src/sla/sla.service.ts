import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, dueAt, parsePeriod, TimerService, type Clock, type TimerSpec, type WorkCalendar } from '@outpost/clock';
import type { Band } from '@outpost/contracts';
import { SERVICE_CONFIG } from '@outpost/platform';
import type { DataSource, EntityManager } from 'typeorm';
import type { AssessmentConfig } from '../config/assessment.config';
import { periodFor, type SlaStage } from '../config/sla-policy';
import { returningRows } from '../shared/sql';
import { LAST_LADDER_STEP, TIMER_KIND, WORK_CALENDAR } from './sla.tokens';

export type DeadlineStatus = 'RUNNING' | 'PAUSED' | 'MET' | 'BREACHED' | 'CANCELLED';

export interface Deadline {
  id: string;
  leadId: string;
  stage: SlaStage;
  period: string;
  startedAt: string;
  dueAt: string;
  status: DeadlineStatus;
  remainingMs: number | null;
  step: number;
  legalBasis: string | null;
  closedAt: string | null;
}

interface DeadlineRow {
  id: string;
  lead_id: string;
  stage: SlaStage;
  period: string;
  started_at: Date;
  due_at: Date;
  status: DeadlineStatus;
  remaining_ms: string | null;
  step: number;
  legal_basis: string | null;
  closed_at: Date | null;
}

const toDeadline = (r: DeadlineRow): Deadline => ({
  id: r.id,
  leadId: r.lead_id,
  stage: r.stage,
  period: r.period,
  startedAt: new Date(r.started_at).toISOString(),
  dueAt: new Date(r.due_at).toISOString(),
  status: r.status,
  remainingMs: r.remaining_ms === null ? null : Number(r.remaining_ms),
  step: r.step,
  legalBasis: r.legal_basis,
  closedAt: r.closed_at ? new Date(r.closed_at).toISOString() : null,
});

/** Timer ids of one deadline: deterministic, so a step can fire only once whatever happens to the queue. */
export const reminderTimerId = (deadlineId: string) => `sla.${deadlineId}.reminder`;
export const stepTimerId = (deadlineId: string, step: number) => `sla.${deadlineId}.step${step}`;
const allTimerIds = (deadlineId: string) => [
  reminderTimerId(deadlineId),
  ...[1, 2, 3].map((s) => stepTimerId(deadlineId, s)),
];

const stepTimer = (d: Pick<Deadline, 'id' | 'leadId'>, step: number, at: Date): TimerSpec => ({
  id: stepTimerId(d.id, step),
  kind: TIMER_KIND.step,
  subjectId: d.leadId,
  fireAt: at,
  payload: { deadlineId: d.id, step },
});

/**
 * Stage deadlines as data: a row per (lead, stage, occurrence) with its due time, and durable timers for the reminder
 * and the first ladder step (later steps are scheduled by the step before). All writes go through the caller's tx.
 */
@Injectable()
export class SlaService {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: AssessmentConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(WORK_CALENDAR) private readonly calendar: WorkCalendar,
    private readonly timers: TimerService,
  ) {}

  get policy() {
    return this.config.SLA_POLICY;
  }

  now(): Date {
    return this.clock.now();
  }

  /** When a stage that starts now (or at `from`) runs out for this band. */
  computeDue(stage: SlaStage, band: Band, from: Date = this.clock.now()): { period: string; due: Date } {
    const period = periodFor(this.policy, stage, band);
    return { period, due: dueAt(from, parsePeriod(period), this.calendar) };
  }

  /** The time of ladder step n+1 after step n fired at `from`. */
  nextStepAt(from: Date): Date {
    return dueAt(from, parsePeriod(this.policy.ladderInterval), this.calendar);
  }

  async start(tx: EntityManager, leadId: string, stage: SlaStage, band: Band, explicitDue?: Date): Promise<Deadline> {
    return (await this.startMany(tx, stage, [{ leadId, band, explicitDue }]))[0]!;
  }

  /**
   * start() for several leads (each at most once) in one statement, their timers in one more: a consumer batch routes
   * its leads together. The deadlines in the order of `leads`.
   */
  async startMany(
    tx: EntityManager,
    stage: SlaStage,
    leads: Array<{ leadId: string; band: Band; explicitDue?: Date }>,
  ): Promise<Deadline[]> {
    if (!leads.length) return [];
    if (new Set(leads.map((l) => l.leadId)).size < leads.length) throw new Error('startMany: a lead appears twice');
    const now = this.clock.now();
    const plans = leads.map((l) => {
      const computed = this.computeDue(stage, l.band, now);
      return {
        leadId: l.leadId,
        period: l.explicitDue ? 'explicit' : computed.period,
        due: l.explicitDue ?? computed.due,
      };
    });
    // The id numbers a lead's occurrences of the stage (1, 2, ...): deterministic, so timer ids are too.
    const rows: DeadlineRow[] = await tx.query(
      `INSERT INTO deadline (id, lead_id, stage, period, started_at, due_at, status, legal_basis)
       SELECT s.lead_id || '.' || lower($4) || '.' || (1 + (SELECT count(*) FROM deadline d WHERE d.lead_id = s.lead_id AND d.stage = $4)),
              s.lead_id, $4, s.period, $5, s.due_at, 'RUNNING', $6
       FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS s(lead_id, period, due_at)
       RETURNING *`,
      [
        plans.map((p) => p.leadId),
        plans.map((p) => p.period),
        plans.map((p) => p.due),
        stage,
        now,
        this.policy.stages[stage].legalBasis,
      ],
    );
    const byLead = new Map(rows.map((r) => [r.lead_id, toDeadline(r)]));
    const deadlines = plans.map((p) => byLead.get(p.leadId)!);
    await this.timers.scheduleMany(
      tx,
      deadlines.flatMap((d, i) => this.armTimers(d, plans[i]!.due)),
    );
    return deadlines;
  }

  /** Ends the open deadlines of the stages (MET when the work was done, CANCELLED when the stage was abandoned). */
  async close(tx: EntityManager, leadId: string, stages: SlaStage[], outcome: 'MET' | 'CANCELLED'): Promise<void> {
    await this.closeMany(tx, [leadId], stages, outcome);
  }

  /** close() for several leads in one statement. */
  async closeMany(
    tx: EntityManager,
    leadIds: string[],
    stages: SlaStage[],
    outcome: 'MET' | 'CANCELLED',
  ): Promise<void> {
    if (!leadIds.length) return;
    const rows = returningRows<DeadlineRow>(
      await tx.query(
        `UPDATE deadline SET status = CASE WHEN status = 'BREACHED' THEN 'BREACHED' ELSE $3 END, closed_at = $4
       WHERE lead_id = ANY($1::text[]) AND stage = ANY($2::text[]) AND status IN ('RUNNING', 'PAUSED', 'BREACHED') RETURNING *`,
        [leadIds, stages, outcome, this.clock.now()],
      ),
    );
    for (const r of rows) for (const t of allTimerIds(r.id)) await this.timers.cancel(tx, t);
  }

  /** Stops the clock of a running stage (e.g. the opinion while the sentinel verifies), keeping what is left. */
  async pause(tx: EntityManager, leadId: string, stage: SlaStage): Promise<void> {
    const now = this.clock.now();
    const rows = returningRows<DeadlineRow>(
      await tx.query(
        `UPDATE deadline SET status = 'PAUSED', remaining_ms = GREATEST(0, (extract(epoch FROM due_at - $3::timestamptz) * 1000)::bigint)
       WHERE lead_id = $1 AND stage = $2 AND status = 'RUNNING' RETURNING *`,
        [leadId, stage, now],
      ),
    );
    for (const r of rows) for (const t of allTimerIds(r.id)) await this.timers.cancel(tx, t);
  }

  /** Restarts a paused stage with the time it had left. */
  async resume(tx: EntityManager, leadId: string, stage: SlaStage): Promise<void> {
    const now = this.clock.now();
    const rows = returningRows<DeadlineRow>(
      await tx.query(
        `UPDATE deadline SET status = 'RUNNING', due_at = $3::timestamptz + make_interval(secs => remaining_ms / 1000.0), remaining_ms = NULL
       WHERE lead_id = $1 AND stage = $2 AND status = 'PAUSED' RETURNING *`,
        [leadId, stage, now],
      ),
    );
    for (const r of rows) {
      const d = toDeadline(r);
      await this.arm(tx, d, new Date(d.dueAt));
    }
  }

  async list(db: DataSource | EntityManager, leadId: string): Promise<Deadline[]> {
    const rows: DeadlineRow[] = await db.query(`SELECT * FROM deadline WHERE lead_id = $1 ORDER BY started_at, id`, [
      leadId,
    ]);
    return rows.map(toDeadline);
  }

  async lock(tx: EntityManager, id: string): Promise<Deadline | null> {
    const rows: DeadlineRow[] = await tx.query(`SELECT * FROM deadline WHERE id = $1 FOR UPDATE`, [id]);
    return rows[0] ? toDeadline(rows[0]) : null;
  }

  async markStep(tx: EntityManager, id: string, step: number): Promise<void> {
    await tx.query(`UPDATE deadline SET status = 'BREACHED', step = $2 WHERE id = $1`, [id, step]);
  }

  /** Schedules ladder step `step` of a deadline (steps 2 and 3 are scheduled by the step before). */
  async scheduleStep(tx: EntityManager, d: Pick<Deadline, 'id' | 'leadId'>, step: number, at: Date): Promise<void> {
    if (step > LAST_LADDER_STEP) return;
    await this.timers.schedule(tx, stepTimer(d, step, at));
  }

  private async arm(tx: EntityManager, d: Deadline, due: Date): Promise<void> {
    await this.timers.scheduleMany(tx, this.armTimers(d, due));
  }

  /** The reminder (if it is still ahead) and the first ladder step of a deadline due at `due`. */
  private armTimers(d: Pick<Deadline, 'id' | 'leadId'>, due: Date): TimerSpec[] {
    const before = this.policy.reminderBeforeMinutes * 60_000;
    const remindAt = new Date(due.getTime() - before);
    const reminder: TimerSpec[] =
      before > 0 && remindAt.getTime() > this.clock.now().getTime()
        ? [
            {
              id: reminderTimerId(d.id),
              kind: TIMER_KIND.reminder,
              subjectId: d.leadId,
              fireAt: remindAt,
              payload: { deadlineId: d.id },
            },
          ]
        : [];
    return [...reminder, stepTimer(d, 1, due)];
  }
}
