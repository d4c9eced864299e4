import type { Anchor } from '@outpost/contracts';
import catalogV1 from './catalog.v1.json';
import type { CatalogOverrides, IndicatorCatalog, ThresholdMeasure } from './catalog.types';

const MEASURES: ThresholdMeasure[] = ['amountYuan', 'participants', 'lossYuan'];
// Local copy: this library imports only types from @outpost/contracts, so it stays free of zod at run time.
const ANCHORS: readonly Anchor[] = ['I', 'P', 'Ind', 'S'];

/** Thrown when a catalogue (built-in or overridden) is inconsistent; the message names the offending path. */
export class CatalogError extends Error {
  override readonly name = 'CatalogError';
}

/**
 * The built-in versioned catalogue (catalog.v1.json) with optional overrides. Returns a fresh deep copy each call so
 * callers may not mutate the shared data by accident.
 */
export function loadCatalog(overrides: CatalogOverrides = {}): IndicatorCatalog {
  const { weights, ...sections } = overrides;
  const base = structuredClone(catalogV1) as unknown as IndicatorCatalog;
  const catalog: IndicatorCatalog = { ...base, ...structuredClone(sections) };
  if (weights) {
    for (const [id, weight] of Object.entries(weights)) {
      const def = catalog.indicators.find((d) => d.id === id);
      if (!def) throw new CatalogError(`weights.${id}: unknown indicator`);
      def.weight = weight;
    }
  }
  validateCatalog(catalog);
  return catalog;
}

export function validateCatalog(c: IndicatorCatalog): void {
  const fail = (path: string, msg: string): never => {
    throw new CatalogError(`${path}: ${msg}`);
  };
  if (!c.version) fail('version', 'required');
  const ids = new Set<string>();
  c.indicators.forEach((d, i) => {
    const p = `indicators[${i}]`;
    if (!/^[A-E][0-9]{1,2}$/.test(d.id)) fail(`${p}.id`, `bad id ${d.id}`);
    if (ids.has(d.id)) fail(`${p}.id`, `duplicate ${d.id}`);
    ids.add(d.id);
    if (!Number.isFinite(d.weight) || d.weight < 0) fail(`${p}.weight`, 'must be a finite number ≥ 0');
    if (d.confidence !== undefined && !(d.confidence >= 0 && d.confidence <= 1))
      fail(`${p}.confidence`, 'must be in [0, 1]');
    for (const a of [d.anchor, ...(d.anchors ?? [])]) {
      if (a !== null && !(ANCHORS as readonly string[]).includes(a)) fail(`${p}.anchor`, `bad anchor ${String(a)}`);
    }
    if (d.kind === 'TERM' && !(d.terms && d.terms.length > 0)) fail(`${p}.terms`, 'a TERM indicator needs terms');
    d.terms?.forEach((t, j) => {
      if (typeof t !== 'string' || t.trim() === '') fail(`${p}.terms[${j}]`, 'empty term');
    });
  });
  for (const m of MEASURES) {
    const t = c.thresholds[m];
    if (!Array.isArray(t) || t.some((v, i) => !Number.isFinite(v) || (i > 0 && v <= t[i - 1]))) {
      fail(`thresholds.${m}`, 'must be ascending finite numbers');
    }
    if (c.tiers.weights[m].length !== t.length) fail(`tiers.weights.${m}`, 'needs one weight per threshold');
  }
  if (!(c.fundFlow.windowDays > 0)) fail('fundFlow.windowDays', 'must be > 0');
}
