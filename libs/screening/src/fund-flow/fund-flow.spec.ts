import { loadCatalog } from '../catalog/load-catalog';
import { ScreeningEngine, type ScreeningRecord } from '../screening.engine';
import { InMemoryFundFlowWindow } from './fund-flow-window';
import { evaluateFundFlow } from './fund-flow.rules';
import type { FlowRecord } from './fund-flow-window';

const settings = loadCatalog().fundFlow;
const day = (d: number, h = 10): string => new Date(Date.UTC(2026, 10, d, h)).toISOString();

/** n payers each sending `amount(i)` into ACC, then `outShare` of the inflow leaving to `payees` counterparties. */
function funnel(
  n: number,
  amount: (i: number) => number,
  payees: string[],
  outShare: number,
  start = 1,
): ScreeningRecord[] {
  const records: ScreeningRecord[] = [];
  let inflow = 0;
  for (let i = 0; i < n; i++) {
    const a = amount(i);
    inflow += a;
    records.push({
      ref: `in-${start}-${i}`,
      accountNo: 'ACC',
      counterpartyNo: `P${i}`,
      counterpartyName: `个人${i}`,
      direction: 'in',
      amount: a,
      occurredAt: day(start + (i % 5)),
    });
  }
  payees.forEach((p, j) =>
    records.push({
      ref: `out-${start}-${j}`,
      accountNo: 'ACC',
      counterpartyNo: p,
      direction: 'out',
      amount: (inflow * outShare) / payees.length,
      occurredAt: day(start + 6),
    }),
  );
  return records;
}

const flows = (records: ScreeningRecord[]): FlowRecord[] =>
  records.map((r) => ({
    ref: r.ref,
    accountNo: r.accountNo ?? '',
    counterparty: r.counterpartyNo ?? null,
    direction: r.direction ?? 'in',
    amount: r.amount ?? 0,
    occurredAt: r.occurredAt ?? day(1),
  }));

describe(evaluateFundFlow.name, () => {
  it('C2: many small payers and inflow concentrated out to two payees (分散转入、集中转出)', () => {
    const findings = evaluateFundFlow(flows(funnel(12, (i) => 3000 + i * 137, ['BOSS1', 'BOSS2'], 0.9)), settings);
    expect(findings).toEqual([expect.objectContaining({ indicator: 'C2', pattern: 'collection' })]);
  });

  it('C2: not with too few payers, or outflow spread thin, or below the concentration share', () => {
    expect(evaluateFundFlow(flows(funnel(9, (i) => 3000 + i * 137, ['B1'], 0.9)), settings)).toEqual([]);
    expect(
      evaluateFundFlow(flows(funnel(12, (i) => 3000 + i * 137, ['B1', 'B2', 'B3', 'B4', 'B5'], 0.9)), settings),
    ).toEqual([]);
    expect(evaluateFundFlow(flows(funnel(12, (i) => 3000 + i * 137, ['B1'], 0.5)), settings)).toEqual([]);
  });

  it('C2: the payout mirror (集中转入、分散转出)', () => {
    const rs: FlowRecord[] = [
      { ref: 'in', accountNo: 'A', counterparty: 'SRC', direction: 'in', amount: 100000, occurredAt: day(1) },
    ];
    for (let i = 0; i < 12; i++)
      rs.push({
        ref: `o${i}`,
        accountNo: 'A',
        counterparty: `X${i}`,
        direction: 'out',
        amount: 8000 + i,
        occurredAt: day(2),
      });
    expect(evaluateFundFlow(rs, settings)).toEqual([expect.objectContaining({ indicator: 'C2', pattern: 'payout' })]);
  });

  it('C3: inbound amounts in multiples of 10,000 or of a common base', () => {
    expect(evaluateFundFlow(flows(funnel(8, (i) => 10000 * (1 + (i % 3)), [], 0)), settings)).toEqual([
      expect.objectContaining({ indicator: 'C3', base: 10000 }),
    ]);
    expect(evaluateFundFlow(flows(funnel(10, (i) => 3000 * (1 + (i % 4)), [], 0)), settings)).toEqual([
      expect.objectContaining({ indicator: 'C3', base: 3000 }),
    ]);
  });

  it('C3: not for irregular amounts, nor for fewer than the minimum transfers', () => {
    expect(evaluateFundFlow(flows(funnel(10, (i) => 1234 + i * 977, [], 0)), settings)).toEqual([]);
    expect(evaluateFundFlow(flows(funnel(7, () => 10000, [], 0)), settings)).toEqual([]);
  });

  it('follows configured thresholds', () => {
    const loose = { ...settings, funnel: { ...settings.funnel, minCounterparties: 5 } };
    expect(
      evaluateFundFlow(flows(funnel(6, (i) => 3000 + i * 137, ['B1'], 0.9)), loose).map((f) => f.indicator),
    ).toEqual(['C2']);
  });
});

