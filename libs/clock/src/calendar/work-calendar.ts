import { CHINA_CALENDAR_YEARS } from './data';

/** Mainland China keeps one offset all year (no DST), so local dates are UTC + 8 h. */
export const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const HHMM_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;
/** A calendar walk longer than this means bad input (e.g. a data set declaring every day a holiday). */
const MAX_WALK_DAYS = 3660;

/** Office hours for WORKING_HOURS periods, local (Asia/Shanghai) HH:mm. */
export interface OfficeHours {
  start: string;
  end: string;
  /** Lunch break inside [start, end], not counted. */
  lunch?: [string, string];
}

/** 09:00–12:00 and 14:00–18:00 (7 counted hours a working day), the usual government office day. */
export const DEFAULT_OFFICE_HOURS: OfficeHours = { start: '09:00', end: '18:00', lunch: ['12:00', '14:00'] };

export interface WorkCalendarData {
  /** Days off (YYYY-MM-DD, local) even if they are Monday–Friday. */
  holidays: string[];
  /** Make-up working days (调休上班, YYYY-MM-DD, local) even if they are Saturday/Sunday. */
  workdays: string[];
  /** Years the data covers (informational: outside them only weekends are days off). */
  years?: number[];
  /** Covered years whose data is not yet the published schedule. */
  provisionalYears?: number[];
}

