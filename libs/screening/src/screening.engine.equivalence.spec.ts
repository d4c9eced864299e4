import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCatalog } from './catalog/load-catalog';
import { ScreeningEngine } from './screening.engine';
import { equivalenceCorpus, equivalenceSummary } from './testing/equivalence-corpus';

// The golden file holds what the engine as of commit b42c0e7 (before the scan and bulk-path rewrites) answered for the
// corpus: every later change to the hot path must give the same hits, scores and bands, record for record. Regenerate
// it only for an intended change of the rules, never to make a speed-up pass.
describe(`${ScreeningEngine.name} equivalence with the previous implementation`, () => {
  const catalog = loadCatalog();
  const sut = new ScreeningEngine(catalog, { now: () => new Date('2026-11-01T00:00:00.000Z') });
  const golden = readFileSync(join(__dirname, 'testing', 'equivalence.golden.txt'), 'utf8')
    .trimEnd()
    .split('\n');

  it('gives the same results for the whole corpus', () => {
    expect(equivalenceSummary(sut, equivalenceCorpus(catalog))).toEqual(golden);
  });

  it('covers what it claims to: obfuscated, warned, whitelisted, entity-name and fund-flow cases with and without hits', () => {
    const hitsOf = (prefix: string): string[] => golden.filter((l) => l.startsWith(prefix) && !/ none $/.test(l));
    expect(hitsOf('t').length).toBeGreaterThan(200);
    expect(golden.filter((l) => l.startsWith('t') && / none $/.test(l)).length).toBeGreaterThan(50);
    expect(hitsOf('m').length).toBeGreaterThan(200);
    expect(golden.some((l) => /^f\S+ .*C2:/.test(l))).toBe(true);
    expect(golden.some((l) => /^f\S+ .*C3:/.test(l))).toBe(true);
    expect(golden.some((l) => / text .*:name/.test(l))).toBe(true);
  });
});
