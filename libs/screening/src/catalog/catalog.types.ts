import type { Anchor } from '@outpost/contracts';

export type IndicatorGroup = 'A' | 'B' | 'C' | 'D' | 'E';
/** TERM: matched in text; FUND_FLOW: derived from bank records; THRESHOLD: D-tiers from estimates; FACT: set by people. */
export type IndicatorKind = 'TERM' | 'FUND_FLOW' | 'THRESHOLD' | 'FACT';

/** One row of the risk-indicator catalogue (DOMAIN.md §5). */
export interface IndicatorDefinition {
  /** 'A1'..'E3' as in DOMAIN.md §5. */
  id: string;
  group: IndicatorGroup;
  label: { zh: string; en: string };
  /** Primary legal anchor (one of the four SPC characteristics), null for scale/collapse signals. */
  anchor: Anchor | null;
  /** Every anchor the indicator evidences (B4 P/S, B6 I/Ind, C3 S/Ind, C7 Ind/S); defaults to [anchor]. */
  anchors?: Anchor[];
  weight: number;
  /** Critical signals (E2) make the band red on their own. */
  critical?: boolean;
  /** Confidence in [0, 1] applied to the weight; defaults to 1. */
  confidence?: number;
  /** Terms as written (Simplified Chinese / latin); matched after normalisation. */
  terms?: string[];
  /** Only these input fields are screened for this indicator (absent: every field). */
  fields?: string[];
  /** These input fields are never screened for this indicator. */
  excludeFields?: string[];
  /**
   * A name/scope rule: a licensed institution's name never trips it, and outside the catalogue's `nameFields` it only
   * counts when the term is part of an entity name (an entity suffix such as 有限公司 follows in the same clause).
   */
  nameRule?: boolean;
  /** A promise quoted inside a warning (警惕保本保息) does not count for this indicator. */
  warnable?: boolean;
  sourceRef: string;
  kind: IndicatorKind;
}

export interface WarningCues {
  /** Cues that neutralise a term which follows them in the same clause (警惕, 谨防 …). */
  before: string[];
  /** Cues that neutralise a term which precedes them in the same clause (…的都是骗局, …陷阱). */
  after: string[];
  /** Maximum normalised characters between a before-cue's end and the term. */
  maxGapBefore: number;
  /** Maximum normalised characters between the term's end and an after-cue. */
  maxGapAfter: number;
  /** Characters that end a clause (the cue must be in the same clause as the term). */
  clauseDelimiters: string;
}

export type ThresholdMeasure = 'amountYuan' | 'participants' | 'lossYuan';

export interface FundFlowSettings {
  /** How far back records of one account are combined across requests. */
  windowDays: number;
  /** C2: 分散转入、集中转出 (collection) and its mirror 集中转入、分散转出 (payout). */
  funnel: {
    minCounterparties: number;
    smallAmountYuan: number;
    smallShare: number;
    concentrationShare: number;
    maxConcentratedCounterparties: number;
  };
  /** C3: inbound amounts in fixed multiples of a base figure. */
  fixedMultiples: {
    minInbound: number;
    minCounterparties: number;
    share: number;
    bases: number[];
    minBaseYuan: number;
  };
}

/** The versioned indicator catalogue: data, with every weight, threshold, cue and whitelist configurable. */
export interface IndicatorCatalog {
  version: string;
  indicators: IndicatorDefinition[];
  /** Score bands (DOMAIN.md §5): orange at score ≥ orangeScore; yellow for any hit with score ≥ yellowScore. */
  bands: { orangeScore: number; yellowScore: number };
  checklist: { evidencedMinPoints: number; orangeMinEvidenced: number };
  /** D1–D3 tiers from SPC Art. 3–5, ascending. */
  thresholds: { amountYuan: number[]; participants: number[]; lossYuan: number[] };
  tiers: {
    /** Points per tier index, parallel to `thresholds`. */
    weights: Record<ThresholdMeasure, number[]>;
    /** The first tier index that is prosecutable (追诉) on its own → red. */
    prosecutableTier: Record<ThresholdMeasure, number>;
    /** The lower-bar tier (-1: none) that becomes prosecutable with a prior record (SPC Art. 3 ¶2). */
    lowerBarTier: Record<ThresholdMeasure, number>;
    labels: string[];
  };
  complaints: { cap: number };
  /** Input fields that hold an entity's name or business scope. */
  nameFields: string[];
  entitySuffixes: string[];
  entitySuffixMaxGap: number;
  /** Names of licensed banks, insurers, securities firms …: their characters never trip a name rule. */
  licensedInstitutions: string[];
  /**
   * A licensed institution's branch (招商银行股份有限公司广州天河支行, …证券营业部) is covered up to the branch suffix, if that
   * suffix ends within `licensedBranchMaxGap` characters in the same clause.
   */
  licensedBranchSuffixes: string[];
  licensedBranchMaxGap: number;
  warningCues: WarningCues;
  fundFlow: FundFlowSettings;
}

/** What `loadCatalog` accepts: any top-level section replaced, plus individual weights by indicator id. */
export type CatalogOverrides = Partial<IndicatorCatalog> & { weights?: Record<string, number> };
