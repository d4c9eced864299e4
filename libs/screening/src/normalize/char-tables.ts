import { Converter } from 'opencc-js';

/** Character kinds after mapping: keep it, drop it (separator), or drop it and start a new clause. */
export const KEEP = 0;
export const SKIP = 1;
export const CLAUSE = 2;

/**
 * Lookup tables over all UTF-16 code units, built once per process:
 * - MAP: full-width → half-width, upper → lower latin, Traditional → Simplified (single characters, derived from
 *   opencc-js hk→cn and tw→cn once at start-up, so the hot loop is one array read per character);
 * - KIND: whitespace, punctuation, symbols and zero-width characters are SKIP; clause delimiters are CLAUSE.
 * Multi-character phrase conversions are deliberately not applied: terms are short and the single-character map
 * covers them, and a phrase pass would cost a second scan.
 */
export interface CharTables {
  readonly map: Uint16Array;
  readonly kind: Uint8Array;
}

let t2s: Uint16Array | null = null;

/** Traditional → Simplified single-character map (identity where OpenCC has no single-character conversion). */
export function traditionalToSimplifiedMap(): Uint16Array {
  if (t2s) return t2s;
  const map = new Uint16Array(0x10000);
  for (let c = 0; c < 0x10000; c++) map[c] = c;
  const chars: string[] = [];
  const ranges: Array<[number, number]> = [
    [0x3400, 0x4dbf],
    [0x4e00, 0x9fff],
    [0xf900, 0xfaff],
  ];
  for (const [lo, hi] of ranges) for (let c = lo; c <= hi; c++) chars.push(String.fromCharCode(c));
  // One conversion per preset over a newline-separated list: newlines stop phrase matching across characters.
  const input = chars.join('\n');
  const outs = [
    Converter({ from: 'hk', to: 'cn' })(input).split('\n'),
    Converter({ from: 'tw', to: 'cn' })(input).split('\n'),
  ];
  for (const out of outs) {
    if (out.length !== chars.length) throw new Error('opencc-js changed the number of lines; cannot derive the map');
    for (let i = 0; i < chars.length; i++) {
      const src = chars[i].charCodeAt(0);
      const dst = out[i];
      // Only single BMP characters; a surrogate pair result cannot live in a code-unit table.
      if (dst.length === 1 && map[src] === src) map[src] = dst.charCodeAt(0);
    }
  }
  t2s = map;
  return map;
}

export function buildCharTables(clauseDelimiters: string): CharTables {
  const map = new Uint16Array(traditionalToSimplifiedMap());
  // Full-width ASCII variants → ASCII; ideographic space → space.
  for (let c = 0xff01; c <= 0xff5e; c++) map[c] = c - 0xfee0;
  map[0x3000] = 0x20;
  // Lower-case latin after the width fold (so Ａ → A → a).
  for (let c = 0; c < 0x10000; c++) {
    const m = map[c];
    if (m >= 0x41 && m <= 0x5a) map[c] = m + 0x20;
  }
  const kind = new Uint8Array(0x10000);
  const skip = (lo: number, hi: number): void => {
    for (let c = lo; c <= hi; c++) kind[c] = SKIP;
  };
  skip(0x00, 0x2f); // controls, space, ASCII punctuation and symbols
  skip(0x3a, 0x40);
  skip(0x5b, 0x60);
  skip(0x7b, 0x7f);
  skip(0x80, 0xbf); // C1 controls, NBSP, Latin-1 punctuation (·, «», soft hyphen …)
  kind[0xd7] = SKIP;
  kind[0xf7] = SKIP;
  skip(0x2000, 0x206f); // general punctuation incl. zero-width space/joiners, word joiner, …
  skip(0x2190, 0x21ff); // arrows
  skip(0x2500, 0x27bf); // box drawing, shapes, dingbats
  skip(0x3000, 0x303f); // CJK symbols and punctuation
  skip(0x30fb, 0x30fc); // katakana middle dot, prolonged sound mark used as a dash
  skip(0xfe10, 0xfe1f); // vertical forms
  skip(0xfe30, 0xfe6f); // CJK compatibility / small form variants
  kind[0xfeff] = SKIP; // BOM / zero-width no-break space
  skip(0xff5f, 0xff65); // half-width CJK punctuation
  kind[0x180e] = SKIP; // Mongolian vowel separator (zero width)
  // Kinds are looked up on the mapped character, so full-width punctuation is covered by the ASCII ranges.
  for (const ch of clauseDelimiters) kind[map[ch.charCodeAt(0)]] = CLAUSE;
  return { map, kind };
}

const cache = new Map<string, CharTables>();

/** Tables per set of clause delimiters, shared by every engine that uses the same set. */
export function charTablesFor(clauseDelimiters: string): CharTables {
  let t = cache.get(clauseDelimiters);
  if (!t) {
    t = buildCharTables(clauseDelimiters);
    cache.set(clauseDelimiters, t);
  }
  return t;
}
