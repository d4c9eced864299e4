import type { Anchor, Band, ChecklistLevel, ScreeningHit } from '@outpost/contracts';
import type { IndicatorCatalog, IndicatorDefinition, ThresholdMeasure } from '../catalog/catalog.types';

export type Level = ChecklistLevel;

/** Estimates and facts about a lead that feed the D-tiers, B5, D7 and E1 (DOMAIN.md §5). */
export interface LeadFacts {
  amountYuan?: number | null;
  participants?: number | null;
  lossYuan?: number | null;
  elderlyInvolved?: boolean | null;
  /** Prior conviction or administrative penalty for 非法集资 within 2 years (SPC Art. 3 ¶2). */
  priorRecord?: boolean;
  complaintCount?: number;
}

/** One line of the explanation; the lines' points sum to the score (same shape as the triage event's lines). */
export interface ScoreLine {
  indicator: string;
  label: string;
  anchor: Anchor | null;
  weight: number;
  confidence: number;
  points: number;
  evidence: string;
}

export interface ScoreResult {
  score: number;
  band: Band;
  /** The four characteristics: 非法性 I, 公开性 P, 利诱性 Ind, 社会性 S. */
  checklist: Record<Anchor, Level>;
  explanation: ScoreLine[];
  /** A critical signal (E2) was hit: propose immediate police referral. */
  critical: boolean;
  /** A D-tier reached the prosecutable threshold (追诉标准). */
  prosecutable: boolean;
}

const MEASURES: Array<{ measure: ThresholdMeasure; indicator: string; unit: string }> = [
  { measure: 'amountYuan', indicator: 'D1', unit: '元' },
  { measure: 'participants', indicator: 'D2', unit: '人' },
  { measure: 'lossYuan', indicator: 'D3', unit: '元' },
];

const round2 = (x: number): number => Math.round(x * 100) / 100;

function anchorsOf(def: IndicatorDefinition | undefined, fallback: Anchor | null): Anchor[] {
  if (def?.anchors && def.anchors.length > 0) return def.anchors;
  const a = def ? def.anchor : fallback;
  return a ? [a] : [];
}

/**
 * Σ weight × confidence per indicator (each indicator counts once however many terms hit), the four-characteristics
 * checklist and the band per DOMAIN.md §5. Weights come from the catalogue when it knows the indicator, so the scorer's
 * configuration wins over weights recorded on older hits.
 */
