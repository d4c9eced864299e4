import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { importPKCS8 } from 'jose';
import { Pool } from 'pg';
import type { Role } from '@outpost/contracts';
import { signInternalToken, type Principal } from '@outpost/platform';
import { createTestDatabase, HttpReceiver, SmtpSink, uniqueSuffix, type TestDatabase } from '@outpost/testing';
import { DIST_ROOT, freePort, REPO_ROOT, ServiceProcess, type ServiceName } from './proc';

export interface StackOptions {
  label: string;
  kafkaBrokers?: string;
  redisUrl?: string;
  /** Extra env per service. */
  env?: Partial<Record<ServiceName, Record<string, string>>>;
  distRoot?: string;
}

/** The demo accounts' fixed development password (the gateway seeds officer1, operator1, admin1… with DEMO_DATA=true). */
export const DEMO_PASSWORD = 'Outpost@2026';
/** The demo bank source's fixed development key (intake seeds it with DEMO_DATA=true). */
export const BANK_KEY = 'demo-bank-key-icbc-th-2026-dev-only';
export const BANK_SOURCE_ID = 'demo-bank-icbc-tianhe';

/**
 * A private Outpost: one fresh database, a unique topic prefix, unique consumer groups and Redis key prefixes, its own
 * key material, and service processes on free ports. Nothing it creates collides with other engineers' runs (except
 * the consumer groups intake and notification hard-code: see bench/README in the report).
 */
export class Stack {
  readonly tag = uniqueSuffix();
  readonly prefix: string;
  readonly dir: string;
  readonly keysDir: string;
  readonly kafkaBrokers: string;
  readonly redisUrl: string;
  db!: TestDatabase;
  readonly services = new Map<ServiceName, ServiceProcess>();
  /**
   * The mail relay and SMS gateway notification delivers to: local servers that accept everything (pointing it at a
   * closed port, as the bench once did, made every e-mail and SMS fail and retry, a storm no deployment has).
   */
  readonly mail = new SmtpSink();
  readonly sms = new HttpReceiver();
  private privateKeyPem = '';
  /** The driver's own connections for `sql` (made on first use, ended by stop). */
  private pool: Pool | null = null;

  constructor(readonly o: StackOptions) {
    this.prefix = `bench-${o.label}-${this.tag}.`;
    this.dir = mkdtempSync(join(tmpdir(), `outpost-${o.label}-`));
    this.keysDir = join(this.dir, 'keys');
    this.kafkaBrokers = o.kafkaBrokers ?? '127.0.0.1:9092';
    this.redisUrl = o.redisUrl ?? 'redis://127.0.0.1:6379';
  }

  async init(): Promise<void> {
    execFileSync(process.execPath, [join(REPO_ROOT, 'deploy/local/keys.js'), this.keysDir], { stdio: 'ignore' });
    this.privateKeyPem = readFileSync(join(this.keysDir, 'internal-jwt-private.pem'), 'utf8');
    mkdirSync(join(this.dir, 'logs'), { recursive: true });
    this.db = await createTestDatabase(`bench_${this.o.label}`);
    await this.mail.start();
    await this.sms.start();
  }

  get logDir(): string {
    return join(this.dir, 'logs');
  }

  dbUrl(role = 'postgres'): string {
    return `postgres://${role}@127.0.0.1:5432/${this.db.name}`;
  }

  private envFor(svc: ServiceName, ports: Partial<Record<ServiceName, number>>): Record<string, string> {
    const t = this.tag;
    const common: Record<string, string> = {
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      DATABASE_ADMIN_URL: this.dbUrl(),
      DATABASE_URL: this.dbUrl(`outpost_${svc}`),
      KAFKA_BROKERS: this.kafkaBrokers,
      KAFKA_TOPIC_PREFIX: this.prefix,
      REDIS_URL: this.redisUrl,
      INTERNAL_JWT_PUBLIC_KEY_FILE: join(this.keysDir, 'internal-jwt-public.pem'),
      ENCRYPTION_KEY_FILE: join(this.keysDir, 'encryption-key'),
      OUTBOX_POLL_INTERVAL_MS: '500',
    };
    const url = (s: ServiceName) => `http://127.0.0.1:${ports[s] ?? 1}`;
    const own: Record<ServiceName, Record<string, string>> = {
      intake: {
        DEMO_DATA: 'true',
        API_KEY_PEPPER_FILE: join(this.keysDir, 'api-key-pepper'),
        RATE_LIMIT_PER_MINUTE: '100000000',
        REDIS_KEY_PREFIX: `bench:${t}:intake:`,
        EVIDENCE_DIR: join(this.dir, 'evidence'),
      },
      assessment: {
        DEMO_DATA: 'true',
        KAFKA_CONSUMER_GROUP: `bench-${t}-assessment`,
        DEADLINE_QUEUE: `bench-${t}-assessment-deadlines`,
      },
      escalation: {
        ESCALATION_CONSUMER_GROUP: `bench-${t}-escalation`,
        ESCALATION_TIMERS_QUEUE: `bench-${t}-escalation-clocks`,
        ESCALATION_DISPATCH_QUEUE: `bench-${t}-escalation-dispatch`,
      },
      notification: {
        NOTIFICATION_QUEUE_PREFIX: `bench-${t}-notification`,
        SMTP_URL: this.mail.url,
        SMS_GATEWAY_URL: `http://127.0.0.1:${this.sms.port}/sms/send`,
      },
      gateway: {
        DEMO_DATA: 'true',
        KAFKA_CONSUMER_GROUP: `bench-${t}-gateway`,
        INTERNAL_JWT_PRIVATE_KEY_FILE: join(this.keysDir, 'internal-jwt-private.pem'),
        BULLMQ_PREFIX: `bench-${t}-bull`,
        INTAKE_URL: url('intake'),
        ASSESSMENT_URL: url('assessment'),
        ESCALATION_URL: url('escalation'),
        NOTIFICATION_URL: url('notification'),
      },
    };
    return { ...common, ...own[svc], ...(this.o.env?.[svc] ?? {}) };
  }

