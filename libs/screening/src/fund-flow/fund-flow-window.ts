/** One bank movement of one account, as kept across requests for the fund-flow rules. */
export interface FlowRecord {
  ref: string;
  accountNo: string;
  /** Counterparty key: account number, else name; null when the bank gave neither. */
  counterparty: string | null;
  direction: 'in' | 'out';
  amount: number;
  /** ISO-8601; the time the request was screened when the record had none. */
  occurredAt: string;
}

/**
 * Fund-flow state across requests within the catalogue's window (default 30 days). The intake service backs it with
 * Redis; `InMemoryFundFlowWindow` serves tests and single-process use.
 */
export interface FundFlowWindow {
  load(accountNos: string[]): Promise<Map<string, FlowRecord[]>>;
  save(records: FlowRecord[]): Promise<void>;
}

export interface InMemoryFundFlowWindowOptions {
  /** Records older than this (relative to `now`) are dropped on save. Default 30 days. */
  retentionMs?: number;
  now?: () => Date;
}

/** A process-local window, keyed by account; a record saved twice (same account and ref) is kept once. */
export class InMemoryFundFlowWindow implements FundFlowWindow {
  private readonly byAccount = new Map<string, Map<string, FlowRecord>>();
  private readonly retentionMs: number;
  private readonly now: () => Date;

  constructor(options: InMemoryFundFlowWindowOptions = {}) {
    this.retentionMs = options.retentionMs ?? 30 * 86_400_000;
    this.now = options.now ?? (() => new Date());
  }

  async load(accountNos: string[]): Promise<Map<string, FlowRecord[]>> {
    const result = new Map<string, FlowRecord[]>();
    for (const no of accountNos) {
      const records = this.byAccount.get(no);
      if (records) result.set(no, [...records.values()]);
    }
    return result;
  }

  async save(records: FlowRecord[]): Promise<void> {
    const cutoff = this.now().getTime() - this.retentionMs;
    const touched = new Set<string>();
    for (const r of records) {
      let m = this.byAccount.get(r.accountNo);
      if (!m) this.byAccount.set(r.accountNo, (m = new Map()));
      m.set(r.ref, r);
      touched.add(r.accountNo);
    }
    for (const no of touched) {
      const m = this.byAccount.get(no);
      if (!m) continue;
      for (const [ref, r] of m) if (Date.parse(r.occurredAt) < cutoff) m.delete(ref);
    }
  }

  /** Number of records held (for tests and metrics). */
  size(): number {
    let n = 0;
    for (const m of this.byAccount.values()) n += m.size;
    return n;
  }
}
