/**
 * Minimal RFC 4180 CSV reader: quoted fields, doubled quotes, CRLF/LF, a header row. Returns one object per data row
 * keyed by header, with the 1-based line number of the row (for per-row errors).
 */
export function parseCsv(text: string): Array<{ line: number; values: Record<string, string> }> {
  const rows: string[][] = [];
  const lines: number[] = [];
  let field = '';
  let row: string[] = [];
  let quoted = false;
  let line = 1;
  let rowStart = 1;
  const src = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (quoted) {
      if (c === '"' && src[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        field += c;
      }
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && src[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      if (row.some((v) => v.trim() !== '')) {
        rows.push(row);
        lines.push(rowStart);
      }
      row = [];
      line++;
      rowStart = line;
    } else field += c;
  }
  row.push(field);
  if (row.some((v) => v.trim() !== '')) {
    rows.push(row);
    lines.push(rowStart);
  }
  if (rows.length === 0) return [];
  const header = rows[0]!.map((h) => h.trim());
  return rows.slice(1).map((r, i) => ({
    line: lines[i + 1]!,
    values: Object.fromEntries(header.map((h, j) => [h, (r[j] ?? '').trim()])),
  }));
}
