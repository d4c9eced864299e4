import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, dueAt, parsePeriod, TimerService, WorkCalendar, type Clock } from '@outpost/clock';
import { SERVICE_CONFIG } from '@outpost/platform';
import { DataSource, type EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { EscalationConfig } from '../config/escalation.config';
import { LADDERS, resolveCatalogue, type ClockDefinition, type ClockKind, type LadderName } from './clock-catalogue';

export const CLOCK_STEP_TIMER = 'escalation.clock-step';

export interface ClockRow {
  id: string;
  caseId: string;
  leadId: string;
  kind: ClockKind;
  subjectRef: string | null;
  startedAt: Date;
  dueAt: Date;
  period: string | null;
  legalBasis: string;
  workingDays: boolean;
  ladder: LadderName;
  status: 'RUNNING' | 'MET' | 'BREACHED' | 'LAPSED' | 'CANCELLED';
  breachStep: number;
  stoppedAt: Date | null;
}

interface RawClock {
  id: string;
  case_id: string;
  lead_id: string;
  kind: ClockKind;
  subject_ref: string | null;
  started_at: Date;
  due_at: Date;
  period: string | null;
  legal_basis: string;
  working_days: boolean;
  ladder: LadderName;
  status: ClockRow['status'];
  breach_step: number;
  stopped_at: Date | null;
}

const toClock = (r: RawClock): ClockRow => ({
  id: r.id,
  caseId: r.case_id,
  leadId: r.lead_id,
  kind: r.kind,
  subjectRef: r.subject_ref,
  startedAt: new Date(r.started_at),
  dueAt: new Date(r.due_at),
  period: r.period,
  legalBasis: r.legal_basis,
  workingDays: r.working_days,
  ladder: r.ladder,
  status: r.status,
  breachStep: Number(r.breach_step),
  stoppedAt: r.stopped_at ? new Date(r.stopped_at) : null,
});

/** Timer id of one ladder step of a clock (deterministic: scheduling twice is an upsert, a fired step never re-arms). */
export const stepTimerId = (clockId: string, step: number) => `clock.${clockId}.s${step}`;

/**
 * Legal clocks: the due time and its legal basis as a row, and one durable timer per escalation-ladder step
 * (libs/clock TimerService: BullMQ delayed job with a deterministic id + reconciler). Stopping a clock cancels its steps.
 */
@Injectable()
export class LegalClocks {
  readonly calendar = WorkCalendar.china();
  readonly catalogue: ReturnType<typeof resolveCatalogue>;

  constructor(
    private readonly timers: TimerService,
    private readonly dataSource: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SERVICE_CONFIG) config: EscalationConfig,
  ) {
    this.catalogue = resolveCatalogue(config.CLOCK_OVERRIDES);
  }

  now(): Date {
    return this.clock.now();
  }

  definition(kind: ClockKind): ClockDefinition {
    return this.catalogue[kind];
  }

  /** Due time of a catalogue clock started at `start` (pure; exported for the case view and tests). */
  computeDue(kind: ClockKind, start: Date): Date {
    const def = this.catalogue[kind];
    if (!def.parsed) throw new Error(`clock ${kind} has no period: pass dueAt`);
    return dueAt(start, def.parsed, this.calendar);
  }

  /** Starts a clock (in the caller's transaction) and schedules its ladder. `due` is only for TASK_DUE. */
  async start(
    tx: EntityManager,
    c: { caseId: string; leadId: string; kind: ClockKind; startAt: Date; subjectRef?: string | null; due?: Date },
  ): Promise<ClockRow> {
    const def = this.catalogue[c.kind];
    const due = c.due ?? this.computeDue(c.kind, c.startAt);
    const row: ClockRow = {
      id: uuidv7(),
      caseId: c.caseId,
      leadId: c.leadId,
      kind: c.kind,
      subjectRef: c.subjectRef ?? null,
      startedAt: c.startAt,
      dueAt: due,
      period: def.period,
      legalBasis: def.legalBasis,
      workingDays: def.parsed?.unit === 'WORKING_DAYS' || def.parsed?.unit === 'WORKING_HOURS',
      ladder: def.ladder,
      status: 'RUNNING',
      breachStep: 0,
      stoppedAt: null,
    };
    await tx.query(
      `INSERT INTO legal_clock (id, case_id, lead_id, kind, subject_ref, started_at, due_at, period, legal_basis, working_days, ladder, status)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,'RUNNING')`,
      [
        row.id,
        row.caseId,
        row.leadId,
        row.kind,
        row.subjectRef,
        row.startedAt,
        row.dueAt,
        row.period,
        row.legalBasis,
        row.workingDays,
        row.ladder,
      ],
    );
    const steps = row.ladder === 'NONE' ? [{ step: 0, after: '0h' }] : LADDERS[row.ladder];
    for (const s of steps) {
      await this.timers.schedule(tx, {
        id: stepTimerId(row.id, s.step),
        kind: CLOCK_STEP_TIMER,
        subjectId: row.id,
        fireAt: dueAt(row.dueAt, parsePeriod(s.after), this.calendar),
        payload: { clockId: row.id, step: s.step },
      });
    }
    return row;
  }

  /** Stops the RUNNING/BREACHED clocks of a case matching kind (and subject): MET or CANCELLED. Returns them. */
  async stop(
    tx: EntityManager,
    caseId: string,
    kinds: ClockKind[] | 'ALL',
    outcome: 'MET' | 'CANCELLED',
    subjectRef?: string,
  ): Promise<ClockRow[]> {
    const rows: RawClock[] = await tx.query(
      `UPDATE legal_clock SET status = $3, stopped_at = $4
       WHERE case_id = $1 AND status IN ('RUNNING', 'BREACHED') AND ($2::text[] IS NULL OR kind = ANY($2::text[]))
         AND ($5::text IS NULL OR subject_ref = $5)
       RETURNING *`,
      [caseId, kinds === 'ALL' ? null : kinds, outcome, this.clock.now(), subjectRef ?? null],
    );
    for (const r of rows) await this.timers.cancelForSubject(tx, r.id);
    return rows.map(toClock);
  }

  async get(tx: EntityManager | DataSource, id: string, lock = false): Promise<ClockRow | null> {
    const rows: RawClock[] = await tx.query(`SELECT * FROM legal_clock WHERE id = $1 ${lock ? 'FOR UPDATE' : ''}`, [
      id,
    ]);
    return rows[0] ? toClock(rows[0]) : null;
  }

  async forCase(caseId: string): Promise<ClockRow[]> {
    const rows: RawClock[] = await this.dataSource.query(
      `SELECT * FROM legal_clock WHERE case_id = $1 ORDER BY started_at, id`,
      [caseId],
    );
    return rows.map(toClock);
  }

  async markStep(tx: EntityManager, id: string, step: number, status: ClockRow['status']): Promise<void> {
    await tx.query(`UPDATE legal_clock SET breach_step = GREATEST(breach_step, $2), status = $3 WHERE id = $1`, [
      id,
      step,
      status,
    ]);
  }
}
