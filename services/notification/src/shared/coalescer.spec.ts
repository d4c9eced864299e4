import { Coalescer } from './coalescer';

describe('Coalescer', () => {
  it('a lone call is flushed at once, alone', async () => {
    const calls: number[][] = [];
    const c = new Coalescer<number, number>(async (xs) => {
      calls.push(xs);
      return xs.map((x) => x * 2);
    });
    expect(await c.run(21)).toBe(42);
    expect(calls).toEqual([[21]]);
  });

  it('calls arriving during a flush go together into the next one, each with its own result', async () => {
    const calls: number[][] = [];
    let release: () => void = () => undefined;
    const c = new Coalescer<number, string>(async (xs) => {
      calls.push(xs);
      if (calls.length === 1) await new Promise<void>((r) => (release = r));
      return xs.map((x) => `r${x}`);
    });
    const first = c.run(1);
    const rest = [2, 3, 4].map((x) => c.run(x));
    release();
    expect(await first).toBe('r1');
    expect(await Promise.all(rest)).toEqual(['r2', 'r3', 'r4']);
    expect(calls).toEqual([[1], [2, 3, 4]]);
  });

  it('respects maxBatch', async () => {
    const sizes: number[] = [];
    const c = new Coalescer<number, number>(async (xs) => {
      sizes.push(xs.length);
      await Promise.resolve();
      return xs;
    }, 2);
    await Promise.all([1, 2, 3, 4, 5].map((x) => c.run(x)));
    expect(sizes).toEqual([1, 2, 2]);
  });

  it('a failed flush rejects exactly its callers; the next flush still runs', async () => {
    let n = 0;
    const c = new Coalescer<number, number>(async (xs) => {
      n++;
      await Promise.resolve();
      if (n === 1) throw new Error('db down');
      return xs;
    });
    const a = c.run(1);
    const b = c.run(2);
    await expect(a).rejects.toThrow('db down');
    expect(await b).toBe(2);
  });
});
