import { eventually, testKeys, uniqueSuffix } from '@outpost/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import type { GatewayHarness } from './gateway-harness';

const ROOT = path.resolve(__dirname, '../../../..');

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => ok(port));
    });
  });
}

/**
 * The REAL notification service in its own process, run from source (services are never imported by another
 * service's code), on the gateway harness's database (its own schema) and topic prefix. The gateway's demo roster,
 * already on Kafka, becomes its contacts (a new consumer group reads from the beginning).
 */
export class NotificationProcess {
  private child: ChildProcess | null = null;
  private log = '';

  /** Its BullMQ queues are `<queuePrefix>-<channel>` (the gateway's BULLMQ_QUEUES can list them before it starts). */
  readonly queuePrefix = `ntf-gw-${uniqueSuffix()}`;

  /** `env`: settings of this process over the defaults below (an unreachable SMTP server, one attempt, …). */
  constructor(
    readonly port: number,
    private readonly env: Record<string, string> = {},
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(h: GatewayHarness): Promise<void> {
    const suffix = uniqueSuffix();
    const keys = await testKeys();
    const child = spawn(
      process.execPath,
      [
        '-r',
        path.join(ROOT, 'services/notification/test/fixtures/swc-register.cjs'),
        path.join(ROOT, 'services/notification/src/main.ts'),
      ],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          HOST: '127.0.0.1',
          PORT: String(this.port),
          DATABASE_ADMIN_URL: h.db.adminUrl,
          DATABASE_URL: h.db.adminUrl.replace('postgres@', 'outpost_notification@'),
          INTERNAL_JWT_PUBLIC_KEY: keys.publicKeyPem,
          KAFKA_TOPIC_PREFIX: h.config.KAFKA_TOPIC_PREFIX,
          KAFKA_TOPIC_PARTITIONS: '1',
          OUTBOX_POLL_INTERVAL_MS: '100',
          AUDIT_CHECKPOINT_INTERVAL_MS: '0',
          CONSUMER_RETRY_BASE_MS: '50',
          LOG_LEVEL: 'warn',
          NOTIFICATION_QUEUE_PREFIX: this.queuePrefix,
          NOTIFICATION_CONSUMER_GROUP: `notification-gw-${suffix}`,
          ENCRYPTION_KEY: randomBytes(32).toString('base64'),
          RECONCILE_INTERVAL_MS: '0',
          // Quiet hours would make results depend on the time of day.
          QUIET_HOURS_START: '00:00',
          QUIET_HOURS_END: '00:00',
          ...this.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child = child;
    const keep = (b: Buffer) => (this.log = (this.log + b.toString()).slice(-4000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    await eventually(
      async () => {
        if (!this.running()) throw new Error(`notification exited: ${this.log}`);
        const res = await fetch(`${this.url}/health/live`).catch(() => null);
        return res?.ok ? true : undefined;
      },
      120_000,
      300,
    );
    // Recipients come from the roster the harness published (11 demo people).
    await eventually(
      async () => ((await h.query(`SELECT 1 FROM notification.contact`)).length >= 11 ? true : undefined),
      60_000,
    );
  }

  /**
   * Where a lead's inbox item is on its way to a browser, for a test's failure message: this process's state and last
   * log lines, the items notification recorded, its outbox rows not yet on Kafka and the inbox events the gateway has
   * applied. A push that never arrives then says at which hop it stopped.
   */
  async diagnostics(h: GatewayHarness): Promise<string> {
    const count = async (sql: string): Promise<string> =>
      h
        .query<{ n: string }>(sql)
        .then((rows) => rows[0]?.n ?? '?')
        .catch((err: Error) => `unreadable (${err.message})`);
    const lines = [
      `notification process: ${this.running() ? 'running' : `exited (${this.child?.exitCode ?? this.child?.signalCode})`}`,
      `notification inbox items: ${await count(`SELECT count(*)::text AS n FROM notification.inbox_item`)}`,
      `notification outbox rows not yet sent: ${await count(`SELECT count(*)::text AS n FROM notification.outbox WHERE sent_at IS NULL`)}`,
      `inbox-item-added events the gateway applied: ${await count(`SELECT count(*)::text AS n FROM gateway.inbox WHERE topic LIKE '%notification.inbox-item-added.v1'`)}`,
      `notification's last log lines:\n${this.log || '(none)'}`,
    ];
    return lines.join('\n');
  }

  /** Runs `wait`; if it fails, the error also carries diagnostics() (the state of every hop at that moment). */
  async explained<T>(h: GatewayHarness, wait: () => Promise<T>): Promise<T> {
    try {
      return await wait();
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${await this.diagnostics(h)}`, { cause: err });
    }
  }

  /** A process killed by a signal has exitCode null and signalCode set. */
  running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM (graceful stop) and wait for the exit. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.running()) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}
