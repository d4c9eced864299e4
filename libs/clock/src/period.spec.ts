import { WorkCalendar } from './calendar/work-calendar';
import { dueAt, formatPeriod, parsePeriod } from './period';

const cst = (local: string): Date => new Date(`${local}+08:00`);

describe('parsePeriod', () => {
  it.each([
    ['3wd', { amount: 3, unit: 'WORKING_DAYS' }],
    ['30d', { amount: 30, unit: 'CALENDAR_DAYS' }],
    ['24h', { amount: 24, unit: 'HOURS' }],
    ['4wh', { amount: 4, unit: 'WORKING_HOURS' }],
    [' 2 WD ', { amount: 2, unit: 'WORKING_DAYS' }],
    ['0.5wh', { amount: 0.5, unit: 'WORKING_HOURS' }],
  ])('%s', (s, expected) => {
    expect(parsePeriod(s)).toEqual(expected);
    expect(parsePeriod(formatPeriod(parsePeriod(s)))).toEqual(expected);
  });

  it.each(['', '3', 'wd', '3x', '-1h', '1.5d', '1.5wd', '3 days'])('rejects "%s"', (s) => {
    expect(() => parsePeriod(s)).toThrow(/not a period/);
  });
});

describe('dueAt', () => {
  const calendar = WorkCalendar.china();

  it('HOURS is exact elapsed time, holidays or not', () => {
    expect(dueAt(cst('2026-09-30T20:00:00'), parsePeriod('24h'), calendar)).toEqual(cst('2026-10-01T20:00:00'));
  });

  it('CALENDAR_DAYS: start day not counted, ends at 24:00 of the last day', () => {
    // 行政处罚法 Art. 60: 90 days from 立案 on 2026-03-02 -> 2026-05-31 is a Sunday -> Monday 2026-06-01
    expect(dueAt(cst('2026-03-02T10:00:00'), parsePeriod('90d'), calendar)).toEqual(cst('2026-06-01T23:59:59.999'));
    expect(dueAt(cst('2026-03-02T10:00:00'), parsePeriod('3d'), calendar)).toEqual(cst('2026-03-05T23:59:59.999'));
  });

  it('CALENDAR_DAYS whose last day is a holiday end on the next working day', () => {
    expect(dueAt(cst('2026-09-24T10:00:00'), parsePeriod('7d'), calendar)).toEqual(cst('2026-10-08T23:59:59.999'));
  });

  it('WORKING_DAYS and WORKING_HOURS use the calendar', () => {
    expect(dueAt(cst('2026-02-13T10:00:00'), parsePeriod('3wd'), calendar)).toEqual(cst('2026-02-25T23:59:59.999'));
    expect(dueAt(cst('2026-02-13T16:00:00'), parsePeriod('4wh'), calendar)).toEqual(cst('2026-02-14T11:00:00'));
    expect(dueAt(cst('2026-03-02T16:30:00'), parsePeriod('2wh'), calendar, { start: '08:30', end: '17:30' })).toEqual(
      cst('2026-03-03T09:30:00'),
    );
  });

  it('a zero period is due at once', () => {
    const start = cst('2026-03-02T10:00:00');
    expect(dueAt(start, { amount: 0, unit: 'WORKING_DAYS' }, calendar)).toEqual(start);
  });
});
