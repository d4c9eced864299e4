import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import {
  addJobUnlessLive,
  QueueConnections,
  retriedJobOptions,
  SERVICE_CONFIG,
  repeatInBackground,
} from '@outpost/platform';
import { Queue, Worker, type Job } from 'bullmq';
import { DataSource } from 'typeorm';
import type { IntakeConfig } from '../config/intake.config';
import { ReporterFeedbackRepository } from './reporter-feedback.repository';
import { ReporterFeedbackWorker, type FeedbackOutcome } from './reporter-feedback.worker';

/** The only job of the queue: ids only, the worker reloads the row. */
export interface ReporterFeedbackJob {
  feedbackId: string;
}

export const REPORTER_FEEDBACK_JOB = 'send-reporter-feedback';

/**
 * The BullMQ queue for messages to public reporters (`<INTAKE_QUEUE_PREFIX>-reporter-feedback`). Job id = row id:
 * enqueueing after commit, again from the reconciler or after a redelivered event is one job. Retries: exponential
 * backoff with ±50 % jitter. Postgres is the truth; the reconciler (start + every REPORTER_FEEDBACK_RECONCILE_MS)
 * gives every PENDING row whose job is gone (crash between commit and enqueue, Redis flushed) its job back.
 */
@Injectable()
export class ReporterFeedbackQueue implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ReporterFeedbackQueue.name);
  private queueInstance: Queue<ReporterFeedbackJob> | null = null;
  private bullWorker: Worker<ReporterFeedbackJob, FeedbackOutcome> | null = null;
  private readonly connections: QueueConnections;
  private interval: NodeJS.Timeout | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly feedback: ReporterFeedbackRepository,
    private readonly feedbackWorker: ReporterFeedbackWorker,
    @Inject(SERVICE_CONFIG) private readonly config: IntakeConfig,
  ) {
    this.connections = new QueueConnections(config.REDIS_URL, { ignoreErrors: true }); // surfaced by the commands
  }

  get name(): string {
    return `${this.config.INTAKE_QUEUE_PREFIX}-reporter-feedback`;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.REPORTER_FEEDBACK_WORKERS) return;
    this.bullWorker = new Worker<ReporterFeedbackJob, FeedbackOutcome>(this.name, (job) => this.process(job), {
      connection: this.connections.connect(true),
      concurrency: 4,
    });
    this.bullWorker.on('error', (err) => this.logger.error(`reporter-feedback worker: ${String(err)}`));
    await this.bullWorker.waitUntilReady();
    await this.reconcile();
    this.interval = repeatInBackground(
      this.config.REPORTER_FEEDBACK_RECONCILE_MS,
      () => this.reconcile(),
      (e) => this.logger.error(`reporter-feedback reconcile: ${String(e)}`),
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.interval) clearInterval(this.interval);
    await this.bullWorker?.close();
    await this.queueInstance?.close();
    await this.connections.closeAll();
    this.bullWorker = null;
    this.queueInstance = null;
  }

  /** Creates the job unless a live one exists (a finished job of a still-PENDING row is replaced). */
  async enqueue(feedbackId: string): Promise<void> {
    await addJobUnlessLive(
      this.queue(),
      REPORTER_FEEDBACK_JOB,
      { feedbackId },
      {
        jobId: feedbackId,
        ...retriedJobOptions(this.config.REPORTER_FEEDBACK_ATTEMPTS, this.config.REPORTER_FEEDBACK_BACKOFF_MS),
      },
    );
  }

  /** Every PENDING row gets a job unless it has a live one; harmless to run often. Returns how many were checked. */
  async reconcile(): Promise<number> {
    const ids = await this.feedback.pendingIds(this.dataSource);
    for (const id of ids) await this.enqueue(id);
    if (ids.length) this.logger.log(`reconciler checked ${ids.length} pending reporter messages`);
    return ids.length;
  }

  /** The job's state, for tests and operators (null when Redis has none). */
  async jobState(feedbackId: string): Promise<string | null> {
    const job = await this.queue().getJob(feedbackId);
    return job ? await job.getState() : null;
  }

  private queue(): Queue<ReporterFeedbackJob> {
    this.queueInstance ??= new Queue<ReporterFeedbackJob>(this.name, { connection: this.connections.connect(false) });
    return this.queueInstance;
  }

  private async process(job: Job<ReporterFeedbackJob>): Promise<FeedbackOutcome> {
    if (job.name !== REPORTER_FEEDBACK_JOB) throw new Error(`no handler for job ${job.name}`);
    return this.feedbackWorker.process(job.data.feedbackId, {
      attemptsMade: job.attemptsMade,
      maxAttempts: job.opts.attempts ?? 1,
    });
  }
}
