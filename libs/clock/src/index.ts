export * from './clock';
export * from './calendar/work-calendar';
export { CHINA_CALENDAR_YEARS, CalendarYearData } from './calendar/data';
export * from './period';
