import { loadCatalog } from '../catalog/load-catalog';
import { benchmarkEngine, catalogTerms, generateBenchmarkRecords, recordLine } from './benchmark-engine';

describe(benchmarkEngine.name, () => {
  it('reports positive throughput', () => {
    const r = benchmarkEngine(2000);
    expect(r.recordsPerSec).toBeGreaterThan(0);
    expect(r.mbPerSec).toBeGreaterThan(0);
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
