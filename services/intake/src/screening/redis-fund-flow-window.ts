import { createHash } from 'node:crypto';
import type Redis from 'ioredis';
import type { FlowRecord, FundFlowWindow } from '@outpost/screening';

/** What is kept per movement: amounts, direction and time in clear; account and counterparty only as hashes. */
interface StoredFlow {
  r: string;
  c: string | null;
  d: 'in' | 'out';
  a: number;
  t: string;
}

const h = (s: string) => createHash('sha256').update(s).digest('base64url').slice(0, 22);

/**
 * FundFlowWindow across requests, in Redis: one sorted set per (scope, account), scored by time, trimmed to the window
 * on every save and expiring with it. Account and counterparty numbers are bank-sensitive, so only their hashes are
 * stored (the rules only compare them for equality). The scope keeps one bank's records apart from another's.
 */
export class RedisFundFlowWindow implements FundFlowWindow {
  constructor(
    private readonly redis: Redis,
    private readonly scope: string,
    private readonly windowMs: number,
  ) {}

  private key(accountNo: string): string {
    return `ff:${this.scope}:${h(accountNo)}`;
  }

  async load(accountNos: string[]): Promise<Map<string, FlowRecord[]>> {
    const result = new Map<string, FlowRecord[]>();
    if (accountNos.length === 0) return result;
    const pipeline = this.redis.pipeline();
    // Everything kept: save() trims each account to the window behind its newest movement (the engine judges a
    // month-old bank export on its own timeline, not on ours).
    for (const no of accountNos) pipeline.zrange(this.key(no), 0, -1);
    const replies = (await pipeline.exec()) ?? [];
    accountNos.forEach((no, i) => {
      const [err, members] = replies[i] ?? [null, []];
      if (err) throw err;
      const flows = (members as string[]).map((m) => {
        const s = JSON.parse(m) as StoredFlow;
        return { ref: s.r, accountNo: no, counterparty: s.c, direction: s.d, amount: s.a, occurredAt: s.t };
      });
      if (flows.length > 0) result.set(no, flows);
    });
    return result;
  }

  async save(records: FlowRecord[]): Promise<void> {
    if (records.length === 0) return;
    const pipeline = this.redis.pipeline();
    const newest = new Map<string, number>();
    for (const f of records) {
      const t = Date.parse(f.occurredAt);
      const stored: StoredFlow = {
        r: h(f.ref),
        c: f.counterparty === null ? null : h(f.counterparty),
        d: f.direction,
        a: f.amount,
        t: f.occurredAt,
      };
      // Member = the stored JSON: the same movement saved twice is one member.
      pipeline.zadd(this.key(f.accountNo), t, JSON.stringify(stored));
      newest.set(f.accountNo, Math.max(newest.get(f.accountNo) ?? -Infinity, t));
    }
    for (const [no, latest] of newest) {
      pipeline.zremrangebyscore(this.key(no), '-inf', `(${latest - this.windowMs}`);
      // An account nobody reports on for a whole window is forgotten.
      pipeline.pexpire(this.key(no), this.windowMs);
    }
    const replies = (await pipeline.exec()) ?? [];
    for (const [err] of replies) if (err) throw err;
  }
}
