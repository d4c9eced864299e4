import { Controller, Get, Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { ApiTags } from '@nestjs/swagger';
import Redis from 'ioredis';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { Public } from './auth';
import { SERVICE_CONFIG, type BaseConfig } from './config';

/** Pings Redis and Kafka for readiness (Postgres is checked through TypeORM). */
@Injectable()
export class InfraProbes implements OnModuleDestroy {
  private redis: Redis;
  private kafkaAdmin: Admin;
  private kafkaConnected = false;
  private kafkaCheckedAt = 0;
  private kafkaOk = false;

  constructor(@Inject(SERVICE_CONFIG) config: BaseConfig) {
    this.redis = new Redis(config.REDIS_URL, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      connectTimeout: 2000,
    });
    this.redis.on('error', () => undefined); // reported through readiness, not as log noise
    this.kafkaAdmin = new Kafka({
      clientId: 'health',
      brokers: config.KAFKA_BROKERS,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 2000,
      retry: { retries: 0 },
    }).admin();
  }

  async redisOk(): Promise<boolean> {
    try {
      if (this.redis.status === 'wait' || this.redis.status === 'end') await this.redis.connect();
      return (await this.redis.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  /** Cached for 2 s so a scraping load balancer does not hammer the broker. */
  async kafkaReady(): Promise<boolean> {
    if (Date.now() - this.kafkaCheckedAt < 2000) return this.kafkaOk;
    try {
      if (!this.kafkaConnected) {
        await this.kafkaAdmin.connect();
        this.kafkaConnected = true;
      }
      const cluster = await this.kafkaAdmin.describeCluster();
      this.kafkaOk = cluster.brokers.length > 0;
    } catch {
      this.kafkaOk = false;
      this.kafkaConnected = false;
      await this.kafkaAdmin.disconnect().catch(() => undefined);
    }
    this.kafkaCheckedAt = Date.now();
    return this.kafkaOk;
  }

  async onModuleDestroy(): Promise<void> {
    this.redis.disconnect();
    await this.kafkaAdmin.disconnect().catch(() => undefined);
  }
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly probes: InfraProbes,
  ) {}

  /** The process is up. */
  @Public()
  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /** Postgres, Redis and Kafka all answer. */
  @Public()
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.db.pingCheck('postgres', { timeout: 1500 }),
      async () => {
        const i = this.indicators.check('redis');
        return (await this.probes.redisOk()) ? i.up() : i.down({ message: 'Redis did not answer PING' });
      },
      async () => {
        const i = this.indicators.check('kafka');
        return (await this.probes.kafkaReady()) ? i.up() : i.down({ message: 'Kafka cluster not reachable' });
      },
    ]);
  }
}
