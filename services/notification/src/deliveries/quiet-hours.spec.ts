import { inQuietHours, localDate, nextLocalTime, sendNotBefore } from './quiet-hours';

const q = { start: '22:00', end: '07:00' };
const at = (local: string) => new Date(`${local}+08:00`);

describe('quiet hours (Asia/Shanghai)', () => {
  it('knows the window across midnight', () => {
    expect(inQuietHours(at('2026-03-16T21:59:00'), q)).toBe(false);
    expect(inQuietHours(at('2026-03-16T22:00:00'), q)).toBe(true);
    expect(inQuietHours(at('2026-03-17T03:00:00'), q)).toBe(true);
    expect(inQuietHours(at('2026-03-17T07:00:00'), q)).toBe(false);
    expect(inQuietHours(at('2026-03-17T03:00:00'), { start: '00:00', end: '00:00' })).toBe(false);
    expect(inQuietHours(at('2026-03-17T13:00:00'), { start: '12:00', end: '14:00' })).toBe(true);
  });

  it('holds non-urgent messages until 07:00 local, the same night or the next morning', () => {
    expect(sendNotBefore(at('2026-03-16T23:30:00'), q, false)).toEqual(at('2026-03-17T07:00:00'));
    expect(sendNotBefore(at('2026-03-17T05:10:00'), q, false)).toEqual(at('2026-03-17T07:00:00'));
    expect(sendNotBefore(at('2026-03-17T12:00:00'), q, false)).toBeNull();
  });

  it('lets urgent messages (breaches, red band) through at any hour', () => {
    expect(sendNotBefore(at('2026-03-16T23:30:00'), q, true)).toBeNull();
  });

  it('computes local dates and the next local time of day', () => {
    expect(localDate(new Date('2026-03-16T17:00:00Z'))).toBe('2026-03-17');
    expect(nextLocalTime(at('2026-03-17T08:00:00'), '08:00')).toEqual(at('2026-03-17T08:00:00'));
    expect(nextLocalTime(at('2026-03-17T08:01:00'), '08:00')).toEqual(at('2026-03-18T08:00:00'));
  });
});
