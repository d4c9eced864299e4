/**
 * Group commit for the application: items submitted while earlier groups are being written wait and are written
 * together by the next group, so N concurrent requests cost one transaction instead of N. Under light load every
 * item is written at once on its own (no timer, no added latency); under heavy load groups grow up to `maxBatch`.
 * At most `maxInFlight` groups run at a time; their order of completion is not defined.
 */
export class Coalescer<In, Out> {
  private readonly queue: Array<{ item: In; resolve: (out: Out) => void; reject: (err: unknown) => void }> = [];
  private inFlight = 0;

  constructor(
    private readonly o: {
      maxBatch: number;
      maxInFlight: number;
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
      this.inFlight++;
      void this.runGroup(this.queue.splice(0, this.o.maxBatch));
    }
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
    this.pump();
    if (!results) {
      for (const g of group) g.reject(failure);
      return;
    }
    results.forEach((r, i) => (r.status === 'fulfilled' ? group[i]!.resolve(r.value) : group[i]!.reject(r.reason)));
  }
}
