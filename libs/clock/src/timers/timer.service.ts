import { DelayedError, Job, JobsOptions, Queue, Worker } from 'bullmq';
import IORedis, { type Redis } from 'ioredis';
import type { DataSource, EntityManager } from 'typeorm';
import type { Clock } from '../clock';
import { timerSqlIdent } from './timers.migration';
import {
  SILENT_TIMER_LOGGER,
  type ScheduleOutcome,
  type TimerHandler,
  type TimerLogger,
  type TimerRecord,
  type TimerSpec,
  type TimerStatus,
} from './timer.types';

export interface TimerServiceOptions {
  dataSource: DataSource;
  /** The service's schema holding the `timer` table (see timersMigration). */
  schema: string;
  /** BullMQ queue name, one per service (and per test file). */
  queueName: string;
  /** A URL (connections are created and closed here) or an IORedis instance created with `maxRetriesPerRequest: null`. */
  redis: { url: string } | Redis;
  clock: Clock;
  handlers: Record<string, TimerHandler>;
  logger?: TimerLogger;
  /** Period of the background reconcile started by start(); 0 disables it. Default 30 s. */
  reconcileIntervalMs?: number;
  /** Timers due further ahead than this get their BullMQ job from a later reconcile/kick. Default 24 h. */
  horizonMs?: number;
  /** Handler attempts per BullMQ job and the first backoff delay (exponential). Default 5 attempts, 1 s. */
  retry?: { attempts?: number; backoffMs?: number };
  /** Jobs processed at once by this worker. Default 4. */
  concurrency?: number;
  /** BullMQ key prefix. Default 'bull'. */
  prefix?: string;
}

interface TimerJobData {
  timerId: string;
}

type FireOutcome = { status: 'FIRED' } | { status: 'SKIPPED' } | { status: 'NOT_DUE'; fireAt: Date };

interface TimerRow {
  id: string;
  kind: string;
  subject_id: string;
  fire_at: Date;
  payload: Record<string, unknown>;
  status: TimerStatus;
  fired_at: Date | null;
  attempts: number;
}

const COLUMNS = 'id, kind, subject_id, fire_at, payload, status, fired_at, attempts';
const BATCH = 200;
const SAFE_ID = /^[A-Za-z0-9_.-]+$/;

/**
 * BullMQ job id for a timer at a given due time: deterministic (the reconciler finds the job again), never
 * containing ':' (BullMQ forbids it), and injective: ids outside [A-Za-z0-9_.-] are base64url-encoded behind a '~'.
 * The due time is part of it, so moving a timer makes a new job and the old one finds the timer not yet due.
 */
export function timerJobId(timerId: string, fireAt: Date): string {
  const safe = SAFE_ID.test(timerId) ? timerId : `~${Buffer.from(timerId, 'utf8').toString('base64url')}`;
  return `timer.${safe}.${fireAt.getTime()}`;
}

