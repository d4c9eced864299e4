import { Injectable, Logger } from '@nestjs/common';
import { IntakeRedis } from '../common/redis.provider';

/**
 * Token bucket in one Lua script (atomic, one round trip, Redis' own clock so instances agree). Returns
 * {allowed (0|1), milliseconds until the next token}.
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
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
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

type WithBucket = { tokenBucket(key: string, capacity: number, ratePerMs: number, ttlMs: number): Promise<[number, number]> };

@Injectable()
export class RateLimiter {
  private readonly logger = new Logger(RateLimiter.name);

  constructor(private readonly redis: IntakeRedis) {
    redis.client.defineCommand('tokenBucket', { numberOfKeys: 1, lua: TOKEN_BUCKET });
  }

  /**
   * Takes one token from `key`'s bucket: `perMinute` sustained, bursts up to 10 seconds' worth. When Redis is down the
   * request is let through (and logged): losing rate limiting briefly beats refusing leads.
   */
  async take(key: string, perMinute: number): Promise<RateDecision> {
    const capacity = Math.max(1, Math.ceil(perMinute / 6));
    const ratePerMs = perMinute / 60_000;
    const ttlMs = Math.ceil(capacity / ratePerMs) + 1000;
    try {
      const [allowed, waitMs] = await (this.redis.client as unknown as WithBucket).tokenBucket(`rl:${key}`, capacity, ratePerMs, ttlMs);
      return { allowed: allowed === 1, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'rate limiter unavailable; request allowed');
      return { allowed: true, retryAfterSeconds: 0 };
    }
  }
}
