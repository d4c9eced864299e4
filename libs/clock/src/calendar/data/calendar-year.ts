/** One year of the mainland-China working-day calendar, transcribed from the State Council's yearly notice. */
export interface CalendarYearData {
  year: number;
  /** True until the State Council has published that year's notice; the data then holds statutory days only. */
  provisional: boolean;
  /** The notice (or, for a provisional year, the rule) the data comes from. */
  source: string;
  /** Days off (放假/调休), YYYY-MM-DD, Asia/Shanghai; weekend days inside a holiday block are listed too. */
  holidays: string[];
  /** Make-up working days (调休上班) that fall on a Saturday or Sunday, YYYY-MM-DD. */
  workdays: string[];
}

/** Inclusive list of YYYY-MM-DD dates from `from` to `to`, so a holiday block reads as in the notice. */
export function dayRange(from: string, to: string): string[] {
  const out: string[] = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= end; t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  if (out.length === 0) throw new Error(`empty day range ${from}..${to}`);
  return out;
}
