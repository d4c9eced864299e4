import { WorkCalendar } from '@outpost/clock';

/** Injection token of the working-day calendar (WorkCalendar.china(): holidays and 调休 as yearly data). */
export const WORK_CALENDAR = Symbol('WORK_CALENDAR');
export const defaultCalendar = (): WorkCalendar => WorkCalendar.china();

export const TIMER_KIND = { reminder: 'assessment.sla-reminder', step: 'assessment.sla-step' } as const;
/** Ladder: 1 assignee → 2 pair partner + street responsible person → 3 district supervisor. */
export const LAST_LADDER_STEP = 3;
