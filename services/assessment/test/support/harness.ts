import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ManualClock } from '@outpost/clock';
import { envelopeSchema, type LeadRegisteredV1, type PayloadOf, type Topic } from '@outpost/contracts';
import { envelopeHeaders, KafkaBus, Outbox, type EventEnvelope } from '@outpost/messaging';
import { createServiceApp, type Principal } from '@outpost/platform';
import {
  bearer,
  createTestDatabase,
  leadRegisteredPayload,
  placementOn,
  TEST_INFRA,
  testKeys,
  uniqueSuffix,
  uniqueTopicPrefix,
  type TestDatabase,
} from '@outpost/testing';
import type { Consumer } from 'kafkajs';
import { loadAssessmentConfig, type AssessmentConfig } from '../../src/config/assessment.config';
import type { SlaPolicy } from '../../src/config/sla-policy';
import { assessmentBootstrap } from '../../src/main';
import { DEMO_PEOPLE } from '../../src/seed/demo-roster';
import type { Deadline } from '../../src/sla/sla.service';
import type { Assessment, VerificationRequest } from '../../src/workflow/assessment.repository';

/** GET /v1/assessments/{leadId}. */
export type AssessmentView = Assessment & { verificationRequests: VerificationRequest[]; deadlines: Deadline[] };

export interface Harness {
  db: TestDatabase;
  config: AssessmentConfig;
  clock: ManualClock;
  app: NestFastifyApplication;
  bus: KafkaBus;
  /** Every assessment.* event seen on Kafka (this file's prefix), parsed. */
  seen: Array<{ topic: string; envelope: EventEnvelope }>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

const DISTRICT_ROLES = new Set(['OFFICER', 'SUPERVISOR', 'OPERATOR', 'ADMIN']);

/** The demo person as the gateway would vouch for them (scope from the roster). */
export function demoPrincipal(id: string): Principal {
  const p = DEMO_PEOPLE.find((x) => x.id === id);
  if (!p) throw new Error(`no demo person ${id}`);
  return {
    userId: p.id,
    name: p.name,
    roles: p.roles,
    canCertify: p.canCertify,
    scope: {
      district: p.roles.some((r) => DISTRICT_ROLES.has(r)),
      streetCodes: p.roles.includes('STREET_RESPONSIBLE') ? p.streetCodes : [],
      gridIds: p.gridIds,
    },
  };
}

export const as = (id: string) => bearer(demoPrincipal(id));

/** Boots assessment on its own database, topic prefix, consumer group and queue, with the demo roster seeded. */
export async function startHarness(label: string, o: { start: Date; slaPolicy?: SlaPolicy }): Promise<Harness> {
  const db = await createTestDatabase(`assessment_${label}`);
  const keys = await testKeys();
  const prefix = uniqueTopicPrefix(`asm-${label}`);
  const suffix = uniqueSuffix();
  // The messaging lib reads its settings from the environment (jest gives each test file its own process.env copy).
  process.env.KAFKA_TOPIC_PREFIX = prefix;
  process.env.KAFKA_TOPIC_PARTITIONS = '1';
  process.env.OUTBOX_POLL_INTERVAL_MS = '200';
  const config = loadAssessmentConfig({
    NODE_ENV: 'test',
    DATABASE_ADMIN_URL: db.adminUrl,
    DATABASE_URL: db.adminUrl.replace('postgres@', 'outpost_assessment@'),
    INTERNAL_JWT_PUBLIC_KEY: keys.publicKeyPem,
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_CONSUMER_GROUP: `assessment-${suffix}`,
    DEADLINE_QUEUE: `assessment-deadlines-test-${suffix}`,
    DEADLINE_RECONCILE_INTERVAL_MS: '0',
    AUDIT_CHECKPOINT_INTERVAL_MS: '0',
    DEMO_DATA: 'true',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...(o.slaPolicy ? { SLA_POLICY: JSON.stringify(o.slaPolicy) } : {}),
  });
  const clock = new ManualClock(o.start);
  const boot = async () => {
    const app = await createServiceApp(assessmentBootstrap(config, { clock }));
    await app.getHttpAdapter().getInstance().ready();
    return app;
  };
  const bus = new KafkaBus({ brokers: TEST_INFRA.kafkaBrokers, clientId: `asm-test-${suffix}`, topicPrefix: prefix });
  await bus.connect();
  const h: Harness = {
    db,
    config,
    clock,
    app: await boot(),
    bus,
    seen: [],
    async restart() {
      await h.app.close();
      h.app = await boot();
    },
    async close() {
      await consumer.disconnect();
      await bus.disconnect();
      await h.app.close();
      await db.drop();
    },
  };
  const consumer: Consumer = bus.kafka.consumer({ groupId: `asm-test-observer-${suffix}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({
    topics: [new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}assessment\\.`)],
    fromBeginning: true,
  });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      const envelope = envelopeSchema.parse(JSON.parse(message.value!.toString())) as unknown as EventEnvelope;
      h.seen.push({ topic: topic.slice(prefix.length), envelope });
    },
  });
  return h;
}