export function scoreHits(
  catalog: IndicatorCatalog,
  byId: Map<string, IndicatorDefinition>,
  hits: readonly ScreeningHit[],
  facts: LeadFacts = {},
  order: Map<string, number> = catalogOrder(catalog),
): ScoreResult {
  const grouped = new Map<string, ScreeningHit[]>();
  for (const h of hits) {
    const list = grouped.get(h.indicator);
    if (list) list.push(h);
    else grouped.set(h.indicator, [h]);
  }
  const lines: ScoreLine[] = [];
  const lineFor = (
    id: string,
    def: IndicatorDefinition | undefined,
    anchor: Anchor | null,
    weight: number,
    evidence: string,
  ): ScoreLine => {
    const confidence = def?.confidence ?? 1;
    return {
      indicator: id,
      label: def?.label.zh ?? id,
      anchor,
      weight,
      confidence,
      points: round2(weight * confidence),
      evidence,
    };
  };
  const rank = (id: string): number => order.get(id) ?? Number.MAX_SAFE_INTEGER;
  for (const id of [...grouped.keys()].sort((a, b) => rank(a) - rank(b))) {
    const hs = grouped.get(id) ?? [];
    const def = byId.get(id);
    const weight = def ? def.weight : Math.max(...hs.map((h) => h.weight));
    const evidence = [...new Set(hs.map((h) => `${h.field}「${h.term}」`))].slice(0, 5).join('；');
    lines.push(lineFor(id, def, def ? def.anchor : hs[0].anchor, weight, evidence));
  }

  // B5 from the estimate when no text already evidenced it.
  const b5 = byId.get('B5');
  if (facts.elderlyInvolved === true && b5 && !grouped.has('B5'))
    lines.push(lineFor('B5', b5, b5.anchor, b5.weight, 'elderlyInvolved=true'));

  // E1: weight per complaint, capped; merged with a text hit on E1.
  const e1 = byId.get('E1');
  const complaints = facts.complaintCount ?? 0;
  if (e1 && complaints > 0) {
    const weight = e1.weight * Math.min(complaints, catalog.complaints.cap);
    const existing = lines.find((l) => l.indicator === 'E1');
    const evidence = `complaintCount=${complaints}`;
    if (existing) {
      existing.weight = Math.max(existing.weight, weight);
      existing.points = round2(existing.weight * existing.confidence);
      existing.evidence = `${existing.evidence}；${evidence}`;
    } else lines.push(lineFor('E1', e1, e1.anchor, weight, evidence));
  }

  // D1–D3 tiers (SPC Art. 3–5); the lower bar counts as prosecutable with a prior record (Art. 3 ¶2).
  let prosecutable = false;
  for (const { measure, indicator, unit } of MEASURES) {
    const value = facts[measure];
    if (value === null || value === undefined || !Number.isFinite(value)) continue;
    const t = catalog.thresholds[measure];
    let tier = -1;
    for (let i = 0; i < t.length; i++) if (value >= t[i]) tier = i;
    if (tier < 0) continue;
    const weights = catalog.tiers.weights[measure];
    const prosTier = catalog.tiers.prosecutableTier[measure];
    let weight = weights[tier];
    let reached = tier >= prosTier;
    if (!reached && tier === catalog.tiers.lowerBarTier[measure] && facts.priorRecord === true) {
      reached = true;
      weight = Math.max(weight, weights[prosTier] ?? weight);
    }
    prosecutable ||= reached;
    const label =
      catalog.tiers.labels[
        tier + (t.length < catalog.tiers.labels.length ? catalog.tiers.labels.length - t.length : 0)
      ] ?? `tier ${tier}`;
    const def = byId.get(indicator);
    lines.push(
      lineFor(
        indicator,
        def,
        null,
        weight,
        `${measure}=${value}${unit} ≥ ${t[tier]}${unit}（${label}）${reached ? '，达追诉标准' : ''}`,
      ),
    );
  }

  const d7 = byId.get('D7');
  if (facts.priorRecord === true && d7) lines.push(lineFor('D7', d7, d7.anchor, d7.weight, 'priorRecord=true'));

  const anchorPoints: Record<Anchor, number> = { I: 0, P: 0, Ind: 0, S: 0 };
  let score = 0;
  let critical = false;
  for (const l of lines) {
    score += l.points;
    const def = byId.get(l.indicator);
    if (def?.critical) critical = true;
    for (const a of anchorsOf(def, l.anchor)) anchorPoints[a] += l.points;
  }
  score = round2(score);
  const level = (p: number): Level =>
    p >= catalog.checklist.evidencedMinPoints ? 'evidenced' : p > 0 ? 'suspected' : 'none';
  const checklist: Record<Anchor, Level> = {
    I: level(anchorPoints.I),
    P: level(anchorPoints.P),
    Ind: level(anchorPoints.Ind),
    S: level(anchorPoints.S),
  };
  const evidenced = (Object.values(checklist) as Level[]).filter((l) => l === 'evidenced').length;
  const anything = hits.length > 0 || lines.some((l) => l.points > 0);
  const band = bandFor(catalog, score, evidenced, critical || prosecutable, anything);
  return { score, band, checklist, explanation: lines, critical, prosecutable };
}

