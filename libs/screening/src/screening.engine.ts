import type { Band, ScreeningHit } from '@outpost/contracts';
import type { IndicatorCatalog, IndicatorDefinition } from './catalog/catalog.types';
import { AhoCorasick } from './matcher/aho-corasick';
import { charTablesFor, CLAUSE, KEEP } from './normalize/char-tables';
import { evaluateFundFlow } from './fund-flow/fund-flow.rules';
import { isParsableTime } from './fund-flow/iso-time';
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
const WARNING_CUES = CUE_BEFORE | CUE_AFTER;

interface TermRef {
  ind: number;
  term: string;
}

interface CompiledIndicator {
  def: IndicatorDefinition;
  fields: Set<string> | null;
  exclude: Set<string> | null;
}

/** What the rules need to know about one input field, built once per field name (not per call). */
interface FieldContext {
  readonly name: string;
  /** Per compiled indicator: 1 if the indicator screens this field. */
  readonly applicable: Uint8Array;
  readonly nameField: boolean;
  /**
   * Per pattern: its roles, with TERM only if some term ref of the pattern applies to this field, so a field whose
   * only term matches belong to other fields' indicators (投资 is a remark-only term) skips the rules entirely.
   */
  readonly roles: Uint8Array;
  /** Hits are immutable and identical for the same (indicator, term, field): built once per term ref, shared, frozen. */
  readonly hits: Array<ScreeningHit | undefined>;
  /**
   * Short values screened before in this field, with the hits they gave (see screenField). Only for the screening
   * records' fields: a caller's arbitrary field names (up to MAX_CACHED_FIELDS) would multiply the memory.
   */
  readonly remembered: Map<string, RememberedHits> | null;
}

/** What one field value gave: its hits in order, and their indicators' catalogue positions. */
interface RememberedHits {
  hits: ScreeningHit[];
  orders: Int32Array;
}

const NO_HITS: RememberedHits = { hits: [], orders: new Int32Array(0) };
/** Values up to this length are remembered per field, at most MAX_REMEMBERED of them (then forgotten all at once). */
const MAX_REMEMBERED_LENGTH = 32;
const MAX_REMEMBERED = 4096;

/** The movements of one call grouped by account: a linked list per account over the call's flow records. */
interface CallFlows {
  flows: FlowRecord[];
  /** Per flow: index of its record in the call, and the next flow of the same account (-1: none). */
  record: Int32Array;
  next: Int32Array;
  /** Per account (in first-seen order): first flow and number of flows. */
  accounts: string[];
  head: number[];
  count: number[];
}

const NO_FLOWS: readonly FlowRecord[] = [];

const MAX_CACHED_FIELDS = 256;
const SKIP_UNIT = 0xffff;
const CLAUSE_UNIT = 0xfffe;
/** Ints per match in the match buffer: pattern, normalised end, end's index in the text. */
const MATCH_STRIDE = 3;

const RECORD_TEXT_FIELDS = ['text', 'accountName', 'counterpartyName', 'remark'] as const;

