import type { Band, ScreeningHit } from '@outpost/contracts';
import type { IndicatorCatalog, IndicatorDefinition } from './catalog/catalog.types';
import { AhoCorasick } from './matcher/aho-corasick';
import { charTablesFor, CLAUSE, KEEP } from './normalize/char-tables';
import { evaluateFundFlow } from './fund-flow/fund-flow.rules';
import type { FlowRecord, FundFlowWindow } from './fund-flow/fund-flow-window';
import { catalogOrder, QuickScorer, scoreHits, type LeadFacts, type ScoreResult } from './scoring/score';

/** One record for `POST /v1/screenings`: free text and/or one bank movement of `accountNo`. */
export interface ScreeningRecord {
  ref: string;
  text?: string;
  accountNo?: string;
  accountName?: string;
  counterpartyNo?: string;
  counterpartyName?: string;
  direction?: 'in' | 'out';
  amount?: number;
  remark?: string;
  occurredAt?: string;
}

export interface RecordScreening {
  ref: string;
  score: number;
  band: Band;
  hits: ScreeningHit[];
}

export interface ScreeningEngineOptions {
  /** Clock for records without `occurredAt` (defaults to the system clock). */
  now?: () => Date;
}

// Pattern roles (bit mask): one normalised string may be a term of several indicators and a cue at once.
const TERM = 1;
const CUE_BEFORE = 2;
const CUE_AFTER = 4;
const WHITELIST = 8;
const SUFFIX = 16;
const BRANCH = 32;

interface TermRef {
  ind: number;
  term: string;
  /** Dense id of this (indicator, term) pair, for the per-field hit cache. */
  id: number;
}

interface CompiledIndicator {
  def: IndicatorDefinition;
  fields: Set<string> | null;
  exclude: Set<string> | null;
}

interface AccountFlows {
  /** Indexes of this account's records in the request. */
  idx: number[];
  flows: FlowRecord[];
}

interface Candidate {
  ind: number;
  ref: TermRef;
  start: number;
  end: number;
  alive: boolean;
}

const MAX_CACHED_FIELDS = 256;
const SKIP_UNIT = 0xffff;
const CLAUSE_UNIT = 0xfffe;
const ALNUM_BIT = 0x8000;

const RECORD_TEXT_FIELDS = ['text', 'accountName', 'counterpartyName', 'remark'] as const;

function isAsciiAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a);
}

/**
 * The screening engine: built once per catalogue (tables and automaton), then used for any number of calls without
 * compiling anything. Pure: no I/O except through the FundFlowWindow the caller passes.
 */
export class ScreeningEngine {
  readonly catalog: IndicatorCatalog;
  private readonly byId = new Map<string, IndicatorDefinition>();
  private readonly indicators: CompiledIndicator[] = [];
  private readonly map: Uint16Array;
  private readonly kind: Uint8Array;
  /** Raw code unit → SKIP_UNIT | CLAUSE_UNIT | (automaton class | ALNUM_BIT): normalisation and class in one read. */
  private readonly scanTable: Uint16Array;
  private readonly ac: AhoCorasick;
  private readonly roles: Uint8Array;
  private readonly termRefs: TermRef[][];
  private readonly latinStart: Uint8Array;
  private readonly latinEnd: Uint8Array;
  private readonly maxPatternLength: number;
  private readonly nameFields: Set<string>;
  private readonly applicability = new Map<string, Uint8Array>();
  /** Hits are immutable and identical for the same (indicator, term, field): built once, shared, frozen. */
  private readonly hitCache = new Map<string, Array<ScreeningHit | undefined>>();
  private termRefCount = 0;
  private readonly now: () => Date;
  private readonly order: Map<string, number>;
  private readonly quick: QuickScorer;
  // Reusable scan buffers: per normalised position (clause << 2 | separatorBefore << 1 | asciiAlnum), and match pairs.
  private info = new Int32Array(4096);
  private matches = new Int32Array(256);
  private matchCount = 0;