const intakeOutbox = new Outbox({ schema: 'intake', producer: 'intake' });
const escalationOutbox = new Outbox({ schema: 'escalation', producer: 'escalation' });

/** Publishes an event as its owning service would (envelope + headers), straight to Kafka. */
export async function produce<T extends Topic>(
  h: Harness,
  topic: T,
  payload: PayloadOf<T>,
  leadId: string,
): Promise<EventEnvelope<T>> {
  const envelope = envelopeOf(topic, payload, leadId);
  await resend(h, envelope);
  return envelope;
}

/** The envelope intake (or escalation) would publish, without sending it. */
export function envelopeOf<T extends Topic>(topic: T, payload: PayloadOf<T>, leadId: string): EventEnvelope<T> {
  const outbox = topic.startsWith('escalation.') ? escalationOutbox : intakeOutbox;
  return outbox.build({
    topic,
    payload,
    leadId,
    actor: { type: 'source', sourceId: 'test-source', name: '测试来源' },
  });
}

/** Sends envelopes in one produce request (consumers fetch them as one batch). */
export async function sendAll(h: Harness, envelopes: EventEnvelope[]): Promise<void> {
  await h.bus.send(
    envelopes.map((e) => ({ topic: e.type, key: e.key, value: JSON.stringify(e), headers: envelopeHeaders(e) })),
  );
}

/** Sends an already built envelope again (a redelivery). */
export async function resend(h: Harness, envelope: EventEnvelope): Promise<void> {
  await sendAll(h, [envelope]);
}

export function events<T extends Topic>(h: Harness, topic: T, leadId?: string): Array<PayloadOf<T>> {
  return h.seen
    .filter((s) => s.topic === topic && (!leadId || s.envelope.leadId === leadId || s.envelope.key === leadId))
    .map((s) => s.envelope.payload as PayloadOf<T>);
}

const STREETS: Record<string, string> = {
  '440106001': '沙河街',
  '440106002': '五山街',
  '440106005': '石牌街',
  '440106006': '天河南街',
};

/** Estimates that put a lead in the red band (high promised yield, large amount, many participants, elderly). */
export const RED_ESTIMATES: LeadRegisteredV1['estimates'] = {
  promisedYieldPct: 20,
  amountYuan: 2_000_000,
  participants: 300,
  lossYuan: null,
  elderlyInvolved: true,
};

/** A lead-registered payload in the given grid, with optional hits and estimates. */
export function registered(
  leadId: string,
  gridId: string,
  o: Partial<Pick<LeadRegisteredV1, 'estimates'>> & { hits?: LeadRegisteredV1['screening']['hits'] } = {},
): LeadRegisteredV1 {
  const street = STREETS[gridId.slice(2, 11)];
  return leadRegisteredPayload(leadId, {
    sourceId: 'src-sentinel-app',
    sourceName: '前哨员 App',
    reportedAt: '2026-03-16T01:00:00.000Z',
    title: '某投资咨询公司推介会承诺保本保息',
    description: '社区活动室举办推介会，宣传年化收益15%，保本保息，参与者多为老年人。',
    suggestedCategory: 'IF',
    subjects: [
      {
        kind: 'ENTERPRISE',
        name: '广州某某投资咨询有限公司',
        uscc: null,
        registeredAddress: '广州市天河区沙河街某路1号',
        businessScope: '投资咨询',
      },
    ],
    placement: placementOn(gridId, { streetName: street ?? null, addressText: `${street ?? '天河区'}某社区活动室` }),
    estimates: {
      promisedYieldPct: 15,
      amountYuan: null,
      participants: null,
      lossYuan: null,
      elderlyInvolved: null,
      ...o.estimates,
    },
    channels: ['offline'],
    screening: {
      catalogVersion: '2026.11-1',
      score: 0,
      band: 'none',
      hits: o.hits ?? [{ indicator: 'B1', term: '保本保息', field: 'description', anchor: 'Ind', weight: 15 }],
    },
    filedBy: 'p-sentinel-1',
  });
}

export async function getAssessment(h: Harness, leadId: string, who = 'p-supervisor-1') {
  return h.app.inject({ method: 'GET', url: `/v1/assessments/${leadId}`, headers: { authorization: await as(who) } });
}

export async function command(h: Harness, leadId: string, action: string, who: string, payload: object = {}) {
  return h.app.inject({
    method: 'POST',
    url: `/v1/leads/${leadId}/commands/${action}`,
    headers: { authorization: await as(who) },
    payload,
  });
}