/** DOMAIN.md §5 bands: red (critical / all four evidenced / prosecutable), orange (3 of 4 or score ≥ 30), yellow, none. */
export function bandFor(
  catalog: IndicatorCatalog,
  score: number,
  evidencedAnchors: number,
  redFlag: boolean,
  anything: boolean,
): Band {
  if (redFlag || evidencedAnchors === 4) return 'red';
  if (evidencedAnchors >= catalog.checklist.orangeMinEvidenced || score >= catalog.bands.orangeScore) return 'orange';
  if (anything && score >= catalog.bands.yellowScore) return 'yellow';
  return 'none';
}

export function catalogOrder(catalog: IndicatorCatalog): Map<string, number> {
  return new Map(catalog.indicators.map((d, i) => [d.id, i]));
}

const ANCHOR_BITS: Record<Anchor, number> = { I: 1, P: 2, Ind: 4, S: 8 };

/**
 * Score and band only, for bulk screening: the same arithmetic as `scoreHits` without facts, without building the
 * explanation (no per-call maps or strings). Hits on indicators the catalogue does not know fall back to `scoreHits`.
 */
export class QuickScorer {
  private readonly index: Map<string, number>;
  private readonly points: Float64Array;
  private readonly anchorMask: Uint8Array;
  private readonly critical: Uint8Array;
  private readonly stamp: Uint32Array;
  private tick = 0;
  private scratch = new Int32Array(16);

  constructor(
    private readonly catalog: IndicatorCatalog,
    private readonly byId: Map<string, IndicatorDefinition>,
  ) {
    this.index = catalogOrder(catalog);
    const defs = catalog.indicators;
    this.points = Float64Array.from(defs, (d) => round2(d.weight * (d.confidence ?? 1)));
    this.anchorMask = Uint8Array.from(defs, (d) => anchorsOf(d, d.anchor).reduce((m, a) => m | ANCHOR_BITS[a], 0));
    this.critical = Uint8Array.from(defs, (d) => (d.critical ? 1 : 0));
    this.stamp = new Uint32Array(defs.length);
  }

  /** Catalogue position of an indicator id (its index in `catalog.indicators`), or undefined. */
  indexOf(indicator: string): number | undefined {
    return this.index.get(indicator);
  }

  score(hits: readonly ScreeningHit[]): { score: number; band: Band } {
    if (hits.length === 0) return { score: 0, band: 'none' };
    if (hits.length > this.scratch.length) this.scratch = new Int32Array(hits.length * 2);
    const order = this.scratch;
    for (let k = 0; k < hits.length; k++) {
      const i = this.index.get(hits[k].indicator);
      if (i === undefined) {
        const full = scoreHits(this.catalog, this.byId, hits, {}, this.index);
        return { score: full.score, band: full.band };
      }
      order[k] = i;
    }
    return this.scoreIndexed(order, hits.length);
  }

  /**
   * The same as `score` for hits given by their indicators' catalogue positions (`indexOf`), in hit order: the engine
   * knows them while it resolves, so bulk screening reads no indicator ids.
   */
  scoreIndexed(order: Int32Array, count: number): { score: number; band: Band } {
    if (count === 0) return { score: 0, band: 'none' };
    const tick = ++this.tick;
    let score = 0;
    let iP = 0;
    let pP = 0;
    let indP = 0;
    let sP = 0;
    let critical = false;
    for (let k = 0; k < count; k++) {
      const i = order[k];
      if (this.stamp[i] === tick) continue;
      this.stamp[i] = tick;
      const pts = this.points[i];
      const m = this.anchorMask[i];
      score += pts;
      if (m & 1) iP += pts;
      if (m & 2) pP += pts;
      if (m & 4) indP += pts;
      if (m & 8) sP += pts;
      if (this.critical[i]) critical = true;
    }
    const min = this.catalog.checklist.evidencedMinPoints;
    const evidenced = (iP >= min ? 1 : 0) + (pP >= min ? 1 : 0) + (indP >= min ? 1 : 0) + (sP >= min ? 1 : 0);
    score = round2(score);
    return { score, band: bandFor(this.catalog, score, evidenced, critical, true) };
  }
}
