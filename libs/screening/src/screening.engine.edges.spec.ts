import type { ScreeningHit } from '@outpost/contracts';
import { loadCatalog } from './catalog/load-catalog';
import { ScreeningEngine, type ScreeningRecord } from './screening.engine';

// Edges of the one-pass scan (removed characters inside a term, UTF-16 surrogates, text ending inside a term) and of
// the reusable buffers and per-field contexts the rules use.
const sut = new ScreeningEngine(loadCatalog());
const show = (hits: ScreeningHit[]): string[] => hits.map((h) => `${h.field}:${h.indicator}:${h.term}`);
const text = (t: string): string[] => show(sut.screenText({ text: t }));

describe(`${ScreeningEngine.name} scan edges`, () => {
  it('matches a term with removed characters of every kind between its characters', () => {
    expect(text('保\u200b本\u3000保，息')).toEqual(['text:B1:保本保息']);
    expect(text('U S D T结算')).toEqual(['text:B7:USDT']);
  });

  it('treats a surrogate pair as a character: it breaks a term inside it and bounds one beside it', () => {
    expect(sut.normalize('保本😀保息')).toBe('保本😀保息');
    expect(text('保本😀保息')).toEqual([]);
    expect(text('😀保本保息😀')).toEqual(['text:B1:保本保息']);
    expect(text('用😀USDT😀结算')).toEqual(['text:B7:USDT']);
  });

  it('survives lone surrogates at either end', () => {
    expect(text('\ud83d保本保息\ude00')).toEqual(['text:B1:保本保息']);
    expect(text('保本保息\ud83d')).toEqual(['text:B1:保本保息']);
  });

  it('reports nothing for text ending inside a term', () => {
    expect(text('高额返')).toEqual([]);
    expect(text('本产品保本保')).toEqual([]);
    expect(text('USD')).toEqual([]);
    expect(text('参与 IC')).toEqual([]);
    expect(text('高额返利')).toEqual(['text:B2:高额返利']);
  });

  it('reports nothing when only cues, suffixes or licensed names match', () => {
    expect(text('警惕')).toEqual([]);
    expect(text('有限公司')).toEqual([]);
    expect(show(sut.screenText({ name: '招商银行' }))).toEqual([]);
  });

  it('handles more candidates in one field than the initial buffers hold', () => {
    expect(text('保本保息，'.repeat(200))).toEqual(['text:B1:保本保息']);
    expect(text('财富管理有限公司'.repeat(100))).toEqual(['text:A1:财富管理']);
    const mixed = '保本保息，高额返利。虚拟币挖矿；'.repeat(100);
    expect(text(mixed).sort()).toEqual(['text:B1:保本保息', 'text:B2:高额返利', 'text:B7:挖矿', 'text:B7:虚拟币']);
  });

  it('screens more field names than it caches, once per field however often a term occurs', () => {
    const fields: Record<string, string> = {};
    for (let i = 0; i < 300; i++) fields[`f${i}`] = '保本保息保本保息';
    const hits = sut.screenText(fields);
    expect(hits).toHaveLength(300);
    expect(hits.map((h) => h.field)).toEqual(Object.keys(fields));
    expect(new Set(hits.map((h) => `${h.indicator}:${h.term}`))).toEqual(new Set(['B1:保本保息']));
  });

  it('screens record fields in text, accountName, counterpartyName, remark order and skips non-strings', () => {
    const record = {
      ref: 'a',
      remark: '返息',
      counterpartyName: 7,
      accountName: '某某投资咨询有限公司',
      text: '保本保息',
    } as unknown as ScreeningRecord;
    const [result] = sut.screenRecordsSync([record]).results;
    expect(result.hits.map((h) => `${h.field}:${h.indicator}`)).toEqual(['text:B1', 'accountName:C1', 'remark:C4']);
  });

  it('gives the same hits for a record as screenText over the same fields', () => {
    const r: ScreeningRecord = {
      ref: 'x',
      text: '天河XX财富管理有限公司在社区举办理财讲座',
      accountName: '天河民间互助银行',
    };
    const viaRecords = sut.screenRecordsSync([r]).results[0].hits;
    expect(viaRecords).toEqual(sut.screenText({ text: r.text, accountName: r.accountName }));
  });

  it('skips the rules for a field whose only term matches belong to indicators of other fields', () => {
    // 投资 and 收益 are C4 terms only, and C4 screens remark only.
    expect(show(sut.screenText({ text: '投资收益', remark: '投资收益' }))).toEqual([
      'remark:C4:投资',
      'remark:C4:收益',
    ]);
    expect(text('投资收益')).toEqual([]);
    expect(text('投资收益，保本保息')).toEqual(['text:B1:保本保息']);
  });

  it('gives every record its own hits array, empty or exact, however the hit buffer is reused', () => {
    const { results } = sut.screenRecordsSync([
      { ref: 'a', text: '保本保息，高额返利' },
      { ref: 'b', text: '今日巡查无异常' },
      { ref: 'c', text: '保本保息', remark: '返息' },
    ]);
    expect(results.map((r) => show(r.hits))).toEqual([
      ['text:B1:保本保息', 'text:B2:高额返利'],
      [],
      ['text:B1:保本保息', 'remark:C4:返息'],
    ]);
    expect(new Set(results.map((r) => r.hits)).size).toBe(3);
    results[1].hits.push(results[0].hits[0]);
    expect(sut.screenRecordsSync([{ ref: 'b', text: '今日巡查无异常' }]).results[0].hits).toEqual([]);
  });

  it('scores a record with text and fund-flow hits over all of them, and leaves the other records as they were', () => {
    const at = (h: number): string => new Date(Date.UTC(2026, 10, 1, h)).toISOString();
    const records: ScreeningRecord[] = [];
    for (let i = 0; i < 10; i++) {
      records.push({
        ref: `in${i}`,
        text: i === 0 ? '保本保息' : undefined,
        accountNo: '6222000001',
        counterpartyNo: `p${i}`,
        direction: 'in',
        amount: 10000 * (1 + (i % 3)),
        occurredAt: at(i),
      });
    }
    records.push({
      ref: 'other',
      text: '高额返利',
      accountNo: '6222000002',
      direction: 'in',
      amount: 5,
      occurredAt: at(1),
    });
    const { results } = sut.screenRecordsSync(records);
    const first = results[0];
    expect(show(first.hits)).toEqual(['text:B1:保本保息', 'accountNo:C3:金额固定倍数']);
    for (const r of results) {
      const full = sut.score(r.hits);
      expect({ score: r.score, band: r.band }).toEqual({ score: full.score, band: full.band });
    }
    expect(show(results[10].hits)).toEqual(['text:B2:高额返利']);
  });
});
