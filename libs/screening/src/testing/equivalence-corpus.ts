import { Converter } from 'opencc-js';
import { generateBenchmarkRecords, rng } from '../bench/benchmark-engine';
import type { IndicatorCatalog } from '../catalog/catalog.types';
import type { ScreeningEngine, ScreeningRecord } from '../screening.engine';

/**
 * A fixed, varied corpus for comparing two implementations of the engine hit for hit: benchmark records, every
 * catalogue term plain and obfuscated (Traditional script, full width, spaces, punctuation and zero-width characters
 * between its characters) in free text and name fields, with warning cues before and after (same clause and across a
 * clause break), inside entity names and licensed institutions' names, and accounts whose movements trip the fund-flow
 * rules. Deterministic: the golden file next to it was written by the engine before the fused-scan rewrite.
 */
export function equivalenceCorpus(catalog: IndicatorCatalog): ScreeningRecord[][] {
  const rand = rng(7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const toTraditional = Converter({ from: 'cn', to: 'tw' });
  const fullWidth = (s: string): string =>
    s.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).replace(/ /g, '\u3000');
  const between = (s: string, sep: string): string => [...s].join(sep);
  const obfuscations: Array<(s: string) => string> = [
    (s) => s,
    (s) => toTraditional(s),
    (s) => fullWidth(s),
    (s) => between(s, ' '),
    (s) => between(s, '\u200b'),
    (s) => between(s, '·'),
    (s) => between(s, '，'),
    (s) => fullWidth(between(toTraditional(s), '\u3000')),
    (s) => s.toUpperCase(),
  ];
  const terms = catalog.indicators.flatMap((d) => (d.kind === 'TERM' ? (d.terms ?? []) : []));
  const cuesBefore = catalog.warningCues.before;
  const cuesAfter = catalog.warningCues.after;
  const suffixes = catalog.entitySuffixes;
  const licensed = catalog.licensedInstitutions;
  const branches = catalog.licensedBranchSuffixes;
  const filler = ['今天社区开展活动', '客户来电咨询', 'the customer called back', '现场有很多老人', '据群众反映'];
  const calls: ScreeningRecord[][] = [];

  // Every term under two random obfuscations, in random contexts, in free text and in name fields.
  let ref = 0;
  const termRecords: ScreeningRecord[] = [];
  for (const term of terms) {
    for (let o = 0; o < 2; o++) {
      const t = pick(obfuscations)(term);
      const contexts = [
        t,
        `${pick(filler)}，${t}。`,
        `${pick(cuesBefore)}${t}`,
        `${pick(cuesBefore)}，${pick(filler)}。${t}`,
        `${t}${pick(cuesAfter)}`,
        `${t}，${pick(filler)}${pick(cuesAfter)}`,
        `广州${t}${pick(suffixes)}`,
        `${t}  ${pick(suffixes)}`,
        `${pick(licensed)}${t}${pick(branches)}`,
        `${pick(licensed)}。${t}`,
        `abc${t}xyz`,
        `${t}${t}`,
      ];
      termRecords.push(
        o === 0
          ? { ref: `t${ref++}`, text: pick(contexts), remark: rand() < 0.3 ? t : undefined }
          : { ref: `t${ref++}`, accountName: pick(contexts), counterpartyName: pick(contexts), remark: pick(contexts) },
      );
    }
  }
  for (let i = 0; i < termRecords.length; i += 500) calls.push(termRecords.slice(i, i + 500));

  // Random mixtures: several terms, cues and names with random separators, in every text field.
  const seps = [' ', '\u200b', '\u3000', '，', '。', '、', '-', '', '', ''];
  const mixed: ScreeningRecord[] = [];
  const phrase = (): string => {
    const parts: string[] = [];
    const k = 1 + Math.floor(rand() * 6);
    for (let j = 0; j < k; j++) {
      const kind = rand();
      const piece =
        kind < 0.4
          ? pick(terms)
          : kind < 0.55
            ? pick(cuesBefore)
            : kind < 0.65
              ? pick(cuesAfter)
              : kind < 0.75
                ? pick(suffixes)
                : kind < 0.82
                  ? pick(licensed)
                  : kind < 0.86
                    ? pick(branches)
                    : pick(filler);
      parts.push(pick(obfuscations)(piece));
    }
    return parts.join(pick(seps));
  };
  for (let i = 0; i < 600; i++) {
    mixed.push({
      ref: `m${i}`,
      text: phrase(),
      accountName: rand() < 0.3 ? phrase() : undefined,
      counterpartyName: rand() < 0.3 ? phrase() : undefined,
      remark: rand() < 0.3 ? phrase() : undefined,
    });
  }
  for (let i = 0; i < mixed.length; i += 300) calls.push(mixed.slice(i, i + 300));

  // Benchmark records (refs r…), in one call as the bench passes them.
  const bench = generateBenchmarkRecords(600, 424242);
  calls.push(bench);

  // Fund flow: funnel accounts (many small payers in, one payee out), fixed multiples, and quiet accounts, with text.
  const flows: ScreeningRecord[] = [];
  const at = (d: number): string => new Date(Date.UTC(2026, 9, 20) + d * 3_600_000).toISOString();
  for (let a = 0; a < 12; a++) {
    const accountNo = `62220000${String(a).padStart(4, '0')}`;
    const n = (a % 3 === 1 ? 9 : 4) + Math.floor(rand() * 12);
    for (let j = 0; j < n; j++) {
      const inbound = a % 3 === 2 ? j % 4 !== 3 : j < n - 1;
      flows.push({
        ref: `f${a}-${j}`,
        text: rand() < 0.5 ? phrase() : undefined,
        accountNo,
        accountName: rand() < 0.5 ? pick(['张三', '广州天河某某投资咨询有限公司', '招商银行股份有限公司']) : undefined,
        counterpartyNo: `6217${String(inbound ? j : j % 2).padStart(8, '0')}`,
        counterpartyName: rand() < 0.3 ? phrase() : undefined,
        direction: inbound ? 'in' : 'out',
        amount: a % 3 === 1 ? 10000 * (1 + (j % 3)) : inbound ? 500 + Math.floor(rand() * 4000) : 50000,
        remark: pick(['返息', '货款', '分红', '利息']),
        occurredAt: rand() < 0.9 ? at(j + a) : 'not a time',
      });
    }
  }
  calls.push(flows);
  return calls;
}

/**
 * One line per record (ref, score, band, hits as indicator:term:field in order) for every call of the corpus, then one
 * line per record with hits when the same fields are screened by `screenText` under other keys (name fields: the
 * entity-name rules differ).
 */
export function equivalenceSummary(engine: ScreeningEngine, calls: ScreeningRecord[][]): string[] {
  const show = (hits: ReadonlyArray<{ indicator: string; term: string; field: string }>): string =>
    hits.map((h) => `${h.indicator}:${h.term}:${h.field}`).join('|');
  const lines: string[] = [];
  for (const call of calls) {
    for (const r of engine.screenRecordsSync(call).results) lines.push(`${r.ref} ${r.score} ${r.band} ${show(r.hits)}`);
  }
  for (const call of calls) {
    for (const r of call) {
      if (r.ref.startsWith('r')) continue; // benchmark records: their text is covered by the calls above
      const hits = engine.screenText({
        name: r.text,
        businessScope: r.accountName,
        note: r.remark,
        x: r.counterpartyName,
      });
      if (hits.length > 0) lines.push(`${r.ref} text ${show(hits)}`);
    }
  }
  return lines;
}