/** Local calendar date (Asia/Shanghai) of an instant, as YYYY-MM-DD. */
export function shanghaiDate(d: Date): string {
  return new Date(d.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

/** Local time (Asia/Shanghai) of an instant as people read it: YYYY-MM-DD HH:mm. */
export function shanghaiDateTime(d: Date | string): string {
  const t = new Date(d).getTime();
  return Number.isNaN(t) ? '' : new Date(t + SHANGHAI_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ');
}

/** The instant local midnight (00:00 +08:00) of a YYYY-MM-DD date starts. */
function dayStart(date: string): number {
  return Date.parse(`${date}T00:00:00Z`) - SHANGHAI_OFFSET_MS;
}

function minutesOf(hhmm: string, what: string): number {
  const m = HHMM_RE.exec(hhmm);
  if (!m) throw new Error(`${what} must be HH:mm (00:00-23:59), got "${hhmm}"`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/**
 * Working-day calendar for mainland China (Asia/Shanghai): Saturdays and Sundays off, plus the State Council's
 * yearly holidays (放假) and make-up working days (调休上班) as data.
 *
 * Counting rules (chosen to match the legal texts; all instants are absolute, local dates are +08:00):
 * - addWorkingDays: the day the period starts is never counted (行政处罚法 Art. 85 "期间开始的日，不计算在内";
 *   民法典 Art. 201), even when the start is a working day; the period ends at the last instant of the n-th
 *   following working day, 23:59:59.999 +08:00 (民法典 Art. 203: "最后一日的截止时间为二十四时").
 * - addWorkingHours: only time inside office hours on working days counts; the start instant itself counts from
 *   where it is (a start at 10:30 on a working day has 1.5 h left before lunch).
 */
export class WorkCalendar {
  private readonly holidays: ReadonlySet<string>;
  private readonly workdays: ReadonlySet<string>;
  /** Years with data, and which of them are provisional (not yet the published schedule). */
  readonly coverage: { years: readonly number[]; provisionalYears: readonly number[] };

  /** The built-in mainland-China calendar (2025, 2026 published; 2027 provisional — see its data file). */
  static china(): WorkCalendar {
    return new WorkCalendar({
      holidays: CHINA_CALENDAR_YEARS.flatMap((y) => y.holidays),
      workdays: CHINA_CALENDAR_YEARS.flatMap((y) => y.workdays),
      years: CHINA_CALENDAR_YEARS.map((y) => y.year),
      provisionalYears: CHINA_CALENDAR_YEARS.filter((y) => y.provisional).map((y) => y.year),
    });
  }

  constructor(data: WorkCalendarData) {
    for (const d of [...data.holidays, ...data.workdays]) {
      if (!DATE_RE.test(d) || Number.isNaN(Date.parse(`${d}T00:00:00Z`)))
        throw new Error(`not a YYYY-MM-DD date: "${d}"`);
    }
    const clash = data.holidays.find((d) => data.workdays.includes(d));
    if (clash) throw new Error(`${clash} is listed both as a holiday and as a make-up working day`);
    this.holidays = new Set(data.holidays);
    this.workdays = new Set(data.workdays);
    this.coverage = { years: [...(data.years ?? [])], provisionalYears: [...(data.provisionalYears ?? [])] };
  }

  /** Whether the local (Asia/Shanghai) date of `d` is a working day. */
  isWorkingDay(d: Date): boolean {
    return this.isWorkingDate(shanghaiDate(d));
  }

  /** Same as isWorkingDay for a local YYYY-MM-DD date. */
  isWorkingDate(date: string): boolean {
    if (this.workdays.has(date)) return true;
    if (this.holidays.has(date)) return false;
    const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
    return dow !== 0 && dow !== 6;
  }

  /**
   * End of the n-th working day after the day of `start` (start day not counted): 23:59:59.999 +08:00.
   * n = 0 returns `start` unchanged. n must be a non-negative integer.
   */
  addWorkingDays(start: Date, n: number): Date {
    if (!Number.isInteger(n) || n < 0) throw new Error(`working days must be a non-negative integer, got ${n}`);
    if (n === 0) return new Date(start.getTime());
    let date = shanghaiDate(start);
    let left = n;
    for (let i = 0; i < MAX_WALK_DAYS + n; i++) {
      date = nextDate(date);
      if (this.isWorkingDate(date) && --left === 0) return new Date(dayStart(date) + DAY_MS - 1);
    }
    throw new Error(`no ${n} working days found after ${start.toISOString()}`);
  }

  /**
   * End of the first working day on or after the local date of `d` (23:59:59.999 +08:00): where a period's last day
   * is a holiday, the next working day is the last day (民法典 Art. 203 para. 1).
   */
  endOfWorkingDayOnOrAfter(d: Date): Date {
    let date = shanghaiDate(d);
    for (let i = 0; i < MAX_WALK_DAYS; i++, date = nextDate(date)) {
      if (this.isWorkingDate(date)) return new Date(dayStart(date) + DAY_MS - 1);
    }
    throw new Error(`no working day found after ${d.toISOString()}`);
  }

  /**
   * The instant at which `hours` of office time have elapsed after `start`, counting only office hours
   * (default 09:00–12:00, 14:00–18:00 +08:00) on working days. A result that lands exactly on the end of a
   * segment stays there (18:00), it does not roll to the next morning. hours = 0 returns `start`.
   */
  addWorkingHours(start: Date, hours: number, officeHours: OfficeHours = DEFAULT_OFFICE_HOURS): Date {
    if (!Number.isFinite(hours) || hours < 0)
      throw new Error(`working hours must be a non-negative number, got ${hours}`);
    let left = Math.round(hours * 3_600_000);
    if (left === 0) return new Date(start.getTime());
    const segments = officeSegments(officeHours);
    const from = start.getTime();
    let date = shanghaiDate(start);
    for (let i = 0; i < MAX_WALK_DAYS + Math.ceil(hours / 24) * 7; i++, date = nextDate(date)) {
      if (!this.isWorkingDate(date)) continue;
      const base = dayStart(date);
      for (const [s, e] of segments) {
        const segStart = Math.max(base + s * 60_000, from);
        const segEnd = base + e * 60_000;
        if (segEnd <= segStart) continue;
        if (segEnd - segStart >= left) return new Date(segStart + left);
        left -= segEnd - segStart;
      }
    }
    throw new Error(`no ${hours} working hours found after ${start.toISOString()}`);
  }
}

function nextDate(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
}

/** Office hours as [startMinute, endMinute) segments of the local day. */
function officeSegments(o: OfficeHours): Array<[number, number]> {
  const start = minutesOf(o.start, 'office hours start');
  const end = minutesOf(o.end, 'office hours end');
  if (end <= start) throw new Error(`office hours end ${o.end} must be after start ${o.start}`);
  if (!o.lunch) return [[start, end]];
  const ls = minutesOf(o.lunch[0], 'lunch start');
  const le = minutesOf(o.lunch[1], 'lunch end');
  if (!(start <= ls && ls < le && le <= end))
    throw new Error(`lunch ${o.lunch.join('-')} must lie inside ${o.start}-${o.end}`);
  return [
    [start, ls],
    [le, end],
  ].filter(([a, b]) => b > a) as Array<[number, number]>;
}
