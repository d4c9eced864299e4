import { loadCatalog } from '../catalog/load-catalog';
import { catalogTerms, generateBenchmarkRecords, prepareEngineBenchmark, recordLine } from './benchmark-engine';

describe(prepareEngineBenchmark.name, () => {
  it('times passes over the records and reports the fastest', () => {
    const run = prepareEngineBenchmark(2000);
    expect(run.bytes).toBe(
      generateBenchmarkRecords(2000).reduce((n, r) => n + Buffer.byteLength(recordLine(r)) + 1, 0),
    );
    const passes = [run.pass(), run.pass()];
    for (const p of passes) expect(p.seconds).toBeGreaterThan(0);
    const best = run.best(passes);
    const fastest = Math.min(passes[0].seconds, passes[1].seconds);
    expect(best.recordsPerSec).toBeCloseTo(2000 / fastest);
    expect(best.mbPerSec).toBeCloseTo(run.bytes / 1e6 / fastest);
  });

  it('generates the same records for the same seed, with risk wording in some of them', () => {
    const a = generateBenchmarkRecords(500, 1);
    expect(generateBenchmarkRecords(500, 1)).toEqual(a);
    expect(a.some((r) => r.text?.includes('保本保息'))).toBe(true);
    expect(recordLine(a[0])).toContain('\t');
  });

  it('lists every catalogue term once for grep -F', () => {
    const terms = catalogTerms(loadCatalog());
    expect(new Set(terms).size).toBe(terms.length);
    expect(terms).toEqual(expect.arrayContaining(['保本保息', '高额返利', '延期兑付', '金融']));
  });
});
