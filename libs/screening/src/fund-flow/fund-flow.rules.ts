import type { FundFlowSettings } from '../catalog/catalog.types';
import type { FlowRecord } from './fund-flow-window';

export type FundFlowFinding =
  | { indicator: 'C2'; pattern: 'collection' | 'payout'; detail: string }
  | { indicator: 'C3'; base: number; detail: string };

const EPS = 1e-6;

function isMultiple(amount: number, base: number): boolean {
  const q = amount / base;
  return q >= 1 - EPS && Math.abs(q - Math.round(q)) < EPS;
}

interface Side {
  total: number;
  count: number;
  small: number;
  byCounterparty: Map<string, number>;
}

function side(records: FlowRecord[], smallAmount: number): Side {
  const s: Side = { total: 0, count: 0, small: 0, byCounterparty: new Map() };
  for (const r of records) {
    s.total += r.amount;
    s.count++;
    if (r.amount <= smallAmount) s.small++;
    if (r.counterparty !== null)
      s.byCounterparty.set(r.counterparty, (s.byCounterparty.get(r.counterparty) ?? 0) + r.amount);
  }
  return s;
}

function topShare(s: Side, k: number): number {
  return [...s.byCounterparty.values()]
    .sort((a, b) => b - a)
    .slice(0, k)
    .reduce((a, b) => a + b, 0);
}

/**
 * Fund-flow rules over the records of ONE account within the window (DOMAIN.md §5 C2, C3).
 * - C2 collection (分散转入、集中转出): ≥ minCounterparties distinct payers, mostly small amounts, and ≥ concentrationShare
 *   of the inflow leaving to ≤ maxConcentratedCounterparties payees. C2 payout (集中转入、分散转出) is the mirror.
 * - C3: ≥ minInbound inbound amounts from ≥ minCounterparties payers, ≥ share of them multiples of one base figure
 *   (a configured base such as 10,000, or the smallest / most frequent amount).
 */
export function evaluateFundFlow(records: FlowRecord[], cfg: FundFlowSettings): FundFlowFinding[] {
  const findings: FundFlowFinding[] = [];
  const f = cfg.funnel;
  const m = cfg.fixedMultiples;
  // Most accounts in a request have a handful of movements: no rule can fire below the smallest minimum.
  if (records.length < Math.min(f.minCounterparties, m.minInbound)) return findings;
  const ins = records.filter((r) => r.direction === 'in' && r.amount > 0);
  const outs = records.filter((r) => r.direction === 'out' && r.amount > 0);
  const inS = side(ins, f.smallAmountYuan);
  const outS = side(outs, f.smallAmountYuan);

  if (
    inS.byCounterparty.size >= f.minCounterparties &&
    inS.small >= f.smallShare * inS.count &&
    outS.byCounterparty.size > 0 &&
    topShare(outS, f.maxConcentratedCounterparties) >= f.concentrationShare * inS.total
  ) {
    findings.push({
      indicator: 'C2',
      pattern: 'collection',
      detail: `${inS.byCounterparty.size} payers in, ${Math.round((topShare(outS, f.maxConcentratedCounterparties) / inS.total) * 100)}% out to ≤ ${f.maxConcentratedCounterparties} payees`,
    });
  } else if (
    outS.byCounterparty.size >= f.minCounterparties &&
    outS.small >= f.smallShare * outS.count &&
    inS.byCounterparty.size > 0 &&
    topShare(inS, f.maxConcentratedCounterparties) >= f.concentrationShare * outS.total
  ) {
    findings.push({
      indicator: 'C2',
      pattern: 'payout',
      detail: `${outS.byCounterparty.size} payees out, ${Math.round((topShare(inS, f.maxConcentratedCounterparties) / outS.total) * 100)}% in from ≤ ${f.maxConcentratedCounterparties} payers`,
    });
  }

  if (ins.length >= m.minInbound && inS.byCounterparty.size >= m.minCounterparties) {
    const candidates = new Set<number>(m.bases);
    let min = Infinity;
    const freq = new Map<number, number>();
    let mode = 0;
    let modeCount = 0;
    for (const r of ins) {
      if (r.amount < min) min = r.amount;
      const c = (freq.get(r.amount) ?? 0) + 1;
      freq.set(r.amount, c);
      if (c > modeCount) {
        modeCount = c;
        mode = r.amount;
      }
    }
    candidates.add(min);
    candidates.add(mode);
    for (const base of [...candidates].sort((a, b) => b - a)) {
      if (!(base >= m.minBaseYuan)) continue;
      let hits = 0;
      for (const r of ins) if (isMultiple(r.amount, base)) hits++;
      if (hits >= m.share * ins.length) {
        findings.push({
          indicator: 'C3',
          base,
          detail: `${hits}/${ins.length} inbound amounts are multiples of ${base}`,
        });
        break;
      }
    }
  }
  return findings;
}
