import type { PoolClient, QueryResult } from 'pg';
import type { DataSource } from 'typeorm';
import type { KafkaBus } from './kafka-bus';
import { rawPoolOf, SessionStatement, withPoolClient } from '@outpost/platform';
import { errorFields, SILENT_LOGGER, type LoggerLike } from './logger';
import { onOutboxCommitted, wakeRelaysAfterCommit } from './outbox-wake';
import { quoteIdent } from './sql-identifier';

export interface OutboxRelayOptions {
  dataSource: DataSource;
  /** The service's schema holding the `outbox` table. */
  schema: string;
  bus: KafkaBus;
  /** Rows per Kafka request / transaction (default 500). */
  batchSize?: number;
  /**
   * Polling interval (default 1000 ms). Commits in this process wake the relay at once (outbox-wake.ts); polling finds
   * rows other instances wrote and rows written with no wake-up.
   */
  pollIntervalMs?: number;
  /** Sent rows older than this are deleted (default 24 h). */
  retentionMs?: number;
  /** How often the retention clean-up runs (default 60 s). */
  cleanupIntervalMs?: number;
  logger?: LoggerLike;
  /**
   * Test hook: asked after Kafka acknowledged a batch and before the rows are marked sent. Returning true simulates a
   * crash at the worst moment: the batch transaction is rolled back (rows stay pending) and the relay stops, or, with
   * `exitOnSimulatedCrash`, the process is killed with SIGKILL.
   */
  crashAfterPublish?: () => boolean;
  exitOnSimulatedCrash?: boolean;
}

/** Thrown by the relay when the `crashAfterPublish` hook fires (in-process simulation of a killed relay). */
export class SimulatedCrashError extends Error {
  constructor() {
    super('simulated relay crash after publish, before mark-sent');
    this.name = 'SimulatedCrashError';
  }
}

const MAX_ERROR_BACKOFF_MS = 10_000;
/**
 * Another instance holds the batch lock: look again this soon (its batch may not include our newest rows), a few
 * times, then at the polling interval (a holder stuck on an unreachable broker must not be hammered).
 */
const LOCK_BUSY_RETRY_MS = 20;
const LOCK_BUSY_QUICK_RETRIES = 5;

/**
 * Publishes outbox rows to Kafka and marks them sent.
 *
 * Why it is correct with several instances: each batch is one transaction that first takes a transaction-scoped
 * advisory lock for this schema (`pg_try_advisory_xact_lock`), then claims the oldest pending rows with
 * `FOR UPDATE SKIP LOCKED`, produces them with acks=all, marks them sent and commits. Only one batch per schema is in
 * flight at a time, and it always takes the oldest pending rows, so rows of one key are produced in `seq` order, and
 * a later batch cannot overtake an earlier one. The lock lives on the same connection as the row locks: if a relay
 * dies mid-batch, Postgres releases both together and the rows are still pending (published again: at-least-once;
 * consumers deduplicate by event id). There is no high-water mark: a row whose transaction took a lower `seq` but
 * committed late is simply still `sent_at IS NULL` and goes out in the next batch. (Per-key order then follows commit
 * order; use cases serialise writes to one lead by locking its row, so for one key seq order = commit order.)
 *
 * Why a batch does not slow down as sent rows pile up: each row records the transaction that wrote it (`tx`), and a
 * batch looks only at pending rows with `tx >=` a floor. After a batch that took every pending row it saw, the floor
 * moves to its snapshot's xmin: every transaction older than that had finished, so all its rows were visible and are
 * now sent, and any transaction still running (or not started) has a larger id. The index entries of rows sent before
 * the floor are never walked again, even when VACUUM has not yet removed them.
 */
export class OutboxRelay {
  private readonly dataSource: DataSource;
  private readonly table: string;
  private readonly schema: string;
  private readonly bus: KafkaBus;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly retentionMs: number;
  private readonly cleanupIntervalMs: number;
  private readonly logger: LoggerLike;
  private readonly crashAfterPublish?: () => boolean;
  private readonly exitOnSimulatedCrash: boolean;
  /** The claim, taking the batch lock of this schema by waiting (flush) or trying (the loop); $1 = the floor. */
  private readonly claimStatement: { wait: SessionStatement; try: SessionStatement };
  /** Marks rows sent; $1 = their seqs. */
  private readonly markStatement: SessionStatement;

  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private pendingWake = false;
  private stopWaking: (() => void) | null = null;
  private lockBusy = false;
  private busyStreak = 0;
  private lastCleanup = 0;
  /** xid8: no row written by a transaction older than this is pending (see the class comment). */
  private floor = 0n;

