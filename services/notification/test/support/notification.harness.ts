import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Actor, PayloadOf, Person, Topic } from '@outpost/contracts';
import { envelopeHeaders, KafkaBus, Outbox } from '@outpost/messaging';
import { createServiceApp, type Principal } from '@outpost/platform';
import {
  bearer,
  createTestDatabase,
  eventually,
  leadAssignedPayload,
  leadRegisteredPayload,
  principal,
  testKeys,
  uniqueSuffix,
  uniqueTopicPrefix,
  type TestDatabase,
  rosterPerson,
} from '@outpost/testing';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { loadNotificationConfig, type NotificationConfig } from '../../src/config/notification.config';
import { DeliveryQueues } from '../../src/deliveries/delivery-queues';
import { notificationBootstrap } from '../../src/main';
import { HttpReceiver } from './http-receiver';
import { SmtpSink } from './smtp-sink';

export const SYSTEM: Actor = { type: 'system', name: 'router' };
/** The public reference the harness's registration (and assignment) gives a lead. */
export const referenceOf = (leadId: string): string => `TH-20260316-${leadId.slice(-6).padStart(6, '0')}`;
export const ADMIN = principal({
  userId: 'p-admin-1',
  roles: ['ADMIN'],
  scope: { district: true, streetCodes: [], gridIds: [] },
});
export const OPERATOR = principal({
  userId: 'p-operator-1',
  roles: ['OPERATOR'],
  scope: { district: true, streetCodes: [], gridIds: [] },
});

const ROSTER_INDEX = { next: 1 };

/** The demo roster (docs/SHARED-FACTS.md) with contact details (fictitious, reserved ranges). */
export const ROSTER: Person[] = [
  person('p-sentinel-1', '沙河街前哨员 陈一', ['SENTINEL'], {
    gridIds: ['G-440106001-C01'],
    streetCodes: ['440106001'],
  }),
  person('p-volunteer-1', '工行天河支行 志愿者 林二', ['VOLUNTEER'], { gridIds: ['G-440106001-C01'] }),
  person('p-street-1', '沙河街防非负责人 黄三', ['STREET_RESPONSIBLE'], { streetCodes: ['440106001'] }),
  person('p-supervisor-1', '区打非办督办 王五', ['SUPERVISOR']),
  person('p-officer-1', '区打非联办 张三', ['OFFICER'], { canCertify: true }),
  person('p-operator-1', '运维 赵六', ['OPERATOR']),
];

function person(id: string, name: string, roles: Person['roles'], o: Partial<Person> = {}): Person {
  const n = ROSTER_INDEX.next++;
  return rosterPerson(id, name, roles, {
    phone: `1380000${String(1000 + n).slice(-4)}`,
    email: `${id}@outpost.test`,
    ...o,
  });
}

export interface HarnessOptions {
  env?: Record<string, string>;
  reuse?: { db: TestDatabase; prefix: string; suffix: string; encryptionKey: string };
  /** Only the Kafka producer and SQL client (the service runs elsewhere, e.g. in a child process). */
  noApp?: boolean;
}

/** One notification app on the real stack, with its own database, topic prefix and queue names, plus fake providers. */
export class Harness {
  private appInstance: NestFastifyApplication | null = null;
  db!: TestDatabase;
  config!: NotificationConfig;
  prefix!: string;
  suffix!: string;
  encryptionKey!: string;
  env!: Record<string, string>;
  private bus!: KafkaBus;
  private pg!: Client;

