import { isParsableTime } from './iso-time';

describe(isParsableTime.name, () => {
  it.each([
    '2026-11-01T00:00:00.000Z',
    '2026-11-28T23:59:59.999Z',
    '0000-01-01T00:00:00.000Z',
    '9999-12-28T23:59:59.999Z',
    '2026-02-29T00:00:00.000Z',
    '2026-02-30T00:00:00.000Z',
    '2026-02-31T00:00:00.000Z',
    '2026-02-32T00:00:00.000Z',
    '2026-04-31T00:00:00.000Z',
    '2026-00-10T00:00:00.000Z',
    '2026-13-10T00:00:00.000Z',
    '2026-01-00T00:00:00.000Z',
    '2026-01-10T24:00:00.000Z',
    '2026-01-10T24:00:01.000Z',
    '2026-01-10T23:60:00.000Z',
    '2026-01-10T23:59:60.000Z',
    '2026-01-1aT00:00:00.000Z',
    '2026-01-10T00:00:00.0a0Z',
    '2026-01-10 00:00:00.000Z',
    '2026-01-10T00:00:00.000+',
    '-026-01-10T00:00:00.000Z',
    '2026-01-10T00:00:00Z',
    '2026-01-10T00:00:00.000+08:00',
    '2026-01-10',
    '2026/01/10 08:00',
    'Tue, 10 Nov 2026 08:00:00 GMT',
    'not a time',
    '',
  ])('agrees with Date.parse on %j', (s) => {
    expect(isParsableTime(s)).toBe(!Number.isNaN(Date.parse(s)));
  });

  it('agrees with Date.parse on every day, hour and minute of the fast form', () => {
    for (let ms = Date.UTC(2024, 0, 1); ms < Date.UTC(2025, 0, 1); ms += 3_600_000 + 61_001) {
      const s = new Date(ms).toISOString();
      expect(isParsableTime(s)).toBe(true);
    }
  });
});
