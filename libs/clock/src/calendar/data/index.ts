import { CalendarYearData } from './calendar-year';
import { CHINA_2025 } from './china-2025.data';
import { CHINA_2026 } from './china-2026.data';
import { CHINA_2027 } from './china-2027.data';

export { dayRange } from './calendar-year';
export type { CalendarYearData } from './calendar-year';

/** Built-in mainland-China calendar data, one entry per year (add a file per year as notices are published). */
export const CHINA_CALENDAR_YEARS: readonly CalendarYearData[] = [CHINA_2025, CHINA_2026, CHINA_2027];