  /** Allocates ports for the given services (so the gateway knows the others') and starts them in order. */
  async start(names: ServiceName[]): Promise<void> {
    const ports: Partial<Record<ServiceName, number>> = {};
    for (const n of names) ports[n] = await freePort();
    for (const n of names)
      this.services.set(
        n,
        new ServiceProcess(n, ports[n]!, this.envFor(n, ports), this.logDir, this.o.distRoot ?? DIST_ROOT),
      );
    // In parallel: each migrates its own schema; sequential starts on a loaded machine take minutes.
    await Promise.all(names.map((n) => this.svc(n).start(undefined, 300_000)));
  }

  svc(name: ServiceName): ServiceProcess {
    const s = this.services.get(name);
    if (!s) throw new Error(`${name} is not part of this stack`);
    return s;
  }

  async token(userId: string, roles: Role[]): Promise<string> {
    const p: Principal = {
      userId,
      name: userId,
      roles,
      canCertify: false,
      scope: { district: true, streetCodes: [], gridIds: [] },
    };
    return signInternalToken(p, await importPKCS8(this.privateKeyPem, 'ES256'), 600);
  }

  /**
   * A query as the database owner, over two pooled connections (the pipeline polls every 200 ms: a connection per call
   * forked a Postgres backend five times a second during the measured run).
   */
  async sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
    if (!this.pool) {
      this.pool = new Pool({ connectionString: this.dbUrl(), max: 2 });
      // An idle connection lost (the fault suite restarts Postgres): the pool drops it and the next query reconnects.
      this.pool.on('error', (err) => process.stderr.write(`[stack] idle Postgres connection lost: ${err.message}\n`));
    }
    return (await this.pool.query(text, params)).rows as T[];
  }

  /** Connection options for a BullMQ queue or worker on this stack's Redis (BullMQ requires no per-request retry limit). */
  bullConnection(): { url: string; maxRetriesPerRequest: null } {
    return { url: this.redisUrl, maxRetriesPerRequest: null };
  }

  /** The Redis server's pid (from INFO), for CPU accounting; undefined when Redis does not say. */
  async redisPid(): Promise<number | undefined> {
    const redis = new Redis(this.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      const m = /^process_id:(\d+)/m.exec(await redis.info('server'));
      return m ? Number(m[1]) : undefined;
    } finally {
      redis.disconnect();
    }
  }

  /**
   * Deletes this stack's Redis keys (its queues and intake's prefix all carry the tag): a full bench run left ~300 000
   * job keys behind, and a Redis that large slowed every key scan on the machine (a timer test timed out on one).
   */
  private async dropRedisKeys(): Promise<void> {
    const redis = new Redis(this.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      const patterns = [
        `bull:bench-${this.tag}-*`,
        `bull:bench-noop-${this.tag}:*`,
        `bench:${this.tag}:*`,
        `bench-${this.tag}-*`,
      ];
      for (const match of patterns) {
        const stream = redis.scanStream({ match, count: 1000 });
        for await (const keys of stream as AsyncIterable<string[]>) if (keys.length) await redis.unlink(...keys);
      }
    } finally {
      redis.disconnect();
    }
  }

  async stop(keepDb = false): Promise<void> {
    for (const s of [...this.services.values()].reverse()) await s.stop().catch(() => undefined);
    await this.mail.stop();
    await this.sms.stop();
    await this.pool?.end();
    this.pool = null;
    if (!keepDb) await this.dropRedisKeys().catch(() => undefined);
    if (!keepDb) await this.db?.drop().catch(() => undefined);
  }
}
