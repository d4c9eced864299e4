import { Inject, Injectable } from '@nestjs/common';
import { AuditLog, readCheckpointsFromKafka, verifyAuditLog } from '@outpost/audit';
import { DeadLetterNotOpenError, DeadLetterStore, KafkaBus, type DeadLetterStatus } from '@outpost/messaging';
import { ProblemException, SERVICE_CONFIG } from '@outpost/platform';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { DOWNSTREAM_SERVICES, type DownstreamService, type GatewayConfig } from '../config/gateway.config';
import type { AuthUser } from '../auth/principal';
import { DownstreamClient, SERVICE_LABEL, toProblemException } from '../commands/downstream.client';

export const OPS_SERVICES = [...DOWNSTREAM_SERVICES, 'gateway'] as const;
export type OpsServiceName = (typeof OPS_SERVICES)[number];

/** Endpoints each service's messaging module exposes for operators (see the gateway's report / messaging lib). */
export const OPS_PATHS = {
  outbox: '/v1/ops/outbox',
  deadLetters: (status?: string, limit?: number) =>
    `/v1/ops/dead-letters?${new URLSearchParams({ ...(status ? { status } : {}), ...(limit ? { limit: String(limit) } : {}) })}`,
  deadLetter: (id: string) => `/v1/ops/dead-letters/${encodeURIComponent(id)}`,
  replay: (id: string) => `/v1/ops/dead-letters/${encodeURIComponent(id)}/replay`,
  discard: (id: string) => `/v1/ops/dead-letters/${encodeURIComponent(id)}/discard`,
  audit: '/v1/audit/verify',
  deliveries: (status: readonly string[], limit: number) =>
    `/v1/deliveries?${new URLSearchParams({ status: status.join(','), limit: String(limit) })}`,
  replayDelivery: (id: string) => `/v1/deliveries/${encodeURIComponent(id)}/replay`,
  dispatches: (limit: number) => `/v1/ops/dispatches?limit=${limit}`,
  retryDispatch: (id: string) => `/v1/ops/dispatches/${encodeURIComponent(id)}/retry`,
  retryDispatches: '/v1/ops/dispatches/retry',
};

/** Deliveries notification gave up on or could not confirm: an operator may send them again. */
export const REPLAYABLE_DELIVERY_STATUSES = ['DEAD', 'UNCERTAIN', 'SKIPPED'] as const;
export type ReplayableDeliveryStatus = (typeof REPLAYABLE_DELIVERY_STATUSES)[number];