  constructor(o: OutboxRelayOptions) {
    this.dataSource = o.dataSource;
    this.schema = o.schema;
    this.table = `${quoteIdent(o.schema)}.outbox`;
    this.bus = o.bus;
    this.batchSize = o.batchSize ?? 500;
    this.pollIntervalMs = o.pollIntervalMs ?? 1000;
    this.retentionMs = o.retentionMs ?? 24 * 3600_000;
    this.cleanupIntervalMs = o.cleanupIntervalMs ?? 60_000;
    this.logger = o.logger ?? SILENT_LOGGER;
    this.crashAfterPublish = o.crashAfterPublish;
    this.exitOnSimulatedCrash = o.exitOnSimulatedCrash ?? false;
    const lockArgs = `hashtext('outpost.outbox-relay'), hashtext('${o.schema}')`;
    // SQL-prepared per connection (no planning per batch). Every read is an index probe whatever the plan: the pending
    // seqs come from outbox_pending_tx_idx from the floor on, and each is then locked by primary key (an ORDER BY seq
    // LIMIT on the table could walk the primary key from the first row ever written; a join could scan it).
    const claim = (lock: string) => `WITH lock AS MATERIALIZED (SELECT ${lock} AS locked),
       pending AS MATERIALIZED (
         SELECT seq FROM ${this.table} WHERE (SELECT locked FROM lock) AND sent_at IS NULL AND tx >= $1
       ),
       oldest AS MATERIALIZED (SELECT seq FROM pending ORDER BY seq LIMIT ${this.batchSize})
       SELECT lock.locked, pg_snapshot_xmin(pg_current_snapshot())::text AS horizon,
              (SELECT count(*) FROM pending)::int AS seen,
              o.seq, o.topic, o.key, o.value, o.headers FROM lock LEFT JOIN LATERAL (
         SELECT t.seq, t.topic, t.key, t.value, t.headers FROM oldest, LATERAL (
           SELECT * FROM ${this.table} t WHERE t.seq = oldest.seq AND t.sent_at IS NULL FOR UPDATE SKIP LOCKED
         ) AS t ORDER BY t.seq
       ) AS o ON true`;
    this.claimStatement = {
      wait: new SessionStatement(
        'outbox_claim_wait',
        ['xid8'],
        claim(`(SELECT true FROM (SELECT pg_advisory_xact_lock(${lockArgs})) AS waited)`),
      ),
      try: new SessionStatement('outbox_claim_try', ['xid8'], claim(`pg_try_advisory_xact_lock(${lockArgs})`)),
    };
    this.markStatement = new SessionStatement(
      'outbox_mark',
      ['bigint[]'],
      `UPDATE ${this.table} SET sent_at = now() WHERE seq = ANY($1)`,
    );
  }

  /** Starts the background loop (woken by this process's commits, plus polling); returns once it is running. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.bus.connect();
    wakeRelaysAfterCommit(this.dataSource);
    this.stopWaking = onOutboxCommitted(this.schema, () => this.signal());
    this.loop = this.run();
  }

  /** Stops the loop after the batch in flight (if any) is published and marked. */
  async stop(): Promise<void> {
    this.running = false;
    this.signal();
    await this.loop;
    this.loop = null;
    this.stopWaking?.();
    this.stopWaking = null;
  }

  /** Publishes everything pending now (waiting for another instance's batch if need be); returns rows published. */
  async flush(): Promise<number> {
    let total = 0;
    for (;;) {
      const { published, full } = await this.publishBatch(true);
      total += published;
      if (!full) return total;
    }
  }

