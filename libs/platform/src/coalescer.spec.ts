import { Coalescer } from './coalescer';

/** A run whose groups stay open until the test releases them. */
function controlledRun() {
  const groups: Array<{ items: number[]; release: (fail?: unknown) => void }> = [];
  const run = (items: number[]) =>
    new Promise<Array<PromiseSettledResult<string>>>((resolve, reject) => {
      groups.push({
        items,
        release: (fail) =>
          fail
            ? reject(fail)
            : resolve(
                items.map((i) =>
                  i < 0
                    ? { status: 'rejected', reason: new Error(`bad ${i}`) }
                    : { status: 'fulfilled', value: `ok ${i}` },
                ),
              ),
      });
    });
  return { groups, run };
}

const tick = () => new Promise((r) => setImmediate(r));

describe(Coalescer.name, () => {
  it('writes an item at once when nothing is in flight, and groups what arrives meanwhile', async () => {
    const { groups, run } = controlledRun();
    const sut = new Coalescer<number, string>({ maxBatch: 3, maxInFlight: 1, run });

    const first = sut.submit(1);
    await tick();
    expect(groups.map((g) => g.items)).toEqual([[1]]);
    const rest = [2, 3, 4, 5].map((i) => sut.submit(i));
    await tick();
    expect(groups).toHaveLength(1); // waiting for the group in flight

    groups[0]!.release();
    await expect(first).resolves.toBe('ok 1');
    await tick();
    expect(groups.map((g) => g.items)).toEqual([[1], [2, 3, 4]]); // at most maxBatch
    groups[1]!.release();
    await tick();
    groups[2]!.release();
    await expect(Promise.all(rest)).resolves.toEqual(['ok 2', 'ok 3', 'ok 4', 'ok 5']);
    expect(groups.map((g) => g.items)).toEqual([[1], [2, 3, 4], [5]]);
  });

  it('runs up to maxInFlight groups at once', async () => {
    const { groups, run } = controlledRun();
    const sut = new Coalescer<number, string>({ maxBatch: 10, maxInFlight: 2, run });

    const all = [1, 2, 3].map((i) => sut.submit(i));
    await tick();

    expect(groups.map((g) => g.items)).toEqual([[1], [2]]);
    groups[1]!.release();
    await tick();
    expect(groups.map((g) => g.items)).toEqual([[1], [2], [3]]);
    groups[0]!.release();
    groups[2]!.release();
    await expect(Promise.all(all)).resolves.toEqual(['ok 1', 'ok 2', 'ok 3']);
  });

  it('settles each item with its own result, and rejects a whole group whose run failed', async () => {
    const { groups, run } = controlledRun();
    const sut = new Coalescer<number, string>({ maxBatch: 10, maxInFlight: 1, run });

    const a = sut.submit(1);
    await tick();
    const b = sut.submit(-2);
    const c = sut.submit(3);
    groups[0]!.release(new Error('database down'));
    await expect(a).rejects.toThrow('database down');
    await tick();
    groups[1]!.release();
    await expect(b).rejects.toThrow('bad -2');
    await expect(c).resolves.toBe('ok 3');
  });

  describe('waveMs', () => {
    /** Group [1, 2, 3] written and ended with nothing queued: a wave of up to 3 may follow. */
    async function afterGroupOfThree(waveMs: number) {
      const { groups, run } = controlledRun();
      const sut = new Coalescer<number, string>({ maxBatch: 10, maxInFlight: 1, waveMs, run });
      const first = sut.submit(0);
      await tick();
      const three = [1, 2, 3].map((i) => sut.submit(i));
      groups[0]!.release();
      await tick();
      expect(groups.map((g) => g.items)).toEqual([[0], [1, 2, 3]]);
      groups[1]!.release();
      await Promise.all([first, ...three]);
      return { groups, sut };
    }

    it('after a group of several ends with nothing queued, waits for as many items before the next group', async () => {
      const { groups, sut } = await afterGroupOfThree(60_000);

      const wave = [sut.submit(4), sut.submit(5)];
      await tick();
      expect(groups).toHaveLength(2); // two of three: still waiting
      wave.push(sut.submit(6));
      await tick();
      expect(groups.map((g) => g.items)).toEqual([[0], [1, 2, 3], [4, 5, 6]]);
      groups[2]!.release();
      await expect(Promise.all(wave)).resolves.toEqual(['ok 4', 'ok 5', 'ok 6']);
    });

    it('writes what has come once waveMs have passed since that end', async () => {
      const { groups, sut } = await afterGroupOfThree(30);

      const late = sut.submit(4);
      await tick();
      expect(groups).toHaveLength(2);
      await new Promise((r) => setTimeout(r, 40));
      expect(groups.map((g) => g.items)).toEqual([[0], [1, 2, 3], [4]]);
      groups[2]!.release();
      await expect(late).resolves.toBe('ok 4');
      // The wave is over: the next item is written at once.
      const next = sut.submit(5);
      await tick();
      expect(groups.map((g) => g.items)).toEqual([[0], [1, 2, 3], [4], [5]]);
      groups[3]!.release();
      await expect(next).resolves.toBe('ok 5');
    });

    it('does not wait after a group of one, nor without waveMs', async () => {
      for (const waveMs of [60_000, 0]) {
        const { groups, run } = controlledRun();
        const sut = new Coalescer<number, string>({ maxBatch: 10, maxInFlight: 1, waveMs, run });
        const a = sut.submit(1);
        await tick();
        groups[0]!.release();
        await a;
        const b = sut.submit(2); // after a group of one: at once
        await tick();
        expect(groups.map((g) => g.items)).toEqual([[1], [2]]);
        const c = [3, 4].map((i) => sut.submit(i));
        groups[1]!.release();
        await tick();
        groups[2]!.release();
        await Promise.all([b, ...c]);
        const d = sut.submit(5); // after a group of two: waits only with waveMs
        await tick();
        expect(groups).toHaveLength(waveMs ? 3 : 4);
        const e = waveMs ? [sut.submit(6)] : []; // completes the wave of two
        await tick();
        expect(groups.at(-1)!.items).toEqual(waveMs ? [5, 6] : [5]);
        groups.at(-1)!.release();
        await Promise.all([d, ...e]);
      }
    });
  });
});
