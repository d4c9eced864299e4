import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { AuditLog } from '@outpost/audit';
import type { Actor } from '@outpost/contracts';
import { CLOCK, type Clock } from '@outpost/clock';
import { Outbox } from '@outpost/messaging';
import {
  addJobUnlessLive,
  failureText,
  ProblemException,
  QueueConnections,
  SERVICE_CONFIG,
  repeatInBackground,
} from '@outpost/platform';
import { Queue, Worker, type Job } from 'bullmq';
import { DataSource, type EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { EscalationConfig, ExternalSystem } from '../config/escalation.config';
import { CaseRepository } from '../cases/case.repository';
import type { AnyPublish } from '../cases/case-writer';
import { leadStatusOf } from '../cases/transition-table';
import { LegalClocks } from '../clocks/legal-clocks.service';
import { TransactionRunner } from '../shared/transaction-runner';
import { CONNECTOR_ACTOR } from '../shared/actors';
import { SIGNATURE_HEADERS, signedHeaders } from './signing';

export type DispatchPurpose = 'REPORT' | 'HANDOVER' | 'REFERRAL' | 'MATERIALS';

export interface DispatchRow {
  id: string;
  caseId: string;
  leadId: string;
  system: ExternalSystem;
  purpose: DispatchPurpose;
  authorityLabel: string;
  body: string;
  status: 'PENDING' | 'SENT' | 'ACKNOWLEDGED';
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  sentAt: Date | null;
  externalRef: string | null;
  acknowledgedAt: Date | null;
  externalStatus: string | null;
}

/** A dispatch still being retried, as the operator console lists it. */
export type UndeliveredDispatch = Pick<
  DispatchRow,
  'id' | 'system' | 'authorityLabel' | 'purpose' | 'leadId' | 'attempts' | 'lastError' | 'createdAt'
> & { caseNo: string };

interface RawDispatch {
  id: string;
  case_id: string;
  lead_id: string;
  system: ExternalSystem;
  purpose: DispatchPurpose;
  authority_label: string;
  body: string;
  status: DispatchRow['status'];
  attempts: number;
  last_error: string | null;
  created_at: Date;
  sent_at: Date | null;
  external_ref: string | null;
  acknowledged_at: Date | null;
  external_status: string | null;
}

const toDispatch = (r: RawDispatch): DispatchRow => ({
  id: r.id,
  caseId: r.case_id,
  leadId: r.lead_id,
  system: r.system,
  purpose: r.purpose,
  authorityLabel: r.authority_label,
  body: r.body,
  status: r.status,
  attempts: Number(r.attempts),
  lastError: r.last_error,
  createdAt: new Date(r.created_at),
  sentAt: r.sent_at ? new Date(r.sent_at) : null,
  externalRef: r.external_ref,
  acknowledgedAt: r.acknowledged_at ? new Date(r.acknowledged_at) : null,
  externalStatus: r.external_status,
});

/**
 * What an operator's "retry now" did: the job waiting out its backoff was PROMOTED to run at once; a job whose attempts
 * had run out (or that was lost) was REQUEUED with fresh attempts; one already queued or running was left (RUNNING).
 */
export type RetryOutcome = 'PROMOTED' | 'REQUEUED' | 'RUNNING';

const OUTCOME_LABELS: Record<RetryOutcome, string> = {
  PROMOTED: '等待中的重试立即执行',
  REQUEUED: '重试次数已用完，重新排队',
  RUNNING: '已在发送中',
};

const PURPOSE_LABELS: Record<DispatchPurpose, string> = {
  REPORT: '上报',
  HANDOVER: '移交',
  REFERRAL: '移送',
  MATERIALS: '移交材料',
};

/** BullMQ job id of a dispatch: deterministic, so enqueueing twice (eager + reconciler) is one job. */
export const dispatchJobId = (id: string) => `dispatch.${id}`;

const ACK_CLOCK = { REPORT: 'UPSTREAM_ACK', HANDOVER: 'HANDOVER_ACK' } as const;

/**
 * The JSON webhook adapter (docs/connectors.md): one row per outbound report or hand-over, written with the state
 * change; a BullMQ job (deterministic id, exponential backoff) POSTs the stored body, signed with the newest key and
 * carrying the dispatch id as Idempotency-Key; the receiver's reference is stored; acknowledgement comes later by
 * callback (or is recorded by hand). A reconciler re-creates jobs for PENDING rows after a crash or exhausted retries.
 */
@Injectable()
export class DispatchService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DispatchService.name);
  private queue?: Queue<{ dispatchId: string }>;
  private worker?: Worker<{ dispatchId: string }>;
  private readonly connections: QueueConnections;
  private interval: NodeJS.Timeout | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly transactions: TransactionRunner,
    private readonly cases: CaseRepository,
    private readonly clocks: LegalClocks,
    private readonly audit: AuditLog,
    private readonly outbox: Outbox,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SERVICE_CONFIG) private readonly config: EscalationConfig,
  ) {
    this.connections = new QueueConnections(config.REDIS_URL);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.ESCALATION_WORKERS) return;
    this.worker = new Worker<{ dispatchId: string }>(
      this.config.ESCALATION_DISPATCH_QUEUE,
      (job) => this.process(job),
      {
        connection: this.connections.connect(true),
        concurrency: 2,
      },
    );
    this.worker.on('error', (err) => this.logger.error(`dispatch worker: ${String(err)}`));
    await this.worker.waitUntilReady();
    await this.reconcile();
    this.interval = repeatInBackground(
      this.config.DISPATCH_RECONCILE_INTERVAL_MS,
      () => this.reconcile(),
      (e) => this.logger.error(`dispatch reconcile: ${String(e)}`),
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.interval) clearInterval(this.interval);
    await this.worker?.close();
    await this.queue?.close();
    await this.connections.closeAll();
  }

  /** Writes a dispatch in the caller's transaction; its job is enqueued after commit. */
  async create(
    tx: EntityManager,
    d: {
      caseId: string;
      caseNo: string;
      leadId: string;
      system: ExternalSystem;
      purpose: DispatchPurpose;
      authorityLabel: string;
      content: Record<string, unknown>;
    },
  ): Promise<string> {
    const id = uuidv7();
    const now = this.clock.now();
    // Only what the receiver needs: never reporter identity, phone or account numbers (those stay in intake).
    const body = JSON.stringify({
      dispatchId: id,
      purpose: d.purpose,
      to: d.authorityLabel,
      caseNo: d.caseNo,
      leadId: d.leadId,
      sentBy: `${this.config.DISTRICT_NAME}（${this.config.DISTRICT_CODE}）`,
      createdAt: now.toISOString(),
      callbackUrl: `/v1/external/${d.system}/callbacks`,
      ...d.content,
    });
    await tx.query(
      `INSERT INTO external_dispatch (id, case_id, lead_id, system, purpose, authority_label, body, status, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,'PENDING',$8)`,
      [id, d.caseId, d.leadId, d.system, d.purpose, d.authorityLabel, body, now],
    );
    this.transactions.defer(tx, () => this.enqueue(id));
    return id;
  }

  async get(db: DataSource | EntityManager, id: string, lock = false): Promise<DispatchRow | null> {
    const rows: RawDispatch[] = await db.query(
      `SELECT * FROM external_dispatch WHERE id = $1 ${lock ? 'FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0] ? toDispatch(rows[0]) : null;
  }

  async forCase(caseId: string): Promise<DispatchRow[]> {
    const rows: RawDispatch[] = await this.dataSource.query(
      `SELECT * FROM external_dispatch WHERE case_id = $1 ORDER BY created_at, id`,
      [caseId],
    );
    return rows.map(toDispatch);
  }

  /**
   * Records the counterpart's acknowledgement (callback or by hand) and stops the ack clock. Returns the
   * escalation.upstream-acknowledged.v1 event: the caller writes it with its audit entry (CaseWriter).
   */
  async acknowledge(
    tx: EntityManager,
    d: DispatchRow,
    a: { externalRef: string | null; externalStatus: string; actor: Actor },
  ): Promise<AnyPublish> {
    const c = await this.cases.byId(tx, d.caseId);
    if (!c) throw new Error(`dispatch ${d.id}: case missing`);
    const at = this.clock.now();
    await tx.query(
      `UPDATE external_dispatch SET status = 'ACKNOWLEDGED', acknowledged_at = COALESCE(acknowledged_at, $2), external_status = $3,
         external_ref = COALESCE($4, external_ref), sent_at = COALESCE(sent_at, $2) WHERE id = $1`,
      [d.id, at, a.externalStatus, a.externalRef],
    );
    const ackKind = d.purpose === 'REPORT' || d.purpose === 'HANDOVER' ? ACK_CLOCK[d.purpose] : null;
    if (ackKind) await this.clocks.stop(tx, c.id, [ackKind], 'MET', d.id);
    return {
      topic: 'escalation.upstream-acknowledged.v1',
      leadId: c.primaryLeadId,
      actor: a.actor,
      payload: {
        leadId: c.primaryLeadId,
        caseId: c.id,
        reportId: d.id,
        system: d.system,
        status: leadStatusOf(c.state),
        externalRef: a.externalRef ?? d.externalRef,
        externalStatus: a.externalStatus,
      },
    };
  }

  /** Creates the job unless a live one exists (a finished job of a still-PENDING row is replaced). */
  async enqueue(id: string): Promise<void> {
    // Its own retry policy, not retriedJobOptions: no jitter, a shorter job history.
    await addJobUnlessLive(
      this.getQueue(),
      'deliver',
      { dispatchId: id },
      {
        jobId: dispatchJobId(id),
        attempts: this.config.DISPATCH_ATTEMPTS,
        backoff: { type: 'exponential', delay: this.config.DISPATCH_BACKOFF_MS },
        removeOnComplete: { count: 1000, age: 24 * 3600 },
        removeOnFail: { count: 5000, age: 7 * 24 * 3600 },
      },
    );
  }

  /**
   * Dispatches their external system has not accepted yet (still retried), oldest first, with the case number and the
   * last error but not the body.
   */
  async undelivered(limit: number): Promise<UndeliveredDispatch[]> {
    return this.dataSource.query(
      `SELECT d.id, d.system, d.authority_label AS "authorityLabel", d.purpose, c.case_no AS "caseNo",
              d.lead_id AS "leadId", d.attempts, d.last_error AS "lastError", d.created_at AS "createdAt"
         FROM external_dispatch d JOIN disposal_case c ON c.id = d.case_id
        WHERE d.status = 'PENDING' ORDER BY d.created_at LIMIT $1`,
      [limit],
    );
  }

  /**
   * Runs the next attempt of an undelivered dispatch now rather than after its backoff (an operator, once the external
   * system is back), audited on every lead of its case. 404 for an unknown dispatch, 409 once delivered.
   */
  async retryNow(id: string, actor: Actor): Promise<{ id: string; outcome: RetryOutcome }> {
    const d = await this.get(this.dataSource, id);
    if (!d) throw new ProblemException(404, 'DISPATCH_NOT_FOUND', '没有该上报/移交记录。');
    if (d.status !== 'PENDING')
      throw new ProblemException(409, 'ALREADY_DELIVERED', `该${PURPOSE_LABELS[d.purpose]}已送达，无需重试。`);
    const outcome = await this.runNow(id);
    await this.transactions.run(async (tx) => {
      const c = await this.cases.byId(tx, d.caseId);
      if (!c) throw new Error(`dispatch ${id}: case missing`);
      const leadIds = (await this.cases.leads(tx, c.id)).map((l) => l.leadId);
      await this.audit.appendMany(
        tx,
        leadIds.map((leadId) => ({
          leadId,
          actor,
          action: 'escalation.dispatch-retry-requested',
          fromState: c.state,
          toState: c.state,
          reason: `要求立即重发：向${d.authorityLabel}${PURPOSE_LABELS[d.purpose]}（已尝试 ${d.attempts} 次；${OUTCOME_LABELS[outcome]}）`,
          payload: { dispatchId: id, system: d.system, purpose: d.purpose, outcome },
        })),
      );
    });
    return { id, outcome };
  }

  /** retryNow for every undelivered dispatch (of one external system, if given), oldest first, at most 500. */
  async retryAllNow(system: ExternalSystem | undefined, actor: Actor) {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT id FROM external_dispatch WHERE status = 'PENDING' AND ($1::text IS NULL OR system = $1)
        ORDER BY created_at LIMIT 500`,
      [system ?? null],
    );
    const outcomes: Record<RetryOutcome, number> = { PROMOTED: 0, REQUEUED: 0, RUNNING: 0 };
    for (const r of rows) {
      try {
        outcomes[(await this.retryNow(r.id, actor)).outcome]++;
      } catch (err) {
        // Delivered between the listing and its turn: nothing left to retry.
        if (!(err instanceof ProblemException && err.getStatus() === 409)) throw err;
      }
    }
    return { requested: rows.length, ...outcomes };
  }

  private async runNow(id: string): Promise<RetryOutcome> {
    const job = await this.getQueue().getJob(dispatchJobId(id));
    const state = job ? await job.getState() : 'unknown';
    if (job && state === 'delayed') {
      try {
        await job.promote();
        return 'PROMOTED';
      } catch (err) {
        // The backoff ended (or a worker took it) between getState and promote: it is running anyway.
        if ((await job.getState()) === 'delayed') throw err;
        return 'RUNNING';
      }
    }
    if (state === 'completed' || state === 'failed' || state === 'unknown') {
      await this.enqueue(id);
      return 'REQUEUED';
    }
    return 'RUNNING';
  }

  /** Re-creates jobs for every PENDING dispatch (after a crash between commit and enqueue, or exhausted retries). */
  async reconcile(): Promise<number> {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT id FROM external_dispatch WHERE status = 'PENDING' ORDER BY created_at LIMIT 500`,
    );
    for (const r of rows) await this.enqueue(r.id);
    return rows.length;
  }

  getQueue(): Queue<{ dispatchId: string }> {
    this.queue ??= new Queue<{ dispatchId: string }>(this.config.ESCALATION_DISPATCH_QUEUE, {
      connection: this.connections.connect(false),
    });
    return this.queue;
  }

  private async process(job: Job<{ dispatchId: string }>): Promise<string> {
    const d = await this.get(this.dataSource, job.data.dispatchId);
    // Not visible yet (enqueued eagerly from a transaction still committing) or rolled back: retry, then give up.
    if (!d) throw new Error(`dispatch ${job.data.dispatchId} not found (yet)`);
    if (d.status !== 'PENDING') return 'already-delivered';
    const system = this.config.EXTERNAL_SYSTEMS[d.system];
    let reference: string | null = null;
    try {
      const res = await fetch(system.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [SIGNATURE_HEADERS.idempotencyKey]: d.id,
          ...signedHeaders(system.keys, d.body, this.clock.now()),
        },
        body: d.body,
        signal: AbortSignal.timeout(this.config.DISPATCH_TIMEOUT_MS),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`HTTP ${res.status} from ${system.name}: ${text.slice(0, 200)}`);
      const parsed = text ? (JSON.parse(text) as { reference?: unknown }) : {};
      reference = typeof parsed.reference === 'string' ? parsed.reference : null;
    } catch (err) {
      const reason = failureText(err, 500);
      await this.dataSource.query(
        `UPDATE external_dispatch SET attempts = attempts + 1, last_error = $2 WHERE id = $1 AND status = 'PENDING'`,
        [d.id, reason],
      );
      this.logger.warn(`dispatch ${d.id} to ${d.system} failed (attempt ${job.attemptsMade + 1}): ${reason}`);
      throw err;
    }
    await this.transactions.run((tx) => this.delivered(tx, d.id, reference));
    return 'delivered';
  }

  private async delivered(tx: EntityManager, id: string, reference: string | null): Promise<void> {
    const d = await this.get(tx, id, true);
    if (!d || d.status !== 'PENDING') return; // a concurrent attempt won
    const c = await this.cases.byId(tx, d.caseId, true);
    if (!c) throw new Error(`dispatch ${id}: case missing`);
    const at = this.clock.now();
    await tx.query(
      `UPDATE external_dispatch SET status = 'SENT', sent_at = $2, external_ref = $3, attempts = attempts + 1, last_error = NULL WHERE id = $1`,
      [id, at, reference],
    );
    const ackKind = d.purpose === 'REPORT' || d.purpose === 'HANDOVER' ? ACK_CLOCK[d.purpose] : null;
    if (ackKind)
      await this.clocks.start(tx, {
        caseId: c.id,
        leadId: c.primaryLeadId,
        kind: ackKind,
        startAt: at,
        subjectRef: d.id,
      });
    const leadIds = (await this.cases.leads(tx, c.id)).map((l) => l.leadId);
    await this.audit.appendMany(
      tx,
      leadIds.map((leadId) => ({
        leadId,
        actor: CONNECTOR_ACTOR,
        action: 'escalation.external-delivered',
        fromState: c.state,
        toState: c.state,
        reason: `已送达${d.authorityLabel}`,
        payload: { dispatchId: d.id, system: d.system, purpose: d.purpose, externalRef: reference },
      })),
    );
    await this.outbox.add(tx, {
      topic: 'escalation.reported-upstream.v1',
      leadId: c.primaryLeadId,
      actor: CONNECTOR_ACTOR,
      payload: {
        leadId: c.primaryLeadId,
        caseId: c.id,
        reportId: d.id,
        system: d.system,
        status: leadStatusOf(c.state),
        externalRef: reference,
      },
    });
  }
}
