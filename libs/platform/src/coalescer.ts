/**
 * Group commit for the application: items submitted while earlier groups are being written wait and are written
 * together by the next group, so N concurrent requests cost one transaction instead of N. Under light load every
 * item is written at once on its own (no timer, no added latency); under heavy load groups grow up to `maxBatch`.
 * At most `maxInFlight` groups run at a time; their order of completion is not defined.
 *
 * `waveMs` (optional): when the last group in flight ends with nothing queued, its callers usually come back at once
 * with their next items, one by one as the process gets to them (clients waiting for their answer before sending
 * again). Written at once, the first of them would go alone and hold the rest back for a whole group; so for up to
 * `waveMs` after that end the next group waits until as many items as the group that ended had are queued. An item
 * arriving later than that, or after a group of one, is written at once as before.
 */
export class Coalescer<In, Out> {
  private readonly queue: Array<{ item: In; resolve: (out: Out) => void; reject: (err: unknown) => void }> = [];
  private inFlight = 0;
  /** Size and end time of the last group that left nothing in flight and nothing queued (a wave may follow). */
  private wave: { size: number; endedAt: number } | null = null;
  private waveTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly o: {
      maxBatch: number;
      maxInFlight: number;
      waveMs?: number;
      /** Writes one group; one settled result per item, in the items' order. */
      run: (items: In[]) => Promise<Array<PromiseSettledResult<Out>>>;
    },
  ) {
    if (o.maxBatch < 1 || o.maxInFlight < 1) throw new Error('Coalescer: maxBatch and maxInFlight must be ≥ 1');
  }

  submit(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.o.maxInFlight && this.queue.length > 0) {
      if (this.waitForWave()) return;
      this.inFlight++;
      void this.runGroup(this.queue.splice(0, this.o.maxBatch));
    }
  }

  /** True while the next group should wait for the rest of a wave (see the class comment); arms the deadline once. */
  private waitForWave(): boolean {
    const wave = this.wave;
    if (!wave || this.inFlight > 0) return false;
    const left = wave.endedAt + (this.o.waveMs ?? 0) - performance.now();
    if (this.queue.length >= Math.min(wave.size, this.o.maxBatch) || left <= 0) {
      this.wave = null;
      if (this.waveTimer) clearTimeout(this.waveTimer);
      this.waveTimer = null;
      return false;
    }
    this.waveTimer ??= setTimeout(() => {
      this.waveTimer = null;
      this.wave = null;
      this.pump();
    }, left);
    return true;
  }

  private async runGroup(group: typeof this.queue): Promise<void> {
    let results: Array<PromiseSettledResult<Out>> | null = null;
    let failure: unknown = null;
    try {
      results = await this.o.run(group.map((g) => g.item));
      if (results.length !== group.length) throw new Error(`Coalescer: ${results.length} results for ${group.length}`);
    } catch (err) {
      failure = err;
    }
    // The next group goes out before this one's callers run their continuations (answering their requests).
    this.inFlight--;
    if (this.o.waveMs && this.inFlight === 0 && this.queue.length === 0 && group.length > 1)
      this.wave = { size: group.length, endedAt: performance.now() };
    this.pump();
    if (!results) {
      for (const g of group) g.reject(failure);
      return;
    }
    results.forEach((r, i) => (r.status === 'fulfilled' ? group[i]!.resolve(r.value) : group[i]!.reject(r.reason)));
  }
}

/** A fulfilled settled result: for `run`s whose items all succeed or fail together. */
export function fulfilled<T>(value: T): PromiseFulfilledResult<T> {
  return { status: 'fulfilled', value };
}
