const digit = (s: string, i: number): number => {
  const d = s.charCodeAt(i) - 0x30;
  return d >= 0 && d <= 9 ? d : -1000;
};
const two = (s: string, i: number): number => digit(s, i) * 10 + digit(s, i + 1);

/**
 * `!Number.isNaN(Date.parse(s))`, answered without the parser for the form every bank export and `toISOString` use
 * (`YYYY-MM-DDTHH:mm:ss.sssZ`): Date.parse costs about as much as screening a short field. Only values that are
 * certainly valid take the fast path (days up to 28, so no month-length question); anything else asks Date.parse.
 */
export function isParsableTime(s: string): boolean {
  if (
    s.length === 24 &&
    s.charCodeAt(4) === 0x2d &&
    s.charCodeAt(7) === 0x2d &&
    s.charCodeAt(10) === 0x54 &&
    s.charCodeAt(13) === 0x3a &&
    s.charCodeAt(16) === 0x3a &&
    s.charCodeAt(19) === 0x2e &&
    s.charCodeAt(23) === 0x5a &&
    two(s, 0) >= 0 &&
    two(s, 2) >= 0 &&
    digit(s, 20) + digit(s, 21) + digit(s, 22) >= 0
  ) {
    const month = two(s, 5);
    const day = two(s, 8);
    const hour = two(s, 11);
    const minute = two(s, 14);
    const second = two(s, 17);
    if (
      month >= 1 &&
      month <= 12 &&
      day >= 1 &&
      day <= 28 &&
      hour >= 0 &&
      hour <= 23 &&
      minute >= 0 &&
      minute <= 59 &&
      second >= 0 &&
      second <= 59
    )
      return true;
  }
  return !Number.isNaN(Date.parse(s));
}