function toRecord(r: TimerRow): TimerRecord {
  return {
    id: r.id,
    kind: r.kind,
    subjectId: r.subject_id,
    fireAt: new Date(r.fire_at),
    payload: r.payload ?? {},
    status: r.status,
    firedAt: r.fired_at ? new Date(r.fired_at) : null,
    attempts: Number(r.attempts),
  };
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/**
 * Durable timers. The due time is a row in Postgres (written in the caller's transaction); a BullMQ delayed job with a
 * deterministic id carries it out; a reconciler (on start and every reconcileIntervalMs) re-creates missing jobs and
 * fires overdue timers directly. Firing is exactly-once in effect: the handler runs and the timer is marked FIRED in
 * ONE transaction, after `SELECT … FOR UPDATE` on the PENDING row, so duplicate or stale jobs find nothing to do.
 *
 * Enqueueing after schedule(): schedule() only writes the row. Either run the work in `withTransaction()` (kicks
 * the scheduled timers after commit), or call `kick([ids])` yourself after your transaction commits. If the process
 * dies in between, the reconciler enqueues (or, when overdue, fires) the timer: nothing is lost, it is only late by at
 * most one reconcile interval.
 */
export class TimerService {
  private readonly table: string;
  private readonly handlers = new Map<string, TimerHandler>();
  private readonly log: TimerLogger;
  private readonly reconcileIntervalMs: number;
  private readonly horizonMs: number;
  private readonly jobOptions: JobsOptions;
  private readonly concurrency: number;
  private readonly prefix: string;
  private readonly tracked = new WeakMap<EntityManager, Set<string>>();
  private queue?: Queue<TimerJobData>;
  private worker?: Worker<TimerJobData>;
  private ownedConnections: Redis[] = [];
  private timerHandle?: NodeJS.Timeout;
  private reconciling?: Promise<{ enqueued: number; fired: number }>;
  private started = false;

  constructor(private readonly o: TimerServiceOptions) {
    this.table = `${timerSqlIdent(o.schema, 'schema')}.timer`;
    if (!o.queueName || o.queueName.includes(':'))
      throw new Error(`invalid queue name "${o.queueName}" (no ':' allowed)`);
    for (const [kind, h] of Object.entries(o.handlers)) this.registerHandler(kind, h);
    this.log = o.logger ?? SILENT_TIMER_LOGGER;
    this.reconcileIntervalMs = o.reconcileIntervalMs ?? 30_000;
    this.horizonMs = o.horizonMs ?? 24 * 3_600_000;
    this.concurrency = o.concurrency ?? 4;
    this.prefix = o.prefix ?? 'bull';
    this.jobOptions = {
      attempts: o.retry?.attempts ?? 5,
      backoff: { type: 'exponential', delay: o.retry?.backoffMs ?? 1000 },
      removeOnComplete: { count: 1000, age: 24 * 3600 },
      removeOnFail: { count: 5000, age: 7 * 24 * 3600 },
    };
  }

  /** Adds a handler for a kind (the Nest module registers the @OnTimer methods this way before start()). */
  registerHandler(kind: string, handler: TimerHandler): void {
    if (this.handlers.has(kind)) throw new Error(`two handlers for timer kind "${kind}"`);
    this.handlers.set(kind, handler);
  }

  get kinds(): string[] {
    return [...this.handlers.keys()];
  }

  /**
   * Upserts a PENDING timer in the caller's transaction. An existing PENDING timer is moved (fireAt, payload);
   * a CANCELLED one is re-armed; a FIRED one is left alone ('ALREADY_FIRED'). Enqueue after commit: see the class doc.
   */
  async schedule(tx: EntityManager, t: TimerSpec): Promise<ScheduleOutcome> {
    return (await this.scheduleMany(tx, [t]))[0]!;
  }

  /** schedule() for several timers (distinct ids) in one statement; the outcomes in the order of `ts`. */
  async scheduleMany(tx: EntityManager, ts: TimerSpec[]): Promise<ScheduleOutcome[]> {
    if (!ts.length) return [];
    for (const t of ts) {
      if (!t.id || !t.kind) throw new Error('timer id and kind are required');
      if (Number.isNaN(t.fireAt.getTime())) throw new Error(`timer ${t.id}: invalid fireAt`);
    }
    if (new Set(ts.map((t) => t.id)).size < ts.length) throw new Error('scheduleMany: a timer id appears twice');
    const rows: Array<{ id: string; inserted: boolean; previous: TimerStatus | null }> = await tx.query(
      `WITH input AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[])
           AS i(id, kind, subject_id, fire_at, payload)),
       prev AS (SELECT t.id, t.status FROM ${this.table} t JOIN input USING (id))
       INSERT INTO ${this.table} AS t (id, kind, subject_id, fire_at, payload, status)
       SELECT id, kind, subject_id, fire_at, payload::jsonb, 'PENDING' FROM input
       ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, subject_id = EXCLUDED.subject_id, fire_at = EXCLUDED.fire_at,
         payload = EXCLUDED.payload, status = 'PENDING', fired_at = NULL, last_error = NULL, updated_at = now(),
         attempts = CASE WHEN t.status = 'CANCELLED' THEN 0 ELSE t.attempts END
       WHERE t.status <> 'FIRED'
       RETURNING t.id, (xmax = 0) AS inserted, (SELECT status FROM prev WHERE prev.id = t.id) AS previous`,
      [
        ts.map((t) => t.id),
        ts.map((t) => t.kind),
        ts.map((t) => t.subjectId),
        ts.map((t) => t.fireAt),
        ts.map((t) => JSON.stringify(t.payload ?? {})),
      ],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ts.map((t) => {
      const r = byId.get(t.id);
      if (!r) return 'ALREADY_FIRED';
      this.tracked.get(tx)?.add(t.id);
      return r.inserted ? 'CREATED' : r.previous === 'CANCELLED' ? 'REARMED' : 'UPDATED';
    });
  }

  /** Cancels a PENDING timer in the caller's transaction (a FIRED one stays FIRED). Its job, if any, will do nothing. */
  async cancel(tx: EntityManager, id: string): Promise<boolean> {
    const res: [unknown[], number] = await tx.query(
      `UPDATE ${this.table} SET status = 'CANCELLED', updated_at = now() WHERE id = $1 AND status = 'PENDING'`,
      [id],
    );
    return res[1] > 0;
  }

  /** Cancels every PENDING timer of a subject (optionally only some kinds); returns how many. */
  async cancelForSubject(tx: EntityManager, subjectId: string, kinds?: string[]): Promise<number> {
    const res: [unknown[], number] = await tx.query(
      `UPDATE ${this.table} SET status = 'CANCELLED', updated_at = now()
       WHERE subject_id = $1 AND status = 'PENDING' AND ($2::text[] IS NULL OR kind = ANY($2::text[]))`,
      [subjectId, kinds ?? null],
    );
    return res[1];
  }

  /**
   * Runs `work` in a transaction and, after it commits, enqueues the timers scheduled in it. A failed enqueue is
   * logged, not thrown: the data is committed and the reconciler will enqueue the timer.
   */
  async withTransaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    const ids = new Set<string>();
    const result = await this.o.dataSource.transaction(async (tx) => {
      this.tracked.set(tx, ids);
      return work(tx);
    });
    if (ids.size > 0) {
      await this.kick([...ids]).catch((err: unknown) =>
        this.log.warn(
          { timerIds: [...ids], err: errorText(err) },
          'timers: enqueue after commit failed; the reconciler will enqueue them',
        ),
      );
    }
    return result;
  }

  /**
   * Enqueues BullMQ jobs for these PENDING timers (or, without ids, for every PENDING timer due within the horizon),
   * delay = max(0, fireAt - clock.now()). Idempotent: an existing waiting/delayed/active job is kept. Returns the
   * number of jobs created.
   */
  async kick(ids?: string[]): Promise<number> {
    if (ids) {
      if (ids.length === 0) return 0;
      const rows: TimerRow[] = await this.o.dataSource.query(
        `SELECT ${COLUMNS} FROM ${this.table} WHERE id = ANY($1::text[]) AND status = 'PENDING'`,
        [ids],
      );
      let n = 0;
      for (const r of rows) if (await this.ensureJob(toRecord(r))) n++;
      return n;
    }
    return this.enqueueUpcoming(new Date(0));
  }

  /**
   * Fires every PENDING timer with fireAt <= clock.now() directly (same exactly-once path as the worker; rows a
   * worker holds are skipped) and (re)creates missing jobs for PENDING timers due within the horizon. A handler
   * that fails is logged and its timer stays PENDING for the next reconcile. Concurrent calls share one run.
   */
  reconcile(): Promise<{ enqueued: number; fired: number }> {
    if (!this.reconciling) {
      this.reconciling = this.runReconcile().finally(() => {
        this.reconciling = undefined;
      });
    }
    return this.reconciling;
  }

  /** Starts the worker, reconciles once, then every reconcileIntervalMs. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const worker = new Worker<TimerJobData>(this.o.queueName, (job, token) => this.process(job, token), {
      connection: this.connection(true),
      prefix: this.prefix,
      concurrency: this.concurrency,
      autorun: false,
    });
    worker.on('error', (err) =>
      this.log.error({ queue: this.o.queueName, err: errorText(err) }, 'timers: worker error'),
    );
    worker.on('failed', (job, err) =>
      this.log.warn(
        { timerId: job?.data.timerId, attemptsMade: job?.attemptsMade, err: errorText(err) },
        'timers: handler failed (retried with backoff; after the last attempt the reconciler retries it)',
      ),
    );
    this.worker = worker;
    void worker
      .run()
      .catch((err: unknown) => this.log.error({ err: errorText(err) }, 'timers: worker stopped with an error'));
    await worker.waitUntilReady();
    await this.warnUnhandledKinds();
    const result = await this.reconcile();
    this.log.info({ queue: this.o.queueName, ...result }, 'timers: started');
    if (this.reconcileIntervalMs > 0) {
      this.timerHandle = setInterval(() => {
        this.reconcile().catch((err: unknown) =>
          this.log.error({ err: errorText(err) }, 'timers: periodic reconcile failed'),
        );
      }, this.reconcileIntervalMs);
      this.timerHandle.unref();
    }
  }

  /** Stops the reconciler and the worker, waiting for in-flight handlers, then closes the Redis connections it made. */
  async stop(): Promise<void> {
    if (this.timerHandle) clearInterval(this.timerHandle);
    this.timerHandle = undefined;
    if (this.reconciling) await this.reconciling.catch(() => undefined);
    if (this.worker) await this.worker.close();
    this.worker = undefined;
    if (this.queue) await this.queue.close();
    this.queue = undefined;
    await Promise.all(this.ownedConnections.map((c) => c.quit().catch(() => c.disconnect())));
    this.ownedConnections = [];
    this.started = false;
  }

  /** A subject's timers, by due time. */
  async list(subjectId: string): Promise<TimerRecord[]> {
    const rows: TimerRow[] = await this.o.dataSource.query(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE subject_id = $1 ORDER BY fire_at, id`,
      [subjectId],
    );
    return rows.map(toRecord);
  }

  async get(id: string): Promise<TimerRecord | null> {
    const rows: TimerRow[] = await this.o.dataSource.query(`SELECT ${COLUMNS} FROM ${this.table} WHERE id = $1`, [id]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** The BullMQ queue (for bull-board or tests). Created on first use. */
  getQueue(): Queue<TimerJobData> {
    if (!this.queue) {
      this.queue = new Queue<TimerJobData>(this.o.queueName, {
        connection: this.connection(false),
        prefix: this.prefix,
      });
      this.queue.on('error', (err) =>
        this.log.error({ queue: this.o.queueName, err: errorText(err) }, 'timers: queue error'),
      );
    }
    return this.queue;
  }

  private connection(forWorker: boolean): Redis {
    if (!('url' in this.o.redis)) return this.o.redis;
    // Workers block on Redis and must retry forever (maxRetriesPerRequest: null); the producer side fails fast.
    const c = new IORedis(this.o.redis.url, forWorker ? { maxRetriesPerRequest: null } : { maxRetriesPerRequest: 3 });
    this.ownedConnections.push(c);
    return c;
  }

  private async process(job: Job<TimerJobData>, token?: string): Promise<string> {
    const outcome = await this.fire(job.data.timerId, false);
    if (outcome.status === 'NOT_DUE') {
      // The timer was moved later (or this clock runs behind the queue's): wait again under the same job.
      const delay = Math.max(0, outcome.fireAt.getTime() - this.o.clock.now().getTime());
      await job.moveToDelayed(Date.now() + delay, token);
      throw new DelayedError();
    }
    return outcome.status;
  }

  /**
   * The one path that runs a handler: lock the row, check it is PENDING and due, run the handler and mark FIRED in
   * the same transaction. On failure the transaction rolls back and the attempt is recorded separately.
   */
  private async fire(id: string, skipLocked: boolean): Promise<FireOutcome> {
    try {
      return await this.o.dataSource.transaction(async (tx): Promise<FireOutcome> => {
        const rows: TimerRow[] = await tx.query(
          `SELECT ${COLUMNS} FROM ${this.table} WHERE id = $1 FOR UPDATE${skipLocked ? ' SKIP LOCKED' : ''}`,
          [id],
        );
        if (!rows[0] || rows[0].status !== 'PENDING') return { status: 'SKIPPED' };
        const timer = toRecord(rows[0]);
        const now = this.o.clock.now();
        if (timer.fireAt.getTime() > now.getTime()) return { status: 'NOT_DUE', fireAt: timer.fireAt };
        const handler = this.handlers.get(timer.kind);
        if (!handler) throw new Error(`no handler registered for timer kind "${timer.kind}"`);
        await handler({ ...timer, attempts: timer.attempts + 1 }, tx);
        await tx.query(
          `UPDATE ${this.table} SET status = 'FIRED', fired_at = $2, attempts = attempts + 1, last_error = NULL, updated_at = now()
           WHERE id = $1`,
          [id, now],
        );
        return { status: 'FIRED' };
      });
    } catch (err) {
      await this.o.dataSource
        .query(
          `UPDATE ${this.table} SET attempts = attempts + 1, last_error = $2, updated_at = now() WHERE id = $1 AND status = 'PENDING'`,
          [id, errorText(err).slice(0, 2000)],
        )
        .catch((e: unknown) =>
          this.log.error({ timerId: id, err: errorText(e) }, 'timers: could not record a failed attempt'),
        );
      throw err;
    }
  }

  private async runReconcile(): Promise<{ enqueued: number; fired: number }> {
    const now = this.o.clock.now();
    let fired = 0;
    let failed = 0;
    let after: { fireAt: Date; id: string } | null = null;
    for (;;) {
      const rows: Array<{ id: string; fire_at: Date }> = await this.o.dataSource.query(
        `SELECT id, fire_at FROM ${this.table}
         WHERE status = 'PENDING' AND fire_at <= $1 AND ($2::timestamptz IS NULL OR (fire_at, id) > ($2::timestamptz, $3::text))
         ORDER BY fire_at, id LIMIT ${BATCH}`,
        [now, after?.fireAt ?? null, after?.id ?? null],
      );
      for (const r of rows) {
        try {
          if ((await this.fire(r.id, true)).status === 'FIRED') fired++;
        } catch (err) {
          failed++;
          this.log.warn(
            { timerId: r.id, err: errorText(err) },
            'timers: overdue timer failed to fire; it stays PENDING for the next reconcile',
          );
        }
      }
      if (rows.length < BATCH) break;
      const last = rows[rows.length - 1]!;
      after = { fireAt: last.fire_at, id: last.id };
    }
    const enqueued = await this.enqueueUpcoming(now);
    if (fired || failed || enqueued) this.log.info({ fired, failed, enqueued }, 'timers: reconciled');
    return { enqueued, fired };
  }

  /** Ensures a job for every PENDING timer with from < fireAt <= now + horizon; returns jobs created. */
  private async enqueueUpcoming(from: Date): Promise<number> {
    const until = new Date(this.o.clock.now().getTime() + this.horizonMs);
    let enqueued = 0;
    let after: { fireAt: Date; id: string } | null = null;
    for (;;) {
      const rows: TimerRow[] = await this.o.dataSource.query(
        `SELECT ${COLUMNS} FROM ${this.table}
         WHERE status = 'PENDING' AND fire_at > $1 AND fire_at <= $2
           AND ($3::timestamptz IS NULL OR (fire_at, id) > ($3::timestamptz, $4::text))
         ORDER BY fire_at, id LIMIT ${BATCH}`,
        [from, until, after?.fireAt ?? null, after?.id ?? null],
      );
      for (const r of rows) if (await this.ensureJob(toRecord(r))) enqueued++;
      if (rows.length < BATCH) break;
      const last = rows[rows.length - 1]!;
      after = { fireAt: last.fire_at, id: last.id };
    }
    return enqueued;
  }

  /** Creates the timer's job unless a live one exists; a finished job (completed/failed) is replaced. */
  private async ensureJob(t: TimerRecord): Promise<boolean> {
    const queue = this.getQueue();
    const jobId = timerJobId(t.id, t.fireAt);
    const existing = await queue.getJob(jobId);
    if (existing) {
      const state = await existing.getState();
      if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return false;
      await existing.remove();
    }
    const delay = Math.max(0, t.fireAt.getTime() - this.o.clock.now().getTime());
    await queue.add(t.kind, { timerId: t.id }, { ...this.jobOptions, jobId, delay });
    return true;
  }

  private async warnUnhandledKinds(): Promise<void> {
    const rows: Array<{ kind: string; n: string }> = await this.o.dataSource.query(
      `SELECT kind, count(*) AS n FROM ${this.table} WHERE status = 'PENDING' AND NOT (kind = ANY($1::text[])) GROUP BY kind`,
      [this.kinds],
    );
    for (const r of rows) {
      this.log.error(
        { kind: r.kind, pending: Number(r.n) },
        'timers: PENDING timers of a kind with no handler; they will not fire',
      );
    }
  }
}