  constructor(catalog: IndicatorCatalog, options: ScreeningEngineOptions = {}) {
    this.catalog = catalog;
    this.now = options.now ?? (() => new Date());
    const tables = charTablesFor(catalog.warningCues.clauseDelimiters);
    this.map = tables.map;
    this.kind = tables.kind;
    this.nameFields = new Set(catalog.nameFields);

    const index = new Map<string, number>();
    const patterns: string[] = [];
    const roles: number[] = [];
    const termRefs: TermRef[][] = [];
    const add = (raw: string, role: number, ref?: Omit<TermRef, 'id'>): void => {
      const p = this.normalize(raw);
      if (p.length === 0) return;
      let id = index.get(p);
      if (id === undefined) {
        id = patterns.length;
        index.set(p, id);
        patterns.push(p);
        roles.push(0);
        termRefs.push([]);
      }
      roles[id] |= role;
      // The first catalogue spelling of a normalised term wins, per indicator.
      if (ref && !termRefs[id].some((r) => r.ind === ref.ind)) termRefs[id].push({ ...ref, id: this.termRefCount++ });
    };
    catalog.indicators.forEach((def) => {
      this.byId.set(def.id, def);
      if (def.kind !== 'TERM') return;
      const ind = this.indicators.length;
      this.indicators.push({
        def,
        fields: def.fields ? new Set(def.fields) : null,
        exclude: def.excludeFields ? new Set(def.excludeFields) : null,
      });
      for (const term of def.terms ?? []) add(term, TERM, { ind, term });
    });
    for (const c of catalog.warningCues.before) add(c, CUE_BEFORE);
    for (const c of catalog.warningCues.after) add(c, CUE_AFTER);
    for (const w of catalog.licensedInstitutions) add(w, WHITELIST);
    for (const s of catalog.entitySuffixes) add(s, SUFFIX);
    for (const b of catalog.licensedBranchSuffixes) add(b, BRANCH);

    this.ac = new AhoCorasick(patterns);
    this.maxPatternLength = patterns.reduce((a, p) => Math.max(a, p.length), 0);
    this.roles = Uint8Array.from(roles);
    this.termRefs = termRefs;
    this.order = catalogOrder(catalog);
    this.quick = new QuickScorer(catalog, this.byId);
    this.latinStart = Uint8Array.from(patterns, (p) => (isAsciiAlnum(p.charCodeAt(0)) ? 1 : 0));
    this.latinEnd = Uint8Array.from(patterns, (p) => (isAsciiAlnum(p.charCodeAt(p.length - 1)) ? 1 : 0));
    if (this.ac.cls.reduce((a, b) => Math.max(a, b), 0) >= ALNUM_BIT) throw new Error('catalogue alphabet too large');
    this.scanTable = new Uint16Array(0x10000);
    for (let c = 0; c < 0x10000; c++) {
      const m = this.map[c];
      const k = this.kind[m];
      this.scanTable[c] =
        k === CLAUSE ? CLAUSE_UNIT : k !== KEEP ? SKIP_UNIT : this.ac.cls[m] | (isAsciiAlnum(m) ? ALNUM_BIT : 0);
    }
  }

  /**
   * Full-width → half-width, Traditional → Simplified, lower-case latin, and every whitespace, punctuation, symbol and
   * zero-width character removed (between CJK and latin alike: separators inside a term are the obfuscation to undo).
   */
  normalize(text: string): string {
    const { map, kind } = this;
    let out = '';
    let chunk: number[] = [];
    for (let i = 0; i < text.length; i++) {
      const c = map[text.charCodeAt(i)];
      if (kind[c] !== KEEP) continue;
      chunk.push(c);
      if (chunk.length === 4096) {
        out += String.fromCharCode(...chunk);
        chunk = [];
      }
    }
    return out + String.fromCharCode(...chunk);
  }

  /**
   * Screens named text fields; each hit carries indicator, catalogue term, field, primary anchor and weight. Hits are
   * frozen objects shared between calls (copy one before changing it).
   */
  screenText(fields: Record<string, string | null | undefined>): ScreeningHit[] {
    const hits: ScreeningHit[] = [];
    for (const field of Object.keys(fields)) {
      const value = fields[field];
      if (typeof value === 'string' && value.length > 0) this.screenField(field, value, hits);
    }
    return hits;
  }

  /** Score hits (and lead facts) into score, band, four-characteristics checklist and explanation lines. */
  score(hits: readonly ScreeningHit[], facts?: LeadFacts): ScoreResult {
    return scoreHits(this.catalog, this.byId, hits, facts, this.order);
  }

  /**
   * Screens records: text rules per record, fund-flow rules across the records of each account in this call and, when
   * a window is given, across earlier calls within `fundFlow.windowDays`. Fund-flow hits attach to every record of the
   * account in this call.
   */
  async screenRecords(records: ScreeningRecord[], window?: FundFlowWindow): Promise<RecordScreening[]> {
    let history = new Map<string, FlowRecord[]>();
    if (window) {
      const accounts = new Set<string>();
      for (const r of records) if (this.flowOf(r, '') !== null && r.accountNo) accounts.add(r.accountNo);
      if (accounts.size > 0) history = await window.load([...accounts]);
    }
    const { results, flows } = this.screenRecordsSync(records, history);
    if (window && flows.length > 0) await window.save(flows);
    return results;
  }

