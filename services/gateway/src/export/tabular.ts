import ExcelJS from 'exceljs';

export interface Column<T> {
  header: string;
  value: (row: T) => string | number | boolean | null;
  width?: number;
}

export interface Sheet<T = unknown> {
  name: string;
  columns: Array<Column<T>>;
  rows: T[];
}

/** Mainland China keeps UTC+8 all year (Asia/Shanghai, no daylight saving). */
const BEIJING_OFFSET_MS = 8 * 3_600_000;

/**
 * An instant as people in the office read it: Beijing time, "2026-12-03 23:59:59" (seconds kept, milliseconds cut, as
 * the UI shows it). Excel reads this as a date-time when a CSV is opened; null/invalid stay empty.
 */
export function beijingTime(iso: string | Date | null | undefined): string | null {
  if (iso === null || iso === undefined) return null;
  const t = new Date(iso).getTime();
  return Number.isNaN(t) ? null : new Date(t + BEIJING_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** A cell that a spreadsheet would run as a formula is prefixed with ' (CSV/formula injection). */
function defuse(v: string): string {
  return /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
}

function csvCell(v: string | number | boolean | null): string {
  if (v === null) return '';
  const s = typeof v === 'string' ? defuse(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** UTF-8 with BOM (Excel on Chinese Windows otherwise misreads it), CRLF line ends. */
export function toCsv<T>(sheet: Sheet<T>): Buffer {
  const lines = [sheet.columns.map((c) => csvCell(c.header)).join(',')];
  for (const row of sheet.rows) lines.push(sheet.columns.map((c) => csvCell(c.value(row))).join(','));
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(lines.join('\r\n') + '\r\n', 'utf8')]);
}

export async function toXlsx(sheets: Sheet[]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Outpost 前哨';
  wb.created = new Date();
  for (const s of sheets) {
    const ws = wb.addWorksheet(s.name.slice(0, 31));
    ws.columns = s.columns.map((c) => ({ header: c.header, width: c.width ?? 16 }));
    ws.getRow(1).font = { bold: true };
    ws.views = [{ state: 'frozen', ySplit: 1 }];
    for (const row of s.rows)
      ws.addRow(
        s.columns.map((c) => {
          const v = c.value(row);
          return typeof v === 'string' ? defuse(v) : v;
        }),
      );
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}
