import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { SERVICE_CONFIG } from '@outpost/platform';
import type { IntakeConfig } from '../config/intake.config';

/** intake's Redis connection (rate limits, fund-flow window). Fails fast instead of queueing when Redis is down. */
@Injectable()
export class IntakeRedis implements OnModuleDestroy {
  readonly client: Redis;

  constructor(@Inject(SERVICE_CONFIG) config: IntakeConfig) {
    this.client = new Redis(config.REDIS_URL, {
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      keyPrefix: config.REDIS_KEY_PREFIX,
    });
    // Errors surface on the commands that hit them; without a listener ioredis would print every reconnect attempt.
    this.client.on('error', () => undefined);
  }

  async onModuleDestroy(): Promise<void> {
    this.client.disconnect();
  }
}
