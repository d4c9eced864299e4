import type { IntakeRedis } from '../common/redis.provider';
import { RateLimiter } from './rate-limiter';

/** A stand-in for the Lua bucket: hands out up to `want` of `available` tokens per call and counts the calls. */
function fakeRedis(available: number) {
  const state = { available, calls: 0, wants: [] as number[] };
  const client = {
    defineCommand: () => undefined,
    tokenBucket: async (
      _key: string,
      _cap: number,
      _rate: number,
      _ttl: number,
      want: number,
    ): Promise<[number, number]> => {
      state.calls += 1;
      state.wants.push(want);
      await new Promise((r) => setTimeout(r, 1));
      const granted = Math.min(want, state.available);
      state.available -= granted;
      return [granted, granted > 0 ? 0 : 2500];
    },
  };
  return { state, redis: { client } as unknown as IntakeRedis };
}

/** The request's logger, where nothing is expected. */
const quiet = { warn: () => undefined };

describe('RateLimiter leases', () => {
  it('serves concurrent requests from one shared Redis lease and never more than the bucket held', async () => {
    const { state, redis } = fakeRedis(25);
    const limiter = new RateLimiter(redis);
    // 60,000/min: leases of 50 tokens, but the bucket holds only 25.
    const decisions = await Promise.all(Array.from({ length: 40 }, () => limiter.take('source:a', 60_000, quiet)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(25);
    expect(decisions.filter((d) => !d.allowed).every((d) => d.retryAfterSeconds === 3)).toBe(true);
    expect(state.calls).toBeLessThanOrEqual(3);
    expect(state.wants[0]).toBe(50);
  });

  it('takes one token per call for small limits, so the first refusal comes exactly when the bucket is empty', async () => {
    const { state, redis } = fakeRedis(20);
    const limiter = new RateLimiter(redis);
    const decisions = [];
    for (let i = 0; i < 22; i++) decisions.push(await limiter.take('source:b', 120, quiet));
    expect(decisions.map((d) => d.allowed)).toEqual([...Array(20).fill(true), false, false]);
    expect(state.wants.every((w) => w === 1)).toBe(true);
  });

  it("lets a request through when Redis is down and says so on that request's logger", async () => {
    const client = {
      defineCommand: () => undefined,
      tokenBucket: async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
      },
    };
    const limiter = new RateLimiter({ client } as unknown as IntakeRedis);
    const warnings: unknown[][] = [];
    const log = { warn: (...args: unknown[]) => warnings.push(args) };
    expect(await limiter.take('source:c', 120, log)).toEqual({ allowed: true, retryAfterSeconds: 0 });
    expect(warnings).toEqual([
      [
        { context: 'RateLimiter', err: 'Error: connect ECONNREFUSED 127.0.0.1:6379' },
        'rate limiter unavailable; request allowed',
      ],
    ]);
  });
});
