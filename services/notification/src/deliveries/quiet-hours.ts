/**
 * Quiet hours and digest times in Asia/Shanghai. China has observed no daylight saving since 1991, so local time is
 * UTC+8 all year: plain arithmetic, no tz database needed.
 */
const OFFSET_MS = 8 * 3600_000;
const DAY_MS = 24 * 3600_000;

const minutes = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
};

/** Minutes since local midnight. */
export function localMinuteOfDay(at: Date): number {
  return Math.floor(((at.getTime() + OFFSET_MS) % DAY_MS) / 60_000);
}

/** The local calendar date (YYYY-MM-DD) of an instant. */
export function localDate(at: Date): string {
  return new Date(at.getTime() + OFFSET_MS).toISOString().slice(0, 10);
}

/** The next instant (strictly after `at`, or at `at` itself when it is exactly that minute) whose local time is hh:mm. */
export function nextLocalTime(at: Date, hhmm: string): Date {
  const local = at.getTime() + OFFSET_MS;
  const midnight = local - (local % DAY_MS);
  let candidate = midnight + minutes(hhmm) * 60_000;
  if (candidate < local) candidate += DAY_MS;
  return new Date(candidate - OFFSET_MS);
}

export interface QuietHours {
  start: string;
  end: string;
}

/** Whether `at` falls in the quiet window [start, end) (wrapping midnight when start > end; start = end: never). */
export function inQuietHours(at: Date, q: QuietHours): boolean {
  const s = minutes(q.start);
  const e = minutes(q.end);
  if (s === e) return false;
  const m = localMinuteOfDay(at);
  return s < e ? m >= s && m < e : m >= s || m < e;
}

/**
 * When a message created at `at` may go out: now for urgent items and outside quiet hours, else the end of the quiet
 * window. Returns null for "now".
 */
export function sendNotBefore(at: Date, q: QuietHours, urgent: boolean): Date | null {
  if (urgent || !inQuietHours(at, q)) return null;
  return nextLocalTime(at, q.end);
}
