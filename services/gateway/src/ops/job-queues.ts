import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { ProblemException, SERVICE_CONFIG } from '@outpost/platform';
import { Queue } from 'bullmq';
import type { GatewayConfig } from '../config/gateway.config';

/** The job states an operator watches, as BullMQ counts them. */
const COUNTED = ['waiting', 'prioritized', 'active', 'delayed', 'failed', 'paused', 'waiting-children'] as const;

export interface QueueCounts {
  queue: string;
  paused: boolean;
  /** Ready to run now (waiting, prioritized, held by a paused queue, waiting for children). */
  waiting: number;
  active: number;
  /** Scheduled for later: timers, retries after a backoff. */
  delayed: number;
  /** Gave up after their last attempt (BullMQ keeps them until removed or retried). */
  failed: number;
}

/**
 * Every service's BullMQ queues (BULLMQ_QUEUES: timers, retries, deliveries), opened read-side by the gateway: counted
 * for the operator console and browsed in bull-board (/ops/queues). The services own and work them.
 */
@Injectable()
export class JobQueues implements OnModuleDestroy {
  readonly queues: Queue[];

  constructor(@Inject(SERVICE_CONFIG) config: GatewayConfig) {
    const connection = {
      url: config.REDIS_URL,
      maxRetriesPerRequest: null,
      enableOfflineQueue: false,
      lazyConnect: true,
    };
    this.queues = config.BULLMQ_QUEUES.map((name) => new Queue(name, { connection, prefix: config.BULLMQ_PREFIX }));
    for (const q of this.queues) q.on('error', () => undefined); // Redis outages show in /api/v1/ops/health
  }

  async counts(): Promise<QueueCounts[]> {
    try {
      return await Promise.all(
        this.queues.map(async (q) => {
          const [c, paused] = await Promise.all([q.getJobCounts(...COUNTED), q.isPaused()]);
          return {
            queue: q.name,
            paused,
            waiting: c.waiting! + c.prioritized! + c.paused! + c['waiting-children']!,
            active: c.active!,
            delayed: c.delayed!,
            failed: c.failed!,
          };
        }),
      );
    } catch (err) {
      throw new ProblemException(503, 'QUEUES_UNAVAILABLE', `无法读取任务队列（Redis）：${(err as Error).message}`);
    }
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.allSettled(this.queues.map((q) => q.close()));
  }
}
