import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { CLOCK, type Clock } from '@outpost/clock';
import {
  addJobUnlessLive,
  QueueConnections,
  retriedJobOptions,
  SERVICE_CONFIG,
  repeatInBackground,
} from '@outpost/platform';
import { DelayedError, Queue, Worker, type Job, type JobsOptions } from 'bullmq';
import type { NotificationConfig } from '../config/notification.config';
import { DELIVERY_CHANNELS, type DeliveryChannel } from '../rules/rule.types';
import { DeliveryRepository } from './delivery.repository';
import { DeliveryWorker } from './delivery.worker';

export interface DeliveryJob {
  deliveryId: string;
}

type NewJob = { id: string; channel: DeliveryChannel; notBefore: Date | null };

/**
 * One BullMQ queue and worker per channel, so each channel has its own rate limit (BullMQ limiter, enforced in Redis
 * across every instance) and a slow SMTP server never holds up inbox items. Job id = delivery id: enqueueing twice
 * (after commit and from the reconciler) is one job. Retries: exponential backoff with ±50 % jitter.
 */
@Injectable()
export class DeliveryQueues implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveryQueues.name);
  private readonly queues = new Map<DeliveryChannel, Queue<DeliveryJob>>();
  private readonly workers: Worker<DeliveryJob>[] = [];
  private readonly connections: QueueConnections;
  private interval: NodeJS.Timeout | null = null;
  /** New deliveries waiting for the next bulk add (see enqueueNew). */
  private fresh: Array<{ d: NewJob; done: (err?: unknown) => void }> = [];

  constructor(
    private readonly deliveries: DeliveryRepository,
    private readonly worker: DeliveryWorker,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationConfig,
  ) {
    this.connections = new QueueConnections(config.REDIS_URL);
  }

  queueName(channel: DeliveryChannel): string {
    return `${this.config.NOTIFICATION_QUEUE_PREFIX}-${channel.toLowerCase()}`;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.NOTIFICATION_WORKERS) return;
    for (const channel of DELIVERY_CHANNELS) {
      // Per channel: CONCURRENCY_<CHANNEL> and RATE_<CHANNEL>_PER_SECOND.
      const w = new Worker<DeliveryJob>(this.queueName(channel), (job, token) => this.process(job, token), {
        connection: this.connections.connect(true),
        concurrency: this.config[`CONCURRENCY_${channel}`],
        limiter: { max: this.config[`RATE_${channel}_PER_SECOND`], duration: 1000 },
        lockDuration: this.config.DELIVERY_LOCK_MS,
        stalledInterval: this.config.DELIVERY_LOCK_MS,
        maxStalledCount: 2,
      });
      w.on('error', (err) => this.logger.error(`${channel} worker: ${String(err)}`));
      this.workers.push(w);
    }
    await Promise.all(this.workers.map((w) => w.waitUntilReady()));
    await this.reconcile(0);
    this.interval = repeatInBackground(
      this.config.RECONCILE_INTERVAL_MS,
      () => this.reconcile(),
      (e) => this.logger.error(`delivery reconcile: ${String(e)}`),
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.interval) clearInterval(this.interval);
    await Promise.all(this.workers.map((w) => w.close()));
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    await this.connections.closeAll();
    this.workers.length = 0;
    this.queues.clear();
  }

  /** Creates the job unless a live one exists (a finished job of a still-open delivery is replaced: replay, reconcile). */
  async enqueue(d: NewJob): Promise<void> {
    await addJobUnlessLive(this.queue(d.channel), 'deliver', { deliveryId: d.id }, this.jobOptions(d));
  }

  /**
   * The job of a delivery row just committed (after-commit hook). Its id is new, so no earlier job can exist: no
   * lookup is needed, and every delivery committed together goes to Redis in one addBulk per channel (the hooks of one
   * commit all run in the same tick). Resolves once its job is in Redis; a failure is repaired by the reconciler.
   */
  enqueueNew(d: NewJob): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.fresh.length) setImmediate(() => void this.flushNew());
      this.fresh.push({ d, done: (err) => (err === undefined ? resolve() : reject(err)) });
    });
  }

  private async flushNew(): Promise<void> {
    const pending = this.fresh;
    this.fresh = [];
    const byChannel = new Map<DeliveryChannel, typeof pending>();
    for (const p of pending) byChannel.set(p.d.channel, [...(byChannel.get(p.d.channel) ?? []), p]);
    await Promise.all(
      [...byChannel].map(async ([channel, items]) => {
        try {
          await this.queue(channel).addBulk(
            items.map(({ d }) => ({ name: 'deliver', data: { deliveryId: d.id }, opts: this.jobOptions(d) })),
          );
          for (const p of items) p.done();
        } catch (err) {
          for (const p of items) p.done(err);
        }
      }),
    );
  }

  private jobOptions(d: NewJob): JobsOptions & { jobId: string } {
    return {
      jobId: d.id,
      delay: d.notBefore ? Math.max(0, d.notBefore.getTime() - this.clock.now().getTime()) : 0,
      ...retriedJobOptions(this.config.DELIVERY_ATTEMPTS, this.config.DELIVERY_BACKOFF_MS),
    };
  }

  /**
   * Redis flush / crash safety: every delivery that Postgres says is still open (PENDING, RETRYING, or SENDING left by
   * a dead worker) gets its job back. A live job is left alone, so running this often is harmless.
   */
  async reconcile(graceMs = this.config.RECONCILE_GRACE_MS): Promise<number> {
    const open = await this.deliveries.open(new Date(Date.now() - graceMs));
    for (const d of open) await this.enqueue(d);
    if (open.length) this.logger.log(`reconciler checked ${open.length} open deliveries`);
    return open.length;
  }

  /** The job of a delivery, for tests and operators (null when Redis lost it). */
  async jobState(channel: DeliveryChannel, id: string): Promise<string | null> {
    const job = await this.queue(channel).getJob(id);
    return job ? await job.getState() : null;
  }

  queue(channel: DeliveryChannel): Queue<DeliveryJob> {
    let q = this.queues.get(channel);
    if (!q) {
      q = new Queue<DeliveryJob>(this.queueName(channel), { connection: this.connections.connect(false) });
      this.queues.set(channel, q);
    }
    return q;
  }

  private async process(job: Job<DeliveryJob>, token?: string): Promise<string> {
    const outcome = await this.worker.process(job.data.deliveryId, {
      attemptsMade: job.attemptsMade,
      maxAttempts: job.opts.attempts ?? 1,
    });
    if (outcome.kind === 'delay') {
      await job.moveToDelayed(outcome.until.getTime(), token);
      throw new DelayedError();
    }
    return outcome.kind;
  }
}