  static async start(o: HarnessOptions & { smtp: SmtpSink; sms: HttpReceiver }): Promise<Harness> {
    const h = new Harness();
    h.db = o.reuse?.db ?? (await createTestDatabase('notification'));
    h.prefix = o.reuse?.prefix ?? uniqueTopicPrefix('ntf');
    h.suffix = o.reuse?.suffix ?? uniqueSuffix();
    h.encryptionKey = o.reuse?.encryptionKey ?? randomBytes(32).toString('base64');
    const keys = await testKeys();
    h.env = {
      DATABASE_ADMIN_URL: h.db.adminUrl,
      DATABASE_URL: h.db.adminUrl.replace('postgres@', 'outpost_notification@'),
      INTERNAL_JWT_PUBLIC_KEY: keys.publicKeyPem,
      KAFKA_TOPIC_PREFIX: h.prefix,
      OUTBOX_POLL_INTERVAL_MS: '100',
      AUDIT_CHECKPOINT_INTERVAL_MS: '0',
      LOG_LEVEL: 'silent',
      NOTIFICATION_QUEUE_PREFIX: `ntf-${h.suffix}`,
      NOTIFICATION_CONSUMER_GROUP: `notification-${h.suffix}`,
      SMTP_URL: o.smtp.url,
      SMS_GATEWAY_URL: o.sms.url('/sms/send'),
      ENCRYPTION_KEY: h.encryptionKey,
      DELIVERY_BACKOFF_MS: '200',
      DELIVERY_ATTEMPTS: '4',
      DELIVERY_TIMEOUT_MS: '2000',
      DELIVERY_LOCK_MS: '3000',
      RECONCILE_INTERVAL_MS: '0',
      // Quiet hours are covered by unit tests; here they would make results depend on the time of day.
      QUIET_HOURS_START: '00:00',
      QUIET_HOURS_END: '00:00',
      ...o.env,
    };
    // MessagingModule and AuditModule read their settings from the environment, not from the service config.
    for (const k of ['KAFKA_TOPIC_PREFIX', 'OUTBOX_POLL_INTERVAL_MS', 'AUDIT_CHECKPOINT_INTERVAL_MS'] as const)
      process.env[k] = h.env[k];
    h.config = loadNotificationConfig(h.env);
    if (!o.noApp) {
      h.appInstance = await createServiceApp(notificationBootstrap(h.config));
      await h.appInstance.getHttpAdapter().getInstance().ready();
    }
    h.bus = new KafkaBus({ brokers: h.config.KAFKA_BROKERS, clientId: `ntf-test-${h.suffix}`, topicPrefix: h.prefix });
    await h.bus.connect();
    h.pg = new Client({ connectionString: h.db.adminUrl });
    await h.pg.connect();
    await h.pg.query(`SET search_path = notification, public`);
    return h;
  }

  reuse() {
    return { db: this.db, prefix: this.prefix, suffix: this.suffix, encryptionKey: this.encryptionKey };
  }

  get app(): NestFastifyApplication {
    if (!this.appInstance) throw new Error('harness started without the app');
    return this.appInstance;
  }

  async stop(): Promise<void> {
    await this.appInstance?.close();
    this.appInstance = null;
    await this.bus.disconnect();
    await this.pg.end();
  }

  async close(): Promise<void> {
    await this.stop();
    await this.db.drop();
  }

  queues(): DeliveryQueues {
    return this.app.get(DeliveryQueues);
  }

  /** Produces another service's event straight to Kafka, as its relay would; returns the envelope. */
  async produce<T extends Topic>(
    topic: T,
    payload: PayloadOf<T>,
    o: { leadId?: string | null; key?: string; actor?: Actor } = {},
  ) {
    const producer = topic.split('.')[0] as 'intake' | 'assessment' | 'escalation';
    const leadId = o.leadId === undefined ? ((payload as { leadId?: string }).leadId ?? null) : o.leadId;
    const env = new Outbox({ schema: 'scratch', producer }).build({
      topic,
      payload,
      leadId,
      key: o.key,
      actor: o.actor ?? SYSTEM,
    });
    await this.bus.send([{ topic, key: env.key, value: JSON.stringify(env), headers: envelopeHeaders(env) }]);
    return env;
  }