/** notification's delivery record, as much of it as the console shows (no subject or body: they carry lead content). */
interface DeliveryRecord {
  id: string;
  eventId: string;
  eventType: string;
  leadId: string | null;
  recipient: string;
  channel: string;
  urgent: boolean;
  status: string;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

type Outcome<T> =
  | { service: OpsServiceName; ok: true; data: T }
  | { service: OpsServiceName; ok: false; error: { status: number; code: string; detail: string } };

/**
 * The operator console's data: health, Kafka lag, outbox backlog, job queues, dead letters, failed deliveries and audit
 * verification of every service.
 */
@Injectable()
export class OpsService {
  private readonly redis: Redis;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
    private readonly downstream: DownstreamClient,
    private readonly db: DataSource,
    private readonly bus: KafkaBus,
    private readonly deadLetters: DeadLetterStore,
    private readonly audit: AuditLog,
  ) {
    this.redis = new Redis(config.REDIS_URL, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      connectTimeout: 2000,
    });
    this.redis.on('error', () => undefined); // reported through health, not as log noise
  }

  async onModuleDestroy(): Promise<void> {
    this.redis.disconnect();
  }

  /** Each service's /health/ready, plus the gateway's own dependencies. */
  async health() {
    const services = await Promise.all(
      DOWNSTREAM_SERVICES.map(async (service) => {
        const started = Date.now();
        try {
          const res = await this.downstream.call(service, {
            method: 'GET',
            path: '/health/ready',
            principal: null,
            timeoutMs: 3000,
          });
          const body = safeJson(res.body);
          return {
            service,
            status: res.status === 200 ? 'up' : 'down',
            httpStatus: res.status,
            latencyMs: Date.now() - started,
            details: body,
          };
        } catch (err) {
          return {
            service,
            status: 'down',
            httpStatus: null,
            latencyMs: Date.now() - started,
            details: { error: (err as Error).message },
          };
        }
      }),
    );
    const started = Date.now();
    const [pg, redis, kafka] = await Promise.all([
      this.db.query('SELECT 1').then(
        () => true,
        () => false,
      ),
      this.redisOk(),
      this.bus.isHealthy(2000),
    ]);
    const gateway = {
      service: 'gateway',
      status: pg && redis && kafka ? 'up' : 'down',
      httpStatus: null,
      latencyMs: Date.now() - started,
      details: { postgres: pg ? 'up' : 'down', redis: redis ? 'up' : 'down', kafka: kafka ? 'up' : 'down' },
    };
    const all = [...services, gateway];
    return { status: all.every((s) => s.status === 'up') ? 'up' : 'degraded', services: all };
  }

  /** Committed offsets vs high watermarks per consumer group, topic and partition (kafkajs admin). */
  async kafkaLag() {
    const admin = this.bus.adminClient();
    await this.bus.connect();
    const rows: Array<{
      group: string;
      topic: string;
      partition: number;
      committed: number | null;
      high: number;
      lag: number;
    }> = [];
    const errors: Array<{ group: string; error: string }> = [];
    const ends = new Map<string, Array<{ partition: number; high: string; low: string }>>();
    for (const group of this.config.KAFKA_LAG_GROUPS) {
      try {
        const committed = await admin.fetchOffsets({ groupId: group });
        for (const t of committed) {
          const logical = this.bus.logicalTopic(t.topic);
          if (logical === null) continue; // another environment's prefix
          if (!ends.has(t.topic)) ends.set(t.topic, await admin.fetchTopicOffsets(t.topic));
          for (const end of ends.get(t.topic)!) {
            const c = t.partitions.find((p) => p.partition === end.partition);
            const offset = c && Number(c.offset) >= 0 ? Number(c.offset) : null;
            const high = Number(end.high);
            rows.push({
              group,
              topic: logical,
              partition: end.partition,
              committed: offset,
              high,
              lag: Math.max(0, high - (offset ?? Number(end.low))),
            });
          }
        }
      } catch (err) {
        errors.push({ group, error: (err as Error).message });
      }
    }
    const totals = this.config.KAFKA_LAG_GROUPS.map((group) => ({
      group,
      lag: rows.filter((r) => r.group === group).reduce((s, r) => s + r.lag, 0),
    }));
    return { groups: totals, partitions: rows, errors };
  }

  async outbox(user: AuthUser) {
    const remote = await Promise.all(
      DOWNSTREAM_SERVICES.map((s) => this.ask<unknown>(s, 'GET', OPS_PATHS.outbox, user)),
    );
    const [own] = (await this.db.query(
      `SELECT count(*) FILTER (WHERE sent_at IS NULL)::int AS pending, min(created_at) FILTER (WHERE sent_at IS NULL) AS "oldestPendingAt",
              count(*) FILTER (WHERE sent_at > now() - interval '1 hour')::int AS "sentLastHour"
       FROM outbox`,
    )) as Array<{ pending: number; oldestPendingAt: Date | null; sentLastHour: number }>;
    return { services: [...remote, { service: 'gateway', ok: true, data: own } satisfies Outcome<unknown>] };
  }

  async listDeadLetters(
    user: AuthUser,
    service: OpsServiceName | undefined,
    status: DeadLetterStatus | undefined,
    limit: number,
  ) {
    const targets = service ? [service] : [...OPS_SERVICES];
    const results = await Promise.all(
      targets.map(async (s): Promise<Outcome<unknown>> => {
        if (s === 'gateway') return { service: s, ok: true, data: await this.deadLetters.list({ status, limit }) };
        return this.ask(s, 'GET', OPS_PATHS.deadLetters(status, limit), user);
      }),
    );
    return { services: results };
  }

  async getDeadLetter(user: AuthUser, service: OpsServiceName, id: string) {
    if (service === 'gateway') {
      const dl = await this.deadLetters.get(id);
      if (!dl) throw new ProblemException(404, 'DEAD_LETTER_NOT_FOUND', '死信不存在。');
      return dl;
    }
    return this.downstream.json<unknown>(service, {
      method: 'GET',
      path: OPS_PATHS.deadLetter(id),
      principal: user.principal,
    });
  }

  /** Replays or discards, forwarded to the owning service; the attempt and its outcome go into the gateway's audit log. */
  async act(user: AuthUser, service: OpsServiceName, id: string, action: 'replay' | 'discard', reason: string | null) {
    let outcome: 'DONE' | 'REFUSED' = 'DONE';
    let result: unknown = { service, id, status: action === 'replay' ? 'REPLAYED' : 'DISCARDED' };
    let failure: unknown = null;
    try {
      if (service === 'gateway') {
        if (action === 'replay') await this.deadLetters.replay(id);
        else await this.deadLetters.discard(id, reason ?? '');
      } else {
        result = await this.downstream.json<unknown>(service, {
          method: 'POST',
          path: action === 'replay' ? OPS_PATHS.replay(id) : OPS_PATHS.discard(id),
          principal: user.principal,
          json: action === 'discard' ? { reason } : {},
        });
      }
    } catch (err) {
      outcome = 'REFUSED';
      failure =
        err instanceof DeadLetterNotOpenError
          ? new ProblemException(409, 'DEAD_LETTER_NOT_OPEN', '该死信不存在或已处理（已重放/已丢弃）。')
          : err;
    }
    await this.db.transaction((tx) =>
      this.audit.append(tx, {
        leadId: null,
        actor: {
          type: 'user',
          userId: user.personId,
          role: user.principal.roles.includes('OPERATOR') ? 'OPERATOR' : 'ADMIN',
          name: user.principal.name,
        },
        action: `dead-letter.${action}`,
        fromState: 'OPEN',
        toState: outcome === 'DONE' ? (action === 'replay' ? 'REPLAYED' : 'DISCARDED') : 'REFUSED',
        reason,
        payload: { service, deadLetterId: id },
      }),
    );
    if (failure) throw failure;
    return result;
  }

  /**
   * Notification's deliveries in `statuses` (newest change first), without their subject and body, each recipient
   * named from the gateway's roster copy (`person:<id>`; a source system keeps its id).
   */
  async deliveries(user: AuthUser, statuses: readonly ReplayableDeliveryStatus[], limit: number) {
    const { items } = await this.downstream.json<{ items: DeliveryRecord[] }>('notification', {
      method: 'GET',
      path: OPS_PATHS.deliveries(statuses, limit),
      principal: user.principal,
    });
    const personOf = (recipient: string) =>
      recipient.startsWith('person:') ? recipient.slice('person:'.length) : null;
    const personIds = [...new Set(items.flatMap((d) => personOf(d.recipient) ?? []))];
    const names = new Map(
      personIds.length
        ? (
            (await this.db.query(`SELECT id, name FROM roster_person WHERE id = ANY($1)`, [personIds])) as Array<{
              id: string;
              name: string;
            }>
          ).map((p) => [p.id, p.name])
        : [],
    );
    return {
      items: items.map((d) => ({
        id: d.id,
        eventId: d.eventId,
        eventType: d.eventType,
        leadId: d.leadId,
        channel: d.channel,
        recipient: d.recipient,
        recipientName: names.get(personOf(d.recipient) ?? '') ?? null,
        urgent: d.urgent,
        status: d.status,
        attempts: d.attempts,
        lastError: d.lastError,
        createdAt: d.createdAt,
        updatedAt: d.updatedAt,
      })),
    };
  }

  /** Sends a delivery again with its idempotency key (notification checks it may and audits who did). */
  replayDelivery(user: AuthUser, id: string) {
    return this.downstream.json<{ id: string; status: string; previousStatus: string }>('notification', {
      method: 'POST',
      path: OPS_PATHS.replayDelivery(id),
      principal: user.principal,
      json: {},
    });
  }

  /** Escalation's reports and hand-overs that their external system has not accepted yet (still retried), oldest first. */
  dispatches(user: AuthUser, limit: number) {
    return this.downstream.json<{ items: unknown[] }>('escalation', {
      method: 'GET',
      path: OPS_PATHS.dispatches(limit),
      principal: user.principal,
    });
  }

  /** Sends an undelivered dispatch now instead of after its backoff (escalation checks the role and audits who did). */
  retryDispatch(user: AuthUser, id: string) {
    return this.downstream.json<{ id: string; outcome: string }>('escalation', {
      method: 'POST',
      path: OPS_PATHS.retryDispatch(id),
      principal: user.principal,
      json: {},
    });
  }

  /** retryDispatch for every undelivered dispatch, of one external system if given. */
  retryDispatches(user: AuthUser, system: string | undefined) {
    return this.downstream.json<Record<string, number>>('escalation', {
      method: 'POST',
      path: OPS_PATHS.retryDispatches,
      principal: user.principal,
      json: system ? { system } : {},
    });
  }

  /** Each service's audit verification (against its published checkpoints), the gateway's own included. */
  async auditStatus(user: AuthUser) {
    const remote = await Promise.all(
      DOWNSTREAM_SERVICES.map((s) => this.ask<unknown>(s, 'GET', OPS_PATHS.audit, user, 30_000)),
    );
    let own: Outcome<unknown>;
    try {
      const checkpoints = await readCheckpointsFromKafka({
        brokers: this.config.KAFKA_BROKERS,
        topicPrefix: this.config.KAFKA_TOPIC_PREFIX,
        service: 'gateway',
      });
      own = { service: 'gateway', ok: true, data: await verifyAuditLog(this.db, this.audit.schema, checkpoints) };
    } catch (err) {
      own = {
        service: 'gateway',
        ok: false,
        error: { status: 503, code: 'AUDIT_VERIFY_FAILED', detail: (err as Error).message },
      };
    }
    return { services: [...remote, own] };
  }

  private async ask<T>(
    service: DownstreamService,
    method: 'GET' | 'POST',
    path: string,
    user: AuthUser,
    timeoutMs?: number,
  ): Promise<Outcome<T>> {
    try {
      return {
        service,
        ok: true,
        data: await this.downstream.json<T>(service, { method, path, principal: user.principal, timeoutMs }),
      };
    } catch (err) {
      const p =
        err instanceof ProblemException
          ? err
          : toProblemException({ status: 502, contentType: 'text/plain', body: Buffer.from('') }, service);
      return {
        service,
        ok: false,
        error: { status: p.getStatus(), code: p.code, detail: p.message || `${SERVICE_LABEL[service]}不可用` },
      };
    }
  }

  private async redisOk(): Promise<boolean> {
    try {
      if (this.redis.status === 'wait' || this.redis.status === 'end') await this.redis.connect();
      return (await this.redis.ping()) === 'PONG';
    } catch {
      return false;
    }
  }
}

function safeJson(b: Buffer): unknown {
  try {
    return JSON.parse(b.toString('utf8'));
  } catch {
    return null;
  }
}
