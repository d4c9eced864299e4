import { cpus, loadavg } from 'node:os';

/** One line of the bench table: a measured figure, the baseline measured in the same run, and their ratio. */
export interface BenchRow {
  section: string;
  metric: string;
  value: number | null;
  unit: string;
  baseline?: string;
  baselineValue?: number | null;
  ratio?: number | null;
  goal?: string;
  pass?: boolean | null;
  note?: string;
}

export const round = (x: number | null | undefined, d = 2): number | null =>
  x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 10 ** d) / 10 ** d;

export function machineLoad(): { cpus: number; loadavg1: number; loadavg5: number } {
  const [l1, l5] = loadavg();
  return { cpus: cpus().length, loadavg1: round(l1)!, loadavg5: round(l5)! };
}

const fmt = (v: number | null | undefined): string =>
  v === null || v === undefined ? 'n/a' : Number.isInteger(v) ? String(v) : v.toFixed(v < 10 ? 2 : 1);

export function markdownTable(rows: BenchRow[]): string {
  const out = [
    '| section | metric | value | baseline (same run) | ratio | goal | pass | note |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const base = r.baseline ? `${r.baseline}: ${fmt(r.baselineValue)}` : '';
    const pass = r.pass === undefined || r.pass === null ? '' : r.pass ? 'yes' : '**no**';
    out.push(
      `| ${r.section} | ${r.metric} | ${fmt(r.value)} ${r.value === null ? '' : r.unit} | ${base} | ${fmt(r.ratio)} | ${r.goal ?? ''} | ${pass} | ${r.note ?? ''} |`,
    );
  }
  return out.join('\n');
}

export function textTable(rows: BenchRow[]): string {
  const cells = rows.map((r) => [
    r.section,
    r.metric,
    `${fmt(r.value)} ${r.value === null ? '' : r.unit}`,
    r.baseline ? `${fmt(r.baselineValue)} (${r.baseline})` : '',
    fmt(r.ratio),
    r.goal ?? '',
    r.pass === undefined || r.pass === null ? '' : r.pass ? 'ok' : 'MISS',
  ]);
  const head = ['section', 'metric', 'value', 'baseline', 'ratio', 'goal', ''];
  const all = [head, ...cells];
  const w = head.map((_, i) => Math.min(60, Math.max(...all.map((c) => c[i].length))));
  return all.map((c) => c.map((x, i) => x.padEnd(w[i])).join('  ')).join('\n');
}