  /** Sends an already built envelope again (a Kafka redelivery / relay re-publish). */
  async produceAgain(env: { type: string; key: string }): Promise<void> {
    await this.bus.send([
      { topic: env.type, key: env.key, value: JSON.stringify(env), headers: envelopeHeaders(env as never) },
    ]);
  }

  async seedRoster(people: Person[] = ROSTER): Promise<void> {
    for (const p of people)
      await this.produce(
        'assessment.roster-changed.v1',
        { entity: 'person', person: p, deleted: false },
        { leadId: null, key: p.id },
      );
    await this.produce(
      'assessment.roster-changed.v1',
      {
        entity: 'pairing',
        pairing: {
          id: 'pair-1',
          volunteerId: 'p-volunteer-1',
          sentinelId: 'p-sentinel-1',
          gridIds: ['G-440106001-C01'],
          agreementSignedAt: null,
          status: 'ACTIVE',
        },
        deleted: false,
      },
      { leadId: null, key: 'pair-1' },
    );
  }

  /** Seeds the default roster and waits until the service has taken it in: every contact and the pairing. */
  async seedRosterAndWait(): Promise<void> {
    await this.seedRoster();
    await eventually(
      async () =>
        (await this.sql(`SELECT 1 FROM contact`)).length === ROSTER.length &&
        (await this.sql(`SELECT 1 FROM pairing`)).length === 1
          ? true
          : undefined,
      30_000,
    );
  }

  /**
   * assessment.lead-assigned.v1: the lead routed to the pair pair-1, assignee p-sentinel-1 (陈一), with the lead's
   * reference as assessment publishes it (so it does not depend on the registration having been consumed first).
   */
  async assigned(leadId: string, o: { partnerId: string | null; dueAt: string | null }) {
    return this.produce(
      'assessment.lead-assigned.v1',
      leadAssignedPayload(leadId, { reference: referenceOf(leadId), ...o }),
    );
  }

  async registered(leadId: string, o: { sourceId?: string; contactable?: boolean } = {}) {
    return this.produce(
      'intake.lead-registered.v1',
      leadRegisteredPayload(leadId, {
        reference: referenceOf(leadId),
        sourceId: o.sourceId ?? 'src-patrol',
        reporter: { anonymous: !o.contactable, contactable: !!o.contactable },
      }),
      { actor: { type: 'source', sourceId: o.sourceId ?? 'src-patrol' } },
    );
  }

  /**
   * A registration that notification has consumed: the events that follow about the lead are on other topics, which
   * Kafka does not order among themselves, and the reference in the texts of those that do not carry it (deadlines,
   * escalation's events) comes from the registration.
   */
  async registeredAndKnown(leadId: string, o: { sourceId?: string; contactable?: boolean } = {}) {
    const env = await this.registered(leadId, o);
    await eventually(
      async () =>
        (await this.sql(`SELECT 1 FROM lead_ref WHERE lead_id = $1 AND reference IS NOT NULL`, [leadId])).length
          ? true
          : undefined,
      30_000,
    );
    return env;
  }

  async sql<R = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<R[]> {
    return (await this.pg.query(text, params)).rows as R[];
  }

  async request(method: 'GET' | 'POST' | 'PUT', url: string, who: Principal, payload?: unknown) {
    return this.app.inject({
      method,
      url,
      headers: { authorization: await bearer(who) },
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });
  }

  /** Registers the webhook endpoint of a source system through the admin API. */
  async addEndpoint(sourceId: string, url: string, secret: string): Promise<string> {
    const res = await this.request('POST', '/v1/webhook-endpoints', ADMIN, {
      sourceId,
      url,
      keyId: 'k-2026-01',
      secret,
    });
    if (res.statusCode !== 201) throw new Error(`endpoint: ${res.statusCode} ${res.body}`);
    return (res.json() as { id: string }).id;
  }
}

export const personPrincipal = (userId: string, roles: Principal['roles']) => principal({ userId, roles });
