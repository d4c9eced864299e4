import { Injectable } from '@nestjs/common';
import type { FastifyBaseLogger } from 'fastify';
import { IntakeRedis } from '../common/redis.provider';

/**
 * Token bucket in one Lua script (atomic, one round trip, Redis' own clock so instances agree). Takes up to ARGV[4]
 * tokens at once (a lease). Returns {tokens granted (0 = refused), milliseconds until the next token}.
 */
const TOKEN_BUCKET = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cap = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local data = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(data[1])
local ts = tonumber(data[2])
if tokens == nil then tokens = cap; ts = now end
tokens = math.min(cap, tokens + math.max(0, now - ts) * rate)
local want = tonumber(ARGV[4])
local allowed = 0
local wait = 0
if tokens >= 1 then
  allowed = math.min(want, math.floor(tokens))
  tokens = tokens - allowed
else
  wait = math.ceil((1 - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {allowed, wait}
`;

export interface RateDecision {
  allowed: boolean;
  retryAfterSeconds: number;
}

type WithBucket = {
  tokenBucket(key: string, capacity: number, ratePerMs: number, ttlMs: number, want: number): Promise<[number, number]>;
};

/** The logger of the request being limited (Fastify binds it to the request's correlation id). */
export type RequestLogger = Pick<FastifyBaseLogger, 'warn'>;

interface Lease {
  tokens: number;
  expiresAt: number;
}

/** Tokens leased per Redis round trip: a tenth of a second of the sustained rate, 1 for small limits, at most 50. */
function leaseSize(perMinute: number): number {
  return Math.min(50, Math.max(1, Math.floor(perMinute / 600)));
}

/** Leased tokens not used within this lapse (never carried over: the limit can only get stricter, not looser). */
const LEASE_MS = 1000;
const MAX_KEYS = 10_000;

@Injectable()
export class RateLimiter {
  constructor(private readonly redis: IntakeRedis) {
    redis.client.defineCommand('tokenBucket', { numberOfKeys: 1, lua: TOKEN_BUCKET });
  }

  /** Unused tokens this instance took from each bucket. */
  private readonly leases = new Map<string, Lease>();
  /** One Redis call per key at a time; concurrent requests share its lease. */
  private readonly refilling = new Map<string, Promise<RateDecision | null>>();

  /**
   * Takes one token from `key`'s bucket: `perMinute` sustained, bursts up to 10 seconds' worth. Tokens come from the
   * shared bucket in Redis in small leases (see leaseSize), so most requests need no round trip while every request
   * served still spent a token of the shared bucket. When Redis is down the request is let through (and logged on
   * `log`, the logger of the request whose Redis call failed): losing rate limiting briefly beats refusing leads.
   */
  async take(key: string, perMinute: number, log: RequestLogger): Promise<RateDecision> {
    for (;;) {
      const lease = this.leases.get(key);
      if (lease && lease.tokens >= 1 && lease.expiresAt > Date.now()) {
        lease.tokens -= 1;
        return { allowed: true, retryAfterSeconds: 0 };
      }
      const refused = await this.refill(key, perMinute, log);
      if (refused) return refused;
      // A lease arrived (possibly used up by concurrent requests already): try it.
    }
  }

  private refill(key: string, perMinute: number, log: RequestLogger): Promise<RateDecision | null> {
    let pending = this.refilling.get(key);
    if (!pending) {
      pending = this.lease(key, perMinute, log).finally(() => this.refilling.delete(key));
      this.refilling.set(key, pending);
    }
    return pending;
  }

  /** Leases tokens from Redis; the refusal when the bucket is empty, else null (the lease is stored). */
  private async lease(key: string, perMinute: number, log: RequestLogger): Promise<RateDecision | null> {
    const capacity = Math.max(1, Math.ceil(perMinute / 6));
    const ratePerMs = perMinute / 60_000;
    const ttlMs = Math.ceil(capacity / ratePerMs) + 1000;
    const want = leaseSize(perMinute);
    let granted: number;
    let waitMs = 0;
    try {
      [granted, waitMs] = await (this.redis.client as unknown as WithBucket).tokenBucket(
        `rl:${key}`,
        capacity,
        ratePerMs,
        ttlMs,
        want,
      );
    } catch (err) {
      log.warn({ context: RateLimiter.name, err: String(err) }, 'rate limiter unavailable; request allowed');
      granted = want;
    }
    if (granted < 1) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    if (this.leases.size >= MAX_KEYS) this.leases.clear();
    this.leases.set(key, { tokens: granted, expiresAt: Date.now() + LEASE_MS });
    return null;
  }
}