describe('ScreeningEngine.screenRecords', () => {
  const engine = new ScreeningEngine(loadCatalog(), { now: () => new Date(day(20)) });

  it('attaches fund-flow hits to every record of the account, with text hits per record', async () => {
    const records = [
      ...funnel(12, (i) => 3000 + i * 137, ['BOSS'], 0.9),
      { ref: 'note', text: '保本保息' },
      { ref: 'other', accountNo: 'OTHER', direction: 'in' as const, amount: 10 },
    ];
    records[0].remark = '第一期返息';
    const results = await engine.screenRecords(records);
    expect(results.map((r) => r.ref)).toEqual(records.map((r) => r.ref));
    const byRef = new Map(results.map((r) => [r.ref, r]));
    for (const r of records.filter((x) => x.accountNo === 'ACC')) {
      expect(byRef.get(r.ref)?.hits).toContainEqual({
        indicator: 'C2',
        term: '分散转入集中转出',
        field: 'accountNo',
        anchor: 'S',
        weight: 12,
      });
    }
    expect(
      byRef
        .get('in-1-0')
        ?.hits.map((h) => h.indicator)
        .sort(),
    ).toEqual(['C2', 'C4']);
    expect(byRef.get('in-1-0')).toMatchObject({ score: 20, band: 'yellow' });
    expect(byRef.get('note')).toMatchObject({ score: 15, band: 'yellow' });
    expect(byRef.get('other')).toEqual({ ref: 'other', score: 0, band: 'none', hits: [] });
  });

  it('combines records of one account across requests within the window', async () => {
    const window = new InMemoryFundFlowWindow({ now: () => new Date(day(20)) });
    const all = funnel(12, (i) => 3000 + i * 137, ['BOSS'], 0.9);
    const first = await engine.screenRecords(all.slice(0, 6), window);
    expect(first.flatMap((r) => r.hits)).toEqual([]);
    const second = await engine.screenRecords(all.slice(6), window);
    expect(second.every((r) => r.hits.some((h) => h.indicator === 'C2'))).toBe(true);
    expect(window.size()).toBe(all.length);
    // A retried request does not double-count its records.
    await engine.screenRecords(all.slice(6), window);
    expect(window.size()).toBe(all.length);
  });

  it('forgets records outside the window', async () => {
    const window = new InMemoryFundFlowWindow({ now: () => new Date(day(28)) });
    const early = funnel(6, (i) => 3000 + i * 137, [], 0, 1).map((r) => ({
      ...r,
      occurredAt: '2026-09-01T00:00:00.000Z',
    }));
    await engine.screenRecords(early, window);
    const late = funnel(6, (i) => 3000 + i * 137, ['BOSS'], 0.9, 20).map((r) => ({ ...r, ref: `late-${r.ref}` }));
    const results = await engine.screenRecords(late, window);
    expect(results.flatMap((r) => r.hits)).toEqual([]);
  });

  it('ignores records without an account, direction or positive amount for fund-flow rules', async () => {
    const results = await engine.screenRecords([
      { ref: 'a', accountNo: 'X', amount: 100 },
      { ref: 'b', direction: 'in', amount: 5 },
      { ref: 'c', accountNo: 'X', direction: 'out', amount: -1 },
    ]);
    expect(results.map((r) => r.band)).toEqual(['none', 'none', 'none']);
  });
});