  /** The synchronous core of `screenRecords`: also returns the flow records to save into the window. */
  screenRecordsSync(
    records: readonly ScreeningRecord[],
    history: Map<string, FlowRecord[]> = new Map(),
  ): { results: RecordScreening[]; flows: FlowRecord[] } {
    const nowIso = this.now().toISOString();
    const hitsPer: ScreeningHit[][] = new Array<ScreeningHit[]>(records.length);
    const flows: FlowRecord[] = [];
    const byAccount = new Map<string, AccountFlows>();
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      const hits: ScreeningHit[] = [];
      for (const f of RECORD_TEXT_FIELDS) {
        const v = r[f];
        if (typeof v === 'string' && v.length > 0) this.screenField(f, v, hits);
      }
      hitsPer[i] = hits;
      const flow = this.flowOf(r, nowIso);
      if (flow) {
        flows.push(flow);
        const acc = byAccount.get(flow.accountNo);
        if (acc) {
          acc.idx.push(i);
          acc.flows.push(flow);
        } else byAccount.set(flow.accountNo, { idx: [i], flows: [flow] });
      }
    }
    if (byAccount.size > 0) this.applyFundFlow(byAccount, history, hitsPer);
    const results: RecordScreening[] = new Array<RecordScreening>(records.length);
    for (let i = 0; i < records.length; i++) {
      const hits = hitsPer[i];
      const s = this.quick.score(hits);
      results[i] = { ref: records[i].ref, score: s.score, band: s.band, hits };
    }
    return { results, flows };
  }

  private flowOf(r: ScreeningRecord, nowIso: string): FlowRecord | null {
    if (!r.accountNo || (r.direction !== 'in' && r.direction !== 'out')) return null;
    if (typeof r.amount !== 'number' || !Number.isFinite(r.amount) || r.amount <= 0) return null;
    // Intake validates ISO-8601 at the edge; an unparseable time here falls back to the screening time.
    const valid = r.occurredAt !== undefined && !Number.isNaN(Date.parse(r.occurredAt));
    return {
      ref: r.ref,
      accountNo: r.accountNo,
      counterparty: r.counterpartyNo || r.counterpartyName || null,
      direction: r.direction,
      amount: r.amount,
      occurredAt: valid ? (r.occurredAt as string) : nowIso,
    };
  }

  private applyFundFlow(
    byAccount: Map<string, AccountFlows>,
    history: Map<string, FlowRecord[]>,
    hitsPer: ScreeningHit[][],
  ): void {
    const cfg = this.catalog.fundFlow;
    const windowMs = cfg.windowDays * 86_400_000;
    // No rule can fire on fewer movements than the smallest minimum: skip those accounts before building anything.
    const minNeeded = Math.min(cfg.funnel.minCounterparties, cfg.fixedMultiples.minInbound);
    const c2 = this.byId.get('C2');
    const c3 = this.byId.get('C3');
    for (const [accountNo, { idx, flows: mine }] of byAccount) {
      const past = history.get(accountNo) ?? [];
      if (past.length + mine.length < minNeeded) continue;
      const refs = new Set(mine.map((f) => f.ref));
      const combined = [...past.filter((f) => !refs.has(f.ref)), ...mine];
      // The window ends at the latest movement seen, so a month-old bank export is judged on its own timeline.
      const times = combined.map((f) => Date.parse(f.occurredAt));
      let latest = -Infinity;
      for (const t of times) if (t > latest) latest = t;
      const inWindow = combined.filter((_, k) => times[k] >= latest - windowMs);
      for (const finding of evaluateFundFlow(inWindow, cfg)) {
        const def = finding.indicator === 'C2' ? c2 : c3;
        if (!def) continue;
        const terms = def.terms ?? [];
        const term =
          finding.indicator === 'C2'
            ? finding.pattern === 'collection'
              ? terms[0]
              : (terms[1] ?? terms[0])
            : terms[0];
        const hit: ScreeningHit = Object.freeze({
          indicator: def.id,
          term: term ?? finding.detail,
          field: 'accountNo',
          anchor: def.anchor,
          weight: def.weight,
        });
        for (const i of idx) hitsPer[i].push(hit);
      }
    }
  }

  /** Normalise + match one field in one pass, then apply field, whitelist, entity-name and warning rules. */
  private screenField(field: string, value: string, out: ScreeningHit[]): void {
    const len = value.length;
    if (len > this.info.length) {
      let size = this.info.length;
      while (size < len) size *= 2;
      this.info = new Int32Array(size);
    }
    const { scanTable, info } = this;
    const { delta, outStart, outList, shift, firstOutputState } = this.ac;
    let matches = this.matches;
    let mc = 0;
    let state = 0;
    let n = 0;
    let clause = 0;
    let sep = 0;
    for (let i = 0; i < len; i++) {
      const k = scanTable[value.charCodeAt(i)];
      if (k >= CLAUSE_UNIT) {
        if (k === CLAUSE_UNIT) clause += 4;
        sep = 2;
        continue;
      }
      info[n] = clause | sep | (k >>> 15);
      sep = 0;
      // Characters in no pattern (class 0) always lead back to the root: skip the table read for them.
      const cls = k & 0x7fff;
      state = cls === 0 ? 0 : delta[(state << shift) | cls];
      if (state >= firstOutputState) {
        const oe = outStart[state + 1];
        for (let j = outStart[state]; j < oe; j++) {
          if (mc * 2 + 2 > matches.length) {
            const bigger = new Int32Array(matches.length * 2);
            bigger.set(matches);
            matches = this.matches = bigger;
          }
          matches[mc * 2] = outList[j];
          matches[mc * 2 + 1] = n;
          mc++;
        }
      }
      n++;
    }
    if (mc > 0) {
      this.matchCount = mc;
      this.resolve(field, n, out);
    }
  }

  private applicable(field: string): Uint8Array {
    let a = this.applicability.get(field);
    if (!a) {
      a = Uint8Array.from(this.indicators, (ci) =>
        (ci.fields === null || ci.fields.has(field)) && !(ci.exclude?.has(field) ?? false) ? 1 : 0,
      );
      if (this.applicability.size < MAX_CACHED_FIELDS) this.applicability.set(field, a);
    }
    return a;
  }

  private resolve(field: string, n: number, out: ScreeningHit[]): void {
    const { matches, matchCount, roles, info } = this;
    const lengths = this.ac.lengths;
    let hasTerm = false;
    for (let m = 0; m < matchCount; m++) if (roles[matches[m * 2]] & TERM) hasTerm = true;
    if (!hasTerm) return;
    const applicable = this.applicable(field);
    const nameField = this.nameFields.has(field);
    const cues = this.catalog.warningCues;
    const candidates: Candidate[] = [];

    for (let m = 0; m < matchCount; m++) {
      const p = matches[m * 2];
      if (!(roles[p] & TERM)) continue;
      const end = matches[m * 2 + 1];
      const start = end - lengths[p] + 1;
      // Latin terms need a word boundary: a separator or a non-alphanumeric neighbour (ico ≠ unicode).
      if (this.latinStart[p] && start > 0 && !(info[start] & 2) && info[start - 1] & 1) continue;
      if (this.latinEnd[p] && end + 1 < n && !(info[end + 1] & 2) && info[end + 1] & 1) continue;
      for (const ref of this.termRefs[p]) {
        if (!applicable[ref.ind]) continue;
        const def = this.indicators[ref.ind].def;
        if (def.nameRule) {
          if (this.licensed(start, end)) continue;
          if (!nameField && !this.entitySuffixFollows(start, end)) continue;
        }
        if (def.warnable && this.warned(start, end, cues.maxGapBefore, cues.maxGapAfter)) continue;
        candidates.push({ ind: ref.ind, ref, start, end, alive: true });
      }
    }
    // Within one group, a term inside a longer term of an indicator weighing at least as much is the same evidence
    // (保本 inside 保本保息, 众筹 inside 股权众筹): keep the longer one only. Candidates come in end order, so a container
    // ends within maxPatternLength after the contained term.
    const maxLen = this.maxPatternLength;
    for (let i = 0; i < candidates.length; i++) {
      const a = candidates[i];
      const ga = this.indicators[a.ind].def;
      let j = i;
      while (j > 0 && candidates[j - 1].end === a.end) j--;
      for (; j < candidates.length && candidates[j].end <= a.end + maxLen; j++) {
        const b = candidates[j];
        if (a === b || !b.alive) continue;
        const gb = this.indicators[b.ind].def;
        if (gb.group !== ga.group || gb.weight < ga.weight) continue;
        if (b.start <= a.start && b.end >= a.end && b.end - b.start > a.end - a.start) {
          a.alive = false;
          break;
        }
      }
    }
    let cache = this.hitCache.get(field);
    if (!cache) {
      cache = new Array<ScreeningHit | undefined>(this.termRefCount);
      // Field names come from code, not input; the cap only guards against a caller passing arbitrary keys.
      if (this.hitCache.size < MAX_CACHED_FIELDS) this.hitCache.set(field, cache);
    }
    for (const c of candidates) {
      if (!c.alive) continue;
      let hit = cache[c.ref.id];
      if (!hit) {
        const def = this.indicators[c.ind].def;
        hit = cache[c.ref.id] = Object.freeze({
          indicator: def.id,
          term: c.ref.term,
          field,
          anchor: def.anchor,
          weight: def.weight,
        });
      }
      // The same frozen object per (indicator, term, field), so identity is the duplicate check.
      if (!out.includes(hit)) out.push(hit);
    }
  }

  /** Index of the first match ending at or after `pos` (matches are recorded in end order). */
  private firstEndingAt(pos: number): number {
    const { matches } = this;
    let lo = 0;
    let hi = this.matchCount;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (matches[mid * 2 + 1] < pos) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Is [start, end] inside a licensed institution's name, or between that name and its branch suffix? */
  private licensed(start: number, end: number): boolean {
    const { matches, matchCount, roles, info } = this;
    const lengths = this.ac.lengths;
    const gap = this.catalog.licensedBranchMaxGap;
    const maxLen = this.maxPatternLength;
    // A covering name starts at or before `start`, so it ends before start + maxLen; a name whose branch suffix covers
    // the term ends at most `gap` before it.
    for (let m = this.firstEndingAt(start - gap); m < matchCount && matches[m * 2 + 1] < start + maxLen; m++) {
      const p = matches[m * 2];
      if (!(roles[p] & WHITELIST)) continue;
      const e = matches[m * 2 + 1];
      const s = e - lengths[p] + 1;
      if (s > start) continue;
      if (e >= end) return true;
      for (let b = this.firstEndingAt(end); b < matchCount && matches[b * 2 + 1] <= e + gap; b++) {
        const q = matches[b * 2];
        if (!(roles[q] & BRANCH)) continue;
        const be = matches[b * 2 + 1];
        if (be - lengths[q] + 1 > e && info[be] >> 2 === info[s] >> 2) return true;
      }
    }
    return false;
  }

  /** In a free-text field a name rule needs the term to be part of an entity name: a suffix (有限公司 …) close after it. */
  private entitySuffixFollows(start: number, end: number): boolean {
    const { matches, matchCount, roles, info } = this;
    const lengths = this.ac.lengths;
    const limit = end + this.catalog.entitySuffixMaxGap + this.maxPatternLength;
    for (let m = this.firstEndingAt(end); m < matchCount && matches[m * 2 + 1] <= limit; m++) {
      const p = matches[m * 2];
      if (!(roles[p] & SUFFIX)) continue;
      const e = matches[m * 2 + 1];
      const s = e - lengths[p] + 1;
      if (s >= start && s - end - 1 <= this.catalog.entitySuffixMaxGap && info[s] >> 2 === info[end] >> 2) return true;
    }
    return false;
  }

  /** A warning cue before the term (same clause, within the gap) or a warning pattern after it neutralises it. */
  private warned(start: number, end: number, gapBefore: number, gapAfter: number): boolean {
    const { matches, matchCount, roles, info } = this;
    const lengths = this.ac.lengths;
    const clause = info[start] >> 2;
    for (let m = this.firstEndingAt(start - gapBefore - 1); m < matchCount && matches[m * 2 + 1] < start; m++) {
      const p = matches[m * 2];
      if (roles[p] & CUE_BEFORE && info[matches[m * 2 + 1]] >> 2 === clause) return true;
    }
    const limit = end + gapAfter + this.maxPatternLength;
    for (let m = this.firstEndingAt(end + 1); m < matchCount && matches[m * 2 + 1] <= limit; m++) {
      const p = matches[m * 2];
      if (!(roles[p] & CUE_AFTER)) continue;
      const s = matches[m * 2 + 1] - lengths[p] + 1;
      if (s > end && s - end - 1 <= gapAfter && info[s] >> 2 === info[end] >> 2) return true;
    }
    return false;
  }
}
