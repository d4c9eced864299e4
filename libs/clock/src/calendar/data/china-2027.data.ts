import { CalendarYearData } from './calendar-year';

/**
 * PROVISIONAL. The 2027 notice (国务院办公厅关于2027年部分节假日安排的通知, usually published in November of the
 * year before) was not available when this file was written. Until it is transcribed here, 2027 holds only the
 * statutory holidays fixed by 全国年节及纪念日放假办法 (2024 revision, Art. 2): 元旦 1 day, 春节 4 days (除夕 to 初三),
 * 清明 1 day, 劳动节 2 days, 端午 1 day, 中秋 1 day, 国庆 3 days — no 调休 blocks and no make-up working days.
 * Expect the published schedule to add days off (the in-lieu days for 2/6, 2/7 and 10/2, 10/3, which fall on a
 * weekend, and the bridging days of the 8-day 春节 and 7-day 国庆 blocks) and weekend make-up working days.
 * Lunar dates: 春节 (正月初一) 2027-02-06, per the astronomical new moon of 2027-02-06 ≈23:56 Beijing time (ICU's
 * Chinese calendar puts it one day later; the official almanac of the Purple Mountain Observatory governs);
 * 端午 (五月初五) 2027-06-09; 中秋 (八月十五) 2027-09-15; 清明 solar term 2027-04-05.
 * Replace this file with the notice's data and set `provisional: false`.
 */
export const CHINA_2027: CalendarYearData = {
  year: 2027,
  provisional: true,
  source: '全国年节及纪念日放假办法 (2024年修订) 第二条: statutory days only, pending the 2027 State Council notice',
  holidays: [
    '2027-01-01', // 元旦
    '2027-02-05', // 除夕
    '2027-02-06', // 春节 正月初一
    '2027-02-07', // 正月初二
    '2027-02-08', // 正月初三
    '2027-04-05', // 清明节
    '2027-05-01', // 劳动节
    '2027-05-02', // 劳动节
    '2027-06-09', // 端午节
    '2027-09-15', // 中秋节
    '2027-10-01', // 国庆节
    '2027-10-02', // 国庆节
    '2027-10-03', // 国庆节
  ],
  workdays: [],
};
