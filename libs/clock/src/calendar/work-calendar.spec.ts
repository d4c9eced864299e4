import { CHINA_CALENDAR_YEARS } from './data';
import { WorkCalendar, shanghaiDate } from './work-calendar';

/** An instant given as Asia/Shanghai local time. */
const cst = (local: string): Date => new Date(`${local}+08:00`);
const endOf = (date: string): Date => cst(`${date}T23:59:59.999`);

describe(WorkCalendar.name, () => {
  const sut = WorkCalendar.china();

  describe('isWorkingDay', () => {
    it.each([
      ['2026-03-02T10:00:00', true, 'ordinary Monday'],
      ['2026-03-07T10:00:00', false, 'ordinary Saturday'],
      ['2026-02-14T10:00:00', true, '2026 春节 调休 Saturday'],
      ['2026-02-28T10:00:00', true, '2026 春节 调休 Saturday'],
      ['2026-02-16T10:00:00', false, '2026 除夕 (Monday)'],
      ['2026-02-23T10:00:00', false, '2026 正月初七 (Monday)'],
      ['2026-10-07T10:00:00', false, '2026 国庆 last day (Wednesday)'],
      ['2026-10-10T10:00:00', true, '2026 国庆 调休 Saturday'],
      ['2026-09-20T10:00:00', true, '2026 国庆 调休 Sunday'],
      ['2025-01-26T10:00:00', true, '2025 春节 调休 Sunday'],
      ['2025-10-08T10:00:00', false, '2025 国庆中秋 8th day'],
      ['2027-02-08T10:00:00', false, '2027 正月初三 (provisional)'],
    ])('%s is working: %s (%s)', (local, expected) => {
      expect(sut.isWorkingDay(cst(local))).toBe(expected);
    });

    it('uses the Shanghai date, not the UTC date', () => {
      // 2026-03-01T17:00Z is Monday 01:00 in Shanghai, but still Sunday in UTC.
      expect(sut.isWorkingDay(new Date('2026-03-01T17:00:00Z'))).toBe(true);
      expect(shanghaiDate(new Date('2026-03-01T17:00:00Z'))).toBe('2026-03-02');
    });
  });

  describe('addWorkingDays', () => {
    it('does not count the start day and ends at 23:59:59.999 +08:00 of the last working day', () => {
      expect(sut.addWorkingDays(cst('2026-03-02T09:00:00'), 1)).toEqual(endOf('2026-03-03'));
      expect(sut.addWorkingDays(cst('2026-03-02T23:59:00'), 3)).toEqual(endOf('2026-03-05'));
    });

    it('starting on a weekend counts from the next working day', () => {
      expect(sut.addWorkingDays(cst('2026-03-01T23:00:00'), 1)).toEqual(endOf('2026-03-02'));
    });

    it('skips weekends', () => {
      expect(sut.addWorkingDays(cst('2026-03-06T10:00:00'), 1)).toEqual(endOf('2026-03-09'));
      expect(sut.addWorkingDays(cst('2026-03-06T10:00:00'), 7)).toEqual(endOf('2026-03-17'));
    });

    it('skips the 2026 Spring Festival golden week and counts its 调休 Saturdays', () => {
      expect(sut.addWorkingDays(cst('2026-02-13T10:00:00'), 1)).toEqual(endOf('2026-02-14')); // 调休 Saturday
      expect(sut.addWorkingDays(cst('2026-02-13T10:00:00'), 2)).toEqual(endOf('2026-02-24'));
      expect(sut.addWorkingDays(cst('2026-02-14T10:00:00'), 1)).toEqual(endOf('2026-02-24'));
      // 2/24–2/27 (4) then the 调休 Saturday 2/28 is the 5th working day
      expect(sut.addWorkingDays(cst('2026-02-20T10:00:00'), 5)).toEqual(endOf('2026-02-28'));
    });

    it('skips the 2026 National Day golden week', () => {
      expect(sut.addWorkingDays(cst('2026-09-30T16:00:00'), 1)).toEqual(endOf('2026-10-08'));
      expect(sut.addWorkingDays(cst('2026-09-30T16:00:00'), 3)).toEqual(endOf('2026-10-10')); // 10/8, 10/9, 调休 10/10
      expect(sut.addWorkingDays(cst('2026-09-18T10:00:00'), 1)).toEqual(endOf('2026-09-20')); // 调休 Sunday
    });

    it('7 working days for 先行登记保存 across 2025 National Day', () => {
      // 9/29, 9/30, 10/9, 10/10, 10/11 (调休 Sat), 10/13, 10/14
      expect(sut.addWorkingDays(cst('2025-09-28T15:00:00'), 7)).toEqual(endOf('2025-10-14'));
    });

    it('returns the start for 0 and rejects negative or fractional counts', () => {
      const start = cst('2026-03-02T09:00:00');
      expect(sut.addWorkingDays(start, 0)).toEqual(start);
      expect(() => sut.addWorkingDays(start, -1)).toThrow(/non-negative integer/);
      expect(() => sut.addWorkingDays(start, 1.5)).toThrow(/non-negative integer/);
    });
  });

  describe('addWorkingHours', () => {
    it('counts within one morning', () => {
      expect(sut.addWorkingHours(cst('2026-03-02T09:30:00'), 2)).toEqual(cst('2026-03-02T11:30:00'));
    });

    it('skips the lunch break', () => {
      expect(sut.addWorkingHours(cst('2026-03-02T11:00:00'), 2)).toEqual(cst('2026-03-02T15:00:00'));
      expect(sut.addWorkingHours(cst('2026-03-02T12:30:00'), 1)).toEqual(cst('2026-03-02T15:00:00'));
    });

    it('carries over night into the next morning', () => {
      expect(sut.addWorkingHours(cst('2026-03-02T17:00:00'), 2)).toEqual(cst('2026-03-03T10:00:00'));
      expect(sut.addWorkingHours(cst('2026-03-02T20:00:00'), 1)).toEqual(cst('2026-03-03T10:00:00'));
    });

    it('starts at opening time when the start is before office hours', () => {
      expect(sut.addWorkingHours(cst('2026-03-02T07:00:00'), 1)).toEqual(cst('2026-03-02T10:00:00'));
    });

    it('ends exactly at closing time rather than the next morning', () => {
      expect(sut.addWorkingHours(cst('2026-03-02T09:00:00'), 7)).toEqual(cst('2026-03-02T18:00:00'));
    });

    it('carries over a weekend', () => {
      expect(sut.addWorkingHours(cst('2026-03-06T17:30:00'), 1)).toEqual(cst('2026-03-09T09:30:00'));
      expect(sut.addWorkingHours(cst('2026-03-07T10:00:00'), 4)).toEqual(cst('2026-03-09T15:00:00'));
    });

    it('uses the 调休 Saturday and skips the golden week', () => {
      expect(sut.addWorkingHours(cst('2026-02-13T16:00:00'), 4)).toEqual(cst('2026-02-14T11:00:00'));
      expect(sut.addWorkingHours(cst('2026-09-30T17:00:00'), 2)).toEqual(cst('2026-10-08T10:00:00'));
    });

    it('accepts other office hours, with or without lunch', () => {
      const noLunch = { start: '08:30', end: '17:30' };
      expect(sut.addWorkingHours(cst('2026-03-02T16:30:00'), 2, noLunch)).toEqual(cst('2026-03-03T09:30:00'));
      expect(() => sut.addWorkingHours(cst('2026-03-02T16:30:00'), 2, { start: '18:00', end: '09:00' })).toThrow(
        /after start/,
      );
      expect(() => sut.addWorkingHours(cst('2026-03-02T16:30:00'), 2, { start: '9:00', end: '18:00' })).toThrow(
        /HH:mm/,
      );
    });

    it('handles fractional hours and rejects negative ones', () => {
      expect(sut.addWorkingHours(cst('2026-03-02T11:45:00'), 0.5)).toEqual(cst('2026-03-02T14:15:00'));
      expect(() => sut.addWorkingHours(cst('2026-03-02T11:45:00'), -1)).toThrow(/non-negative/);
    });
  });

  describe('data', () => {
    it('accepts overrides from plain lists', () => {
      const custom = new WorkCalendar({ holidays: ['2026-03-03'], workdays: ['2026-03-07'] });
      expect(custom.isWorkingDay(cst('2026-03-03T10:00:00'))).toBe(false);
      expect(custom.isWorkingDay(cst('2026-03-07T10:00:00'))).toBe(true);
      expect(custom.addWorkingDays(cst('2026-03-02T10:00:00'), 1)).toEqual(endOf('2026-03-04'));
    });

    it('rejects malformed or contradictory data', () => {
      expect(() => new WorkCalendar({ holidays: ['2026-3-3'], workdays: [] })).toThrow(/YYYY-MM-DD/);
      expect(() => new WorkCalendar({ holidays: ['2026-03-07'], workdays: ['2026-03-07'] })).toThrow(/both/);
    });

    it('marks 2027 provisional and 2025/2026 published', () => {
      expect(sut.coverage.years).toEqual([2025, 2026, 2027]);
      expect(sut.coverage.provisionalYears).toEqual([2027]);
    });

    it.each(CHINA_CALENDAR_YEARS.map((y) => [y.year, y] as const))(
      '%s: make-up working days fall on weekends, data stays in its year',
      (year, y) => {
        for (const d of y.workdays) expect([0, 6]).toContain(new Date(`${d}T00:00:00Z`).getUTCDay());
        for (const d of [...y.holidays, ...y.workdays]) expect(d.startsWith(`${year}-`)).toBe(true);
      },
    );

    it('has the published 2025 and 2026 holiday counts', () => {
      const count = (year: number) => CHINA_CALENDAR_YEARS.find((y) => y.year === year)!.holidays.length;
      // 2025: 1 + 8 + 3 + 5 + 3 + 8; 2026: 3 + 9 + 3 + 5 + 3 + 3 + 7
      expect(count(2025)).toBe(28);
      expect(count(2026)).toBe(33);
    });
  });
});