// Indicator flags, per compiled indicator.
const NAME_RULE = 1;
const WARNABLE = 2;

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
  /** Raw code unit → SKIP_UNIT | CLAUSE_UNIT | automaton class: normalisation and class in one read. */
  private readonly scanTable: Uint16Array;
  private readonly ac: AhoCorasick;
  private readonly roles: Uint8Array;
  /** Term refs of pattern p: refInd/refTerm[refStart[p] .. refStart[p + 1]); a ref's index is its id. */
  private readonly refStart: Int32Array;
  private readonly refInd: Int32Array;
  private readonly refTerm: string[];
  private readonly termRefCount: number;
  /** Per compiled indicator: NAME_RULE | WARNABLE, group (dense id) and weight, so the rules read no objects. */
  private readonly indFlags: Uint8Array;
  private readonly indGroup: Int32Array;
  private readonly indWeight: Float64Array;
  private readonly latinStart: Uint8Array;
  private readonly latinEnd: Uint8Array;
  private readonly maxPatternLength: number;
  private readonly nameFields: Set<string>;
  private readonly fieldContexts = new Map<string, FieldContext>();
  /** Contexts of RECORD_TEXT_FIELDS, in that order. */
  private readonly recordFields: FieldContext[];
  private readonly now: () => Date;
  private readonly order: Map<string, number>;
  private readonly quick: QuickScorer;
  // Reusable match buffer: per match (MATCH_STRIDE ints), its pattern, its end as a normalised position and the index
  // of that end in the field's text. Clauses, separators and latin word boundaries are read back from the text around
  // a match when a rule asks: writing them down for every character cost the scan ~13 % (measured), and rules look
  // at a few matches per field.
  private matches = new Int32Array(64 * MATCH_STRIDE);
  private matchCount = 0;
  /** Union of the roles of the field's matches so far: the rules run only when some term matched. */
  private seenRoles = 0;
  /** The text of the field being resolved. */
  private text = '';
  // Reusable candidate buffers for one field: term ref, start, end (normalised positions) and whether it survives.
  private candRef = new Int32Array(64);
  private candStart = new Int32Array(64);
  private candEnd = new Int32Array(64);
  private candAlive = new Uint8Array(64);
  // Hits of the record (or screenText call) being screened, deduplicated by identity, with their indicators' catalogue
  // positions for the scorer; copied out at the exact size once the record is done.
  private hitBuf: ScreeningHit[] = [];
  private hitOrder = new Int32Array(16);
  private hitCount = 0;
  /** Per record of the current call: 1 if fund-flow rules added hits to it (valid when applyFundFlow returned true). */
  private fundFlowHitAt = new Uint8Array(0);
  /** Per compiled indicator: its catalogue position (QuickScorer order). */
  private readonly indOrder: Int32Array;

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
    const add = (raw: string, role: number, ref?: TermRef): void => {
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
      if (ref && !termRefs[id].some((r) => r.ind === ref.ind)) termRefs[id].push(ref);
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
    this.refStart = new Int32Array(patterns.length + 1);
    const flat = termRefs.flat();
    for (let p = 0; p < patterns.length; p++) this.refStart[p + 1] = this.refStart[p] + termRefs[p].length;
    this.refInd = Int32Array.from(flat, (r) => r.ind);
    this.refTerm = flat.map((r) => r.term);
    this.termRefCount = flat.length;
    const groups = new Map<string, number>();
    const groupOf = (g: string): number => {
      let id = groups.get(g);
      if (id === undefined) groups.set(g, (id = groups.size));
      return id;
    };
    this.indFlags = Uint8Array.from(
      this.indicators,
      ({ def }) => (def.nameRule ? NAME_RULE : 0) | (def.warnable ? WARNABLE : 0),
    );
    this.indGroup = Int32Array.from(this.indicators, ({ def }) => groupOf(def.group));
    this.indWeight = Float64Array.from(this.indicators, ({ def }) => def.weight);
    this.order = catalogOrder(catalog);
    this.quick = new QuickScorer(catalog, this.byId);
    this.indOrder = Int32Array.from(this.indicators, ({ def }) => {
      const order = this.quick.indexOf(def.id);
      if (order === undefined) throw new Error(`indicator ${def.id} has no catalogue position`);
      return order;
    });
    this.latinStart = Uint8Array.from(patterns, (p) => (isAsciiAlnum(p.charCodeAt(0)) ? 1 : 0));
    this.latinEnd = Uint8Array.from(patterns, (p) => (isAsciiAlnum(p.charCodeAt(p.length - 1)) ? 1 : 0));
    if (this.ac.cls.reduce((a, b) => Math.max(a, b), 0) >= CLAUSE_UNIT) throw new Error('catalogue alphabet too large');
    this.scanTable = new Uint16Array(0x10000);
    for (let c = 0; c < 0x10000; c++) {
      const m = this.map[c];
      const k = this.kind[m];
      this.scanTable[c] = k === CLAUSE ? CLAUSE_UNIT : k !== KEEP ? SKIP_UNIT : this.ac.cls[m];
    }
    // The short fields of bank movements remember their values (see screenField); free text is scanned every time.
    const [text, ...short] = RECORD_TEXT_FIELDS.map((f) => this.fieldContext(f));
    this.recordFields = [text!, ...short.map((c) => ({ ...c, remembered: new Map<string, RememberedHits>() }))];
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
    this.hitCount = 0;
    for (const field of Object.keys(fields)) {
      const value = fields[field];
      if (typeof value === 'string' && value.length > 0) this.screenField(this.fieldContext(field), value);
    }
    return this.hitBuf.slice(0, this.hitCount);
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
    const n = records.length;
    const hitsPer: ScreeningHit[][] = new Array<ScreeningHit[]>(n);
    const scores = new Float64Array(n);
    const bands = new Array<Band>(n);
    const call: CallFlows = {
      flows: [],
      record: new Int32Array(n),
      next: new Int32Array(n),
      accounts: [],
      head: [],
      count: [],
    };
    const accountIds = new Map<string, number>();
    // Named reads in RECORD_TEXT_FIELDS order: a keyed read by a varying property name costs more than the scan of a
    // short field.
    const [text, accountName, counterpartyName, remark] = this.recordFields;
    for (let i = 0; i < n; i++) {
      const r = records[i];
      this.hitCount = 0;
      if (typeof r.text === 'string' && r.text.length > 0) this.scanField(text, r.text);
      if (typeof r.accountName === 'string' && r.accountName.length > 0) this.screenField(accountName, r.accountName);
      if (typeof r.counterpartyName === 'string' && r.counterpartyName.length > 0)
        this.screenField(counterpartyName, r.counterpartyName);
      if (typeof r.remark === 'string' && r.remark.length > 0) this.screenField(remark, r.remark);
      const hc = this.hitCount;
      if (hc === 0) {
        hitsPer[i] = [];
        bands[i] = 'none';
      } else {
        hitsPer[i] = this.hitBuf.slice(0, hc);
        const s = this.quick.scoreIndexed(this.hitOrder, hc);
        scores[i] = s.score;
        bands[i] = s.band;
      }
      const flow = this.flowOf(r, nowIso);
      if (flow) {
        const f = call.flows.length;
        call.flows.push(flow);
        call.record[f] = i;
        call.next[f] = -1;
        const a = accountIds.get(flow.accountNo);
        if (a === undefined) {
          accountIds.set(flow.accountNo, call.accounts.length);
          call.accounts.push(flow.accountNo);
          call.head.push(f);
          call.count.push(1);
        } else {
          // Prepend: the list is walked once and reversed into call order there.
          call.next[f] = call.head[a];
          call.head[a] = f;
          call.count[a]++;
        }
      }
    }
    if (call.flows.length > 0 && this.applyFundFlow(call, history, hitsPer)) {
      // Records that gained fund-flow hits are scored again over all their hits (rare: only funnel / multiple patterns).
      for (let i = 0; i < n; i++) {
        const hits = hitsPer[i];
        if (hits.length === 0 || !this.fundFlowHitAt[i]) continue;
        const s = this.quick.score(hits);
        scores[i] = s.score;
        bands[i] = s.band;
      }
    }
    const results: RecordScreening[] = new Array<RecordScreening>(n);
    for (let i = 0; i < n; i++)
      results[i] = { ref: records[i].ref, score: scores[i], band: bands[i], hits: hitsPer[i] };
    const flows = call.flows;
    return { results, flows };
  }

  private flowOf(r: ScreeningRecord, nowIso: string): FlowRecord | null {
    if (!r.accountNo || (r.direction !== 'in' && r.direction !== 'out')) return null;
    if (typeof r.amount !== 'number' || !Number.isFinite(r.amount) || r.amount <= 0) return null;
    // Intake validates ISO-8601 at the edge; an unparseable time here falls back to the screening time.
    const valid = r.occurredAt !== undefined && isParsableTime(r.occurredAt);
    return {
      ref: r.ref,
      accountNo: r.accountNo,
      counterparty: r.counterpartyNo || r.counterpartyName || null,
      direction: r.direction,
      amount: r.amount,
      occurredAt: valid ? (r.occurredAt as string) : nowIso,
    };
  }

  /** Fund-flow rules per account; marks the records that gained hits in `fundFlowHitAt` and says whether any did. */
  private applyFundFlow(call: CallFlows, history: Map<string, FlowRecord[]>, hitsPer: ScreeningHit[][]): boolean {
    const cfg = this.catalog.fundFlow;
    const windowMs = cfg.windowDays * 86_400_000;
    // No rule can fire on fewer movements than the smallest minimum: skip those accounts before building anything.
    const minNeeded = Math.min(cfg.funnel.minCounterparties, cfg.fixedMultiples.minInbound);
    const c2 = this.byId.get('C2');
    const c3 = this.byId.get('C3');
    let any = false;
    for (let a = 0; a < call.accounts.length; a++) {
      const accountNo = call.accounts[a];
      const past = history.get(accountNo) ?? NO_FLOWS;
      const count = call.count[a];
      if (past.length + count < minNeeded) continue;
      const idx = new Array<number>(count);
      const mine = new Array<FlowRecord>(count);
      for (let f = call.head[a], k = count - 1; f !== -1; f = call.next[f], k--) {
        idx[k] = call.record[f];
        mine[k] = call.flows[f];
      }
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
        if (!any) {
          if (this.fundFlowHitAt.length < hitsPer.length) this.fundFlowHitAt = new Uint8Array(hitsPer.length);
          else this.fundFlowHitAt.fill(0, 0, hitsPer.length);
          any = true;
        }
        for (const i of idx) {
          hitsPer[i].push(hit);
          this.fundFlowHitAt[i] = 1;
        }
      }
    }
    return any;
  }

  /**
   * Screens one field value into the current record's hits. Account and counterparty names and transfer remarks
   * repeat across a bank export (one account's movements, 货款 and 工资 remarks): a short value seen before in this
   * field replays its hits instead of being scanned again. A field's hits depend only on its value (hits are per
   * field, so no other field's can deduplicate them).
   */
  private screenField(field: FieldContext, value: string): void {
    const remembered = field.remembered;
    if (remembered === null || value.length > MAX_REMEMBERED_LENGTH) return this.scanField(field, value);
    const known = remembered.get(value);
    if (known !== undefined) {
      for (let k = 0; k < known.hits.length; k++) this.addHit(known.hits[k], known.orders[k]);
      return;
    }
    const from = this.hitCount;
    this.scanField(field, value);
    if (remembered.size >= MAX_REMEMBERED) remembered.clear();
    remembered.set(
      value,
      this.hitCount === from
        ? NO_HITS
        : { hits: this.hitBuf.slice(from, this.hitCount), orders: this.hitOrder.slice(from, this.hitCount) },
    );
  }

  /** Normalise + match one field in one pass, then apply field, whitelist, entity-name and warning rules. */
  private scanField(field: FieldContext, value: string): void {
    const len = value.length;
    const scanTable = this.scanTable;
    const delta = this.ac.delta;
    // `| 0` tells the optimising compiler these are int32 (plain property reads cost the scan ~12 %, measured).
    const shift = this.ac.shift | 0;
    const firstOutputState = this.ac.firstOutputState | 0;
    this.matchCount = 0;
    this.seenRoles = 0;
    let state = 0;
    // A kept character's normalised position is its index less the separators before it (rarer than kept ones).
    let skipped = 0;
    for (let i = 0; i < len; i++) {
      const k = scanTable[value.charCodeAt(i)];
      // Separators and clause delimiters are dropped: a term spelled across them still matches.
      if (k >= CLAUSE_UNIT) {
        skipped++;
        continue;
      }
      // Characters in no pattern (class 0) always lead back to the root: skip the table read for them.
      state = k === 0 ? 0 : delta[state | k];
      if (state >= firstOutputState) this.recordMatches(field, state >> shift, i - skipped, i);
    }
    if (this.seenRoles & TERM) {
      this.text = value;
      this.resolve(field, this.seenRoles);
    }
  }

  /**
   * The patterns ending at state `id`, at normalised position `n` (text index `i`), into the match buffer. Out of the
   * scan loop (a few characters in a hundred end a pattern): the smaller loop measured 3–6 % faster.
   */
  private recordMatches(field: FieldContext, id: number, n: number, i: number): void {
    const { outStart, outList } = this.ac;
    let mc = this.matchCount;
    let seen = this.seenRoles;
    const oe = outStart[id + 1];
    for (let j = outStart[id]; j < oe; j++) {
      if ((mc + 1) * MATCH_STRIDE > this.matches.length) {
        const bigger = new Int32Array(this.matches.length * 2);
        bigger.set(this.matches);
        this.matches = bigger;
      }
      const p = outList[j];
      seen |= field.roles[p];
      this.matches[mc * MATCH_STRIDE] = p;
      this.matches[mc * MATCH_STRIDE + 1] = n;
      this.matches[mc * MATCH_STRIDE + 2] = i;
      mc++;
    }
    this.matchCount = mc;
    this.seenRoles = seen;
  }

  /** The context of a field name; cached, except beyond MAX_CACHED_FIELDS names (a caller passing arbitrary keys). */
  private fieldContext(field: string): FieldContext {
    let c = this.fieldContexts.get(field);
    if (!c) {
      const applicable = Uint8Array.from(this.indicators, (ci) =>
        (ci.fields === null || ci.fields.has(field)) && !(ci.exclude?.has(field) ?? false) ? 1 : 0,
      );
      const roles = Uint8Array.from(this.roles, (r, p) => {
        if (!(r & TERM)) return r;
        for (let j = this.refStart[p]; j < this.refStart[p + 1]; j++) if (applicable[this.refInd[j]]) return r;
        return r & ~TERM;
      });
      c = {
        name: field,
        applicable,
        nameField: this.nameFields.has(field),
        roles,
        hits: new Array<ScreeningHit | undefined>(this.termRefCount),
        remembered: null,
      };
      if (this.fieldContexts.size < MAX_CACHED_FIELDS) this.fieldContexts.set(field, c);
    }
    return c;
  }

  /** `seen`: the union of the roles matched in the field, so a context rule with nothing to look at is not asked. */
  private resolve(field: FieldContext, seen: number): void {
    const { matches, matchCount, refStart, refInd, indFlags, indGroup, indWeight } = this;
    const { latinStart, latinEnd } = this;
    const lengths = this.ac.lengths;
    const { applicable, roles } = field;
    const cues = this.catalog.warningCues;
    let nc = 0;

    for (let m = 0; m < matchCount; m++) {
      const p = matches[m * MATCH_STRIDE];
      if (!(roles[p] & TERM)) continue;
      const end = matches[m * MATCH_STRIDE + 1];
      const start = end - lengths[p] + 1;
      // Latin terms need a word boundary: a separator or a non-alphanumeric neighbour (ico ≠ unicode).
      if (latinStart[p] && this.wordCharAt(this.textStart(m) - 1)) continue;
      if (latinEnd[p] && this.wordCharAt(matches[m * MATCH_STRIDE + 2] + 1)) continue;
      const re = refStart[p + 1];
      for (let r = refStart[p]; r < re; r++) {
        const ind = refInd[r];
        if (!applicable[ind]) continue;
        const flags = indFlags[ind];
        if (flags & NAME_RULE) {
          // Both must pass; the suffix test first, as in free text most name terms have no entity suffix after them.
          if (!field.nameField && (!(seen & SUFFIX) || !this.entitySuffixFollows(m))) continue;
          if (seen & WHITELIST && this.licensed(start, end)) continue;
        }
        if (flags & WARNABLE && seen & WARNING_CUES && this.warned(m, cues.maxGapBefore, cues.maxGapAfter)) continue;
        if (nc === this.candRef.length) this.growCandidates();
        this.candRef[nc] = r;
        this.candStart[nc] = start;
        this.candEnd[nc] = end;
        this.candAlive[nc] = 1;
        nc++;
      }
    }
    if (nc === 0) return;
    const { candRef, candStart, candEnd, candAlive } = this;
    // Within one group, a term inside a longer term of an indicator weighing at least as much is the same evidence
    // (保本 inside 保本保息, 众筹 inside 股权众筹): keep the longer one only. Candidates come in end order, so a container
    // ends within maxPatternLength after the contained term.
    const maxLen = this.maxPatternLength;
    for (let i = 0; i < nc; i++) {
      const ia = refInd[candRef[i]];
      const ga = indGroup[ia];
      const wa = indWeight[ia];
      const aStart = candStart[i];
      const aEnd = candEnd[i];
      let j = i;
      while (j > 0 && candEnd[j - 1] === aEnd) j--;
      for (; j < nc && candEnd[j] <= aEnd + maxLen; j++) {
        if (j === i || !candAlive[j]) continue;
        const ib = refInd[candRef[j]];
        if (indGroup[ib] !== ga || indWeight[ib] < wa) continue;
        if (candStart[j] <= aStart && candEnd[j] >= aEnd && candEnd[j] - candStart[j] > aEnd - aStart) {
          candAlive[i] = 0;
          break;
        }
      }
    }
    const cache = field.hits;
    for (let i = 0; i < nc; i++) {
      if (!candAlive[i]) continue;
      const r = candRef[i];
      let hit = cache[r];
      if (!hit) {
        const def = this.indicators[refInd[r]].def;
        hit = cache[r] = Object.freeze({
          indicator: def.id,
          term: this.refTerm[r],
          field: field.name,
          anchor: def.anchor,
          weight: def.weight,
        });
      }
      // The same frozen object per (indicator, term, field), so identity is the duplicate check.
      this.addHit(hit, this.indOrder[refInd[r]]);
    }
  }

  private addHit(hit: ScreeningHit, order: number): void {
    const buf = this.hitBuf;
    const hc = this.hitCount;
    for (let k = 0; k < hc; k++) if (buf[k] === hit) return;
    if (hc < buf.length) buf[hc] = hit;
    else buf.push(hit);
    if (hc === this.hitOrder.length) {
      const bigger = new Int32Array(hc * 2);
      bigger.set(this.hitOrder);
      this.hitOrder = bigger;
    }
    this.hitOrder[hc] = order;
    this.hitCount = hc + 1;
  }

  private growCandidates(): void {
    const size = this.candRef.length * 2;
    const grow = <T extends Int32Array | Uint8Array>(a: T, b: T): T => (b.set(a), b);
    this.candRef = grow(this.candRef, new Int32Array(size));
    this.candStart = grow(this.candStart, new Int32Array(size));
    this.candEnd = grow(this.candEnd, new Int32Array(size));
    this.candAlive = grow(this.candAlive, new Uint8Array(size));
  }

  /** Index of the first match ending at or after normalised position `pos` (matches are recorded in end order). */
  private firstEndingAt(pos: number): number {
    const { matches } = this;
    let lo = 0;
    let hi = this.matchCount;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (matches[mid * MATCH_STRIDE + 1] < pos) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index in the text of match m's first character: its pattern's length in kept characters back from its end. */
  private textStart(m: number): number {
    const { scanTable, text, matches } = this;
    let i = matches[m * MATCH_STRIDE + 2];
    for (let left = this.ac.lengths[matches[m * MATCH_STRIDE]] - 1; left > 0;)
      if (scanTable[text.charCodeAt(--i)] < CLAUSE_UNIT) left--;
    return i;
  }

  /** Is the text's character at index i a kept latin letter or digit? (Outside the text: no.) */
  private wordCharAt(i: number): boolean {
    if (i < 0 || i >= this.text.length) return false;
    const c = this.map[this.text.charCodeAt(i)];
    return this.kind[c] === KEEP && isAsciiAlnum(c);
  }

  /** Are the text's indices a and b in one clause (no clause delimiter between them)? */
  private sameClause(a: number, b: number): boolean {
    const { scanTable, text } = this;
    const to = Math.max(a, b);
    for (let i = Math.min(a, b) + 1; i < to; i++) if (scanTable[text.charCodeAt(i)] === CLAUSE_UNIT) return false;
    return true;
  }

  /** Is [start, end] inside a licensed institution's name, or between that name and its branch suffix? */
  private licensed(start: number, end: number): boolean {
    const { matches, matchCount, roles } = this;
    const lengths = this.ac.lengths;
    const gap = this.catalog.licensedBranchMaxGap;
    const maxLen = this.maxPatternLength;
    // A covering name starts at or before `start`, so it ends before start + maxLen; a name whose branch suffix covers
    // the term ends at most `gap` before it.
    for (
      let m = this.firstEndingAt(start - gap);
      m < matchCount && matches[m * MATCH_STRIDE + 1] < start + maxLen;
      m++
    ) {
      const p = matches[m * MATCH_STRIDE];
      if (!(roles[p] & WHITELIST)) continue;
      const e = matches[m * MATCH_STRIDE + 1];
      const s = e - lengths[p] + 1;
      if (s > start) continue;
      if (e >= end) return true;
      for (let b = this.firstEndingAt(end); b < matchCount && matches[b * MATCH_STRIDE + 1] <= e + gap; b++) {
        const q = matches[b * MATCH_STRIDE];
        if (!(roles[q] & BRANCH)) continue;
        const be = matches[b * MATCH_STRIDE + 1];
        if (be - lengths[q] + 1 > e && this.sameClause(this.textStart(m), matches[b * MATCH_STRIDE + 2])) return true;
      }
    }
    return false;
  }

  /**
   * In a free-text field a name rule needs the term (match t) to be part of an entity name: a suffix (有限公司 …)
   * close after it, in the same clause.
   */
  private entitySuffixFollows(t: number): boolean {
    const { matches, matchCount, roles } = this;
    const lengths = this.ac.lengths;
    const end = matches[t * MATCH_STRIDE + 1];
    const start = end - lengths[matches[t * MATCH_STRIDE]] + 1;
    const gap = this.catalog.entitySuffixMaxGap;
    const limit = end + gap + this.maxPatternLength;
    for (let m = this.firstEndingAt(end); m < matchCount && matches[m * MATCH_STRIDE + 1] <= limit; m++) {
      const p = matches[m * MATCH_STRIDE];
      if (!(roles[p] & SUFFIX)) continue;
      const s = matches[m * MATCH_STRIDE + 1] - lengths[p] + 1;
      if (s >= start && s - end - 1 <= gap && this.sameClause(this.textStart(m), matches[t * MATCH_STRIDE + 2]))
        return true;
    }
    return false;
  }

  /**
   * A warning cue before the term (match t), in its clause and within the gap, or a warning pattern after it
   * neutralises it.
   */
  private warned(t: number, gapBefore: number, gapAfter: number): boolean {
    const { matches, matchCount, roles } = this;
    const lengths = this.ac.lengths;
    const end = matches[t * MATCH_STRIDE + 1];
    const start = end - lengths[matches[t * MATCH_STRIDE]] + 1;
    let textStart = -1;
    for (
      let m = this.firstEndingAt(start - gapBefore - 1);
      m < matchCount && matches[m * MATCH_STRIDE + 1] < start;
      m++
    ) {
      if (!(roles[matches[m * MATCH_STRIDE]] & CUE_BEFORE)) continue;
      if (textStart < 0) textStart = this.textStart(t);
      if (this.sameClause(matches[m * MATCH_STRIDE + 2], textStart)) return true;
    }
    const limit = end + gapAfter + this.maxPatternLength;
    for (let m = this.firstEndingAt(end + 1); m < matchCount && matches[m * MATCH_STRIDE + 1] <= limit; m++) {
      const p = matches[m * MATCH_STRIDE];
      if (!(roles[p] & CUE_AFTER)) continue;
      const s = matches[m * MATCH_STRIDE + 1] - lengths[p] + 1;
      if (s > end && s - end - 1 <= gapAfter && this.sameClause(this.textStart(m), matches[t * MATCH_STRIDE + 2]))
        return true;
    }
    return false;
  }
}
