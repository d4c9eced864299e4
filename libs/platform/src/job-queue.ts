import type { JobsOptions } from 'bullmq';
import IORedis, { type Redis } from 'ioredis';

/** States in which BullMQ will not run a job again. */
const FINISHED_STATES: ReadonlySet<string> = new Set(['completed', 'failed', 'unknown']);

/** What addJobUnlessLive uses of a BullMQ Queue. */
export interface JobQueue<D> {
  getJob(jobId: string): Promise<{ getState(): Promise<string>; remove(): Promise<void> } | undefined>;
  add(name: string, data: D, opts: JobsOptions): Promise<unknown>;
}

/**
 * Adds the job unless one with its id is still live (waiting, delayed, active, ...): with job id = row id, enqueueing
 * after commit and again from a reconciler is one job. A finished job of a row that is still open (retries used up,
 * an operator's replay) is removed first, since BullMQ ignores an add whose id already exists.
 */
export async function addJobUnlessLive<D>(
  queue: JobQueue<D>,
  name: string,
  data: D,
  opts: JobsOptions & { jobId: string },
): Promise<void> {
  const existing = await queue.getJob(opts.jobId);
  if (existing) {
    if (!FINISHED_STATES.has(await existing.getState())) return;
    await existing.remove();
  }
  await queue.add(name, data, opts);
}

/**
 * A job retried `attempts` times with exponential backoff from `backoffMs` and ±50 % jitter (jobs that failed together,
 * say during a provider outage, do not all retry together); finished jobs are kept a day, failed ones a week.
 */
export function retriedJobOptions(attempts: number, backoffMs: number): JobsOptions {
  return {
    attempts,
    backoff: { type: 'exponential', delay: backoffMs, jitter: 0.5 },
    removeOnComplete: { age: 24 * 3600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
  };
}

/** The Redis connections of one service's BullMQ queues and workers, closed together at shutdown. */
export class QueueConnections {
  private readonly open: Redis[] = [];

  /** `ignoreErrors`: connection errors are not printed by ioredis; the commands that hit them still fail. */
  constructor(
    private readonly url: string,
    private readonly o: { ignoreErrors?: boolean } = {},
  ) {}

  /** A worker's connection retries its blocking commands forever (BullMQ requires it); a queue's gives up after 3. */
  connect(forWorker: boolean): Redis {
    const c = new IORedis(this.url, { maxRetriesPerRequest: forWorker ? null : 3 });
    if (this.o.ignoreErrors) c.on('error', () => undefined);
    this.open.push(c);
    return c;
  }

  /** Quits every connection (disconnects one that cannot quit); close the workers and queues first. */
  async closeAll(): Promise<void> {
    await Promise.all(this.open.map((c) => c.quit().catch(() => c.disconnect())));
    this.open.length = 0;
  }
}

/**
 * Runs a reconciler every `ms` in the background (0 or less: never): a failed pass is reported and the next one tries
 * again; the timer does not keep the process alive. Returns the timer for clearInterval at shutdown.
 */
export function repeatInBackground(
  ms: number,
  pass: () => Promise<unknown>,
  onError: (err: unknown) => void,
): NodeJS.Timeout | null {
  if (ms <= 0) return null;
  const timer = setInterval(() => void pass().catch(onError), ms);
  timer.unref();
  return timer;
}
