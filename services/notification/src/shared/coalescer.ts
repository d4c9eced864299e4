/**
 * Turns many concurrent single-row calls into one call for all of them, without adding a delay: the first request
 * starts a flush at once; requests that arrive while it runs wait for the next flush, which starts as soon as the
 * previous one ends and takes everything queued (at most `maxBatch`). So a lone caller pays one round trip, and N
 * concurrent callers pay about two instead of N. Each caller gets its own result (or the flush's error).
 */
export class Coalescer<I, O> {
  private queue: Array<{ item: I; resolve: (o: O) => void; reject: (err: unknown) => void }> = [];
  private running = false;

  constructor(
    /** Handles a batch; returns one result per item, in order. */
    private readonly flush: (items: I[]) => Promise<O[]>,
    private readonly maxBatch = 100,
  ) {}

  run(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          const out = await this.flush(batch.map((b) => b.item));
          if (out.length !== batch.length) throw new Error(`coalesced flush returned ${out.length} of ${batch.length}`);
          batch.forEach((b, i) => b.resolve(out[i]!));
        } catch (err) {
          for (const b of batch) b.reject(err);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
