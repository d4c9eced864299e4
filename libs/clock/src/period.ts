import { DEFAULT_OFFICE_HOURS, OfficeHours, WorkCalendar } from './calendar/work-calendar';

export type PeriodUnit = 'HOURS' | 'CALENDAR_DAYS' | 'WORKING_DAYS' | 'WORKING_HOURS';

/** A time limit as data (e.g. in an SLA table or a legal clock definition). */
export interface Period {
  amount: number;
  unit: PeriodUnit;
}

const SUFFIX_TO_UNIT: Record<string, PeriodUnit> = {
  h: 'HOURS',
  d: 'CALENDAR_DAYS',
  wd: 'WORKING_DAYS',
  wh: 'WORKING_HOURS',
};
const UNIT_TO_SUFFIX: Record<PeriodUnit, string> = {
  HOURS: 'h',
  CALENDAR_DAYS: 'd',
  WORKING_DAYS: 'wd',
  WORKING_HOURS: 'wh',
};
const PERIOD_RE = /^\s*(\d+(?:\.\d+)?)\s*(wd|wh|d|h)\s*$/i;

/**
 * Parses "24h" (hours), "30d" (calendar days), "3wd" (working days), "4wh" (working hours). Day units take whole
 * numbers; hour units may be fractional ("0.5wh"). Throws on anything else, naming the input.
 */
export function parsePeriod(s: string): Period {
  const m = PERIOD_RE.exec(s);
  if (!m) throw new Error(`not a period: "${s}" (expected e.g. 24h, 30d, 3wd, 4wh)`);
  const unit = SUFFIX_TO_UNIT[m[2]!.toLowerCase()]!;
  const amount = Number(m[1]);
  if ((unit === 'CALENDAR_DAYS' || unit === 'WORKING_DAYS') && !Number.isInteger(amount)) {
    throw new Error(`not a period: "${s}" (days must be whole numbers)`);
  }
  return { amount, unit };
}

/** The inverse of parsePeriod ("3wd"). */
export function formatPeriod(p: Period): string {
  return `${p.amount}${UNIT_TO_SUFFIX[p.unit]}`;
}

/**
 * The instant a period that starts at `start` runs out:
 * - HOURS: exactly start + amount hours (e.g. 移送 "24 小时内"), no calendar involved.
 * - CALENDAR_DAYS: start day not counted; ends 23:59:59.999 +08:00 of the amount-th following day; if that day is
 *   not a working day, the period ends with the next working day instead (民法典 Art. 201, 203).
 * - WORKING_DAYS: calendar.addWorkingDays (start day not counted, end of the n-th working day; 行政处罚法 Art. 85).
 * - WORKING_HOURS: calendar.addWorkingHours with the given office hours (default 09:00-12:00, 14:00-18:00).
 * amount 0 returns `start` for every unit.
 */
export function dueAt(
  start: Date,
  period: Period,
  calendar: WorkCalendar,
  officeHours: OfficeHours = DEFAULT_OFFICE_HOURS,
): Date {
  if (!Number.isFinite(period.amount) || period.amount < 0)
    throw new Error(`period amount must be >= 0, got ${period.amount}`);
  if (period.amount === 0) return new Date(start.getTime());
  switch (period.unit) {
    case 'HOURS':
      return new Date(start.getTime() + Math.round(period.amount * 3_600_000));
    case 'CALENDAR_DAYS': {
      if (!Number.isInteger(period.amount)) throw new Error(`calendar days must be whole, got ${period.amount}`);
      const lastDay = new Date(start.getTime() + period.amount * 86_400_000);
      return calendar.endOfWorkingDayOnOrAfter(lastDay);
    }
    case 'WORKING_DAYS':
      return calendar.addWorkingDays(start, period.amount);
    case 'WORKING_HOURS':
      return calendar.addWorkingHours(start, period.amount, officeHours);
    default: {
      const never: never = period.unit;
      throw new Error(`unknown period unit ${String(never)}`);
    }
  }
}