  /** Rows not yet published. */
  async backlog(): Promise<number> {
    const rows: Array<{ n: number }> = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM ${this.table} WHERE sent_at IS NULL`,
    );
    return rows[0]?.n ?? 0;
  }

  /** Deletes sent rows older than the retention; returns how many. */
  async cleanup(): Promise<number> {
    const res: [unknown[], number] = await this.dataSource.query(
      `DELETE FROM ${this.table} WHERE seq IN (
         SELECT seq FROM ${this.table} WHERE sent_at IS NOT NULL AND sent_at < now() - $1 * interval '1 millisecond' LIMIT 10000)`,
      [this.retentionMs],
    );
    return res[1];
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      let delay = this.pollIntervalMs;
      try {
        const { full } = await this.publishBatch(false);
        failures = 0;
        if (full) continue; // more is waiting: no sleep
        this.busyStreak = this.lockBusy ? this.busyStreak + 1 : 0;
        if (this.lockBusy && this.busyStreak <= LOCK_BUSY_QUICK_RETRIES) delay = LOCK_BUSY_RETRY_MS;
        await this.maybeCleanup();
      } catch (err) {
        if (err instanceof SimulatedCrashError) {
          this.logger.warn({ schema: this.schema }, err.message);
          this.running = false; // behave like a dead process: publish nothing more until restarted
          return;
        }
        failures++;
        delay = Math.min(this.pollIntervalMs * 2 ** Math.min(failures, 6), MAX_ERROR_BACKOFF_MS);
        this.logger.error(
          { ...errorFields(err), schema: this.schema, failures, retryInMs: delay },
          'outbox relay batch failed',
        );
      }
      await this.sleep(delay);
    }
  }

  /**
   * One transaction per batch in two round trips plus the Kafka request: (BEGIN, take the batch lock, claim the
   * oldest pending rows) → produce (acks=all) → (mark sent, COMMIT). When more rows are known to be waiting (the batch
   * was full, or a commit in this process woke the relay meanwhile), the mark's round trip also begins the next batch
   * and claims its rows (`UPDATE …; COMMIT; BEGIN; claim`): under load a batch costs one Postgres round trip, not two.
   * Simple-query statements on a raw pooled connection: every value spliced in is an integer or the checked schema
   * name. Returns the rows published, and whether the last batch was full (more may be waiting).
   */
  private async publishBatch(waitForLock: boolean): Promise<{ published: number; full: boolean }> {
    return withPoolClient(rawPoolOf(this.dataSource), async (client, markBroken) => {
      let open = true;
      let published = 0;
      try {
        this.pendingWake = false;
        let claim = await this.claim(client, 'BEGIN; ', waitForLock);
        for (;;) {
          const rows = claim.rows.filter((r): r is ClaimedRow & { seq: string } => r.seq !== null);
          this.lockBusy = claim.rows[0]?.locked !== true;
          // Every pending row this snapshot saw is in this batch: once it commits, the floor may rise to the horizon.
          const first = claim.rows[0];
          const horizon = !this.lockBusy && first && rows.length === first.seen ? BigInt(first.horizon!) : null;
          if (!rows.length) {
            await client.query(this.lockBusy ? 'ROLLBACK' : 'COMMIT');
            open = false;
            this.raiseFloor(horizon);
            return { published, full: false };
          }
          await this.bus.send(rows.map((r) => ({ topic: r.topic, key: r.key, value: r.value, headers: r.headers })));
          if (this.crashAfterPublish?.()) {
            // SIGKILL: no rollback, no cleanup, exactly like the machine dying; Postgres aborts the open transaction.
            if (this.exitOnSimulatedCrash) process.kill(process.pid, 'SIGKILL');
            throw new SimulatedCrashError();
          }
          const seqs = rows.map((r) => r.seq);
          if (!seqs.every((q) => /^\d+$/.test(q))) throw new Error('outbox seq is not an integer');
          const mark = `${this.markStatement.sql(client, [`'{${seqs.join(',')}}'`])}; COMMIT`;
          const full = rows.length >= this.batchSize;
          this.logger.debug?.({ schema: this.schema, count: rows.length }, 'outbox batch published');
          if (!this.running || !(full || this.pendingWake)) {
            await client.query(mark);
            open = false;
            this.raiseFloor(horizon);
            return { published: published + rows.length, full };
          }
          this.pendingWake = false;
          // If this fails after its COMMIT, the batch is marked and only the next claim is lost (rolled back below).
          claim = await this.claim(client, `${mark}; BEGIN; `, waitForLock);
          published += rows.length;
          this.raiseFloor(horizon);
        }
      } catch (err) {
        // Whether the statements this connection was sent got prepared is unknown: prepare them afresh next time.
        for (const statement of [this.claimStatement.wait, this.claimStatement.try, this.markStatement])
          statement.forget(client);
        if (open) {
          await client.query('ROLLBACK').catch((rollbackErr: Error) => {
            // The connection is usually what failed (Postgres rolls back on disconnect): the pool must discard it.
            markBroken(rollbackErr);
            this.logger.debug?.({ ...errorFields(rollbackErr) }, 'rollback after failed outbox batch also failed');
          });
        }
        throw err;
      }
    });
  }

  /**
   * Sends `prefix` (ending in BEGIN) and the claim in one simple query; returns the claim's result. The claim takes
   * the batch lock (waiting for it, or trying) and, if it got it, the oldest pending rows, locked.
   */
  private async claim(client: PoolClient, prefix: string, waitForLock: boolean): Promise<QueryResult<ClaimedRow>> {
    const claim = waitForLock ? this.claimStatement.wait : this.claimStatement.try;
    const results = (await client.query(
      `${prefix}${claim.sql(client, [`'${this.floor}'::xid8`])}`,
    )) as unknown as Array<QueryResult<ClaimedRow>>;
    return results[results.length - 1]!;
  }

  private raiseFloor(horizon: bigint | null): void {
    if (horizon !== null && horizon > this.floor) this.floor = horizon;
  }

  private async maybeCleanup(): Promise<void> {
    if (Date.now() - this.lastCleanup < this.cleanupIntervalMs) return;
    this.lastCleanup = Date.now();
    const n = await this.cleanup();
    if (n) this.logger.info({ schema: this.schema, deleted: n }, 'outbox: deleted sent rows past retention');
  }

  private signal(): void {
    this.pendingWake = true;
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    if (this.pendingWake || !this.running) {
      this.pendingWake = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = null;
        this.pendingWake = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}

interface ClaimedRow {
  locked: boolean | null;
  /** xid8 as text: the claim snapshot's xmin. */
  horizon: string | null;
  /** Pending rows the claim saw (all of them are in the batch when it equals the batch's length). */
  seen: number;
  seq: string | null;
  topic: string;
  key: string;
  value: string;
  headers: Record<string, string>;
}
