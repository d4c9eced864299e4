import type { Estimates, ScreeningHit } from '@outpost/contracts';
import { loadCatalog, ScreeningEngine } from '@outpost/screening';
import { factsOf, mergeEstimates, mergeHits, raiseOnly, scoreLead } from './scoring';

const none: Estimates = {
  promisedYieldPct: null,
  amountYuan: null,
  participants: null,
  lossYuan: null,
  elderlyInvolved: null,
};
const hit = (indicator: string, term: string, weight = 10): ScreeningHit => ({
  indicator,
  term,
  field: 'description',
  anchor: null,
  weight,
});

describe('scoring glue', () => {
  const sut = new ScreeningEngine(loadCatalog());

  it('turns estimates into D1–D3 lines and elderly into B5, explaining every point', () => {
    const r = scoreLead(sut, [hit('B1', '保本保息')], { ...none, amountYuan: 2_000_000, elderlyInvolved: true });
    const ids = r.explanation.map((l) => l.indicator);
    expect(ids).toEqual(expect.arrayContaining(['B1', 'B5', 'D1']));
    expect(r.explanation.reduce((s, l) => s + l.points, 0)).toBeCloseTo(r.score, 5);
    expect(r.explanation.every((l) => l.evidence.length > 0 && l.weight > 0)).toBe(true);
    expect(r.band).toBe('red'); // 100万 reaches the prosecutable threshold (SPC Art. 3)
  });

  it('counts further reports of the same subject as complaints (E1), never the first one', () => {
    expect(factsOf(none, 1).complaintCount).toBe(0);
    expect(factsOf(none, 3).complaintCount).toBe(3);
  });

  it('scores a lead without signals as band none', () => {
    expect(scoreLead(sut, [], none).band).toBe('none');
  });

  it('merges hits without double counting and keeps the larger estimate', () => {
    expect(mergeHits([hit('B1', 'a'), hit('B2', 'b')], [hit('B1', 'a'), hit('B3', 'c')])).toHaveLength(3);
    const m = mergeEstimates(
      { ...none, amountYuan: 10, participants: 200 },
      { ...none, amountYuan: 50, elderlyInvolved: true },
    );
    expect(m).toMatchObject({ amountYuan: 50, participants: 200, elderlyInvolved: true });
  });

  it('lets the band rise but never fall automatically', () => {
    expect(raiseOnly('yellow', 'red')).toBe('red');
    expect(raiseOnly('red', 'yellow')).toBe('red');
    expect(raiseOnly('orange', 'orange')).toBe('orange');
  });
});
