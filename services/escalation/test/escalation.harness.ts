import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ManualClock, TimerService } from '@outpost/clock';
import type { Actor, PayloadOf, Role, Topic } from '@outpost/contracts';
import { envelopeHeaders, KafkaBus, Outbox } from '@outpost/messaging';
import { createServiceApp, type Principal } from '@outpost/platform';
import {
  bearer,
  createTestDatabase,
  eventually,
  leadRegisteredPayload,
  principal,
  testKeys,
  uniqueSuffix,
  uniqueTopicPrefix,
  type TestDatabase,
  rosterPerson,
} from '@outpost/testing';
import { Client } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { loadEscalationConfig, type EscalationConfig } from '../src/config/escalation.config';
import { DispatchService } from '../src/connectors/dispatch.service';
import { escalationBootstrap } from '../src/main';

/** Monday 2026-03-16 09:00 in Guangzhou: a plain working week, far from any holiday. */
export const T0 = new Date('2026-03-16T09:00:00+08:00');

export const OFFICER = principal({
  userId: 'p-officer-1',
  name: '区打非联办 张三',
  roles: ['OFFICER'],
  canCertify: true,
  scope: { district: true, streetCodes: [], gridIds: [] },
});
export const OFFICER2 = principal({
  userId: 'p-officer-2',
  name: '金融监管支局 李四',
  roles: ['OFFICER'],
  scope: { district: true, streetCodes: [], gridIds: [] },
});
export const SUPERVISOR = principal({
  userId: 'p-supervisor-1',
  name: '区打非办督办 王五',
  roles: ['SUPERVISOR'],
  scope: { district: true, streetCodes: [], gridIds: [] },
});
export const STREET_WUSHAN = principal({
  userId: 'p-street-2',
  name: '五山街 负责人',
  roles: ['STREET_RESPONSIBLE'],
  scope: { district: false, streetCodes: ['440106002'], gridIds: [] },
});
/** The roster the tests' principals and investigators come from (escalation checks who a command names). */
const ROSTER: Array<{ id: string; name: string; roles: Role[]; active?: boolean }> = [
  { id: 'p-officer-1', name: '区打非联办 张三', roles: ['OFFICER'] },
  { id: 'p-officer-2', name: '金融监管支局 李四', roles: ['OFFICER'] },
  { id: 'p-officer-9', name: '已调离 赵九', roles: ['OFFICER'], active: false },
  { id: 'p-supervisor-1', name: '区打非办督办 王五', roles: ['SUPERVISOR'] },
  { id: 'p-street-1', name: '沙河街 负责人', roles: ['STREET_RESPONSIBLE'] },
  { id: 'p-street-2', name: '五山街 负责人', roles: ['STREET_RESPONSIBLE'] },
  { id: 'p-volunteer-1', name: '志愿者 林二', roles: ['VOLUNTEER'] },
];

export const OFFICER_ACTOR: Actor = { type: 'user', userId: 'p-officer-1', role: 'OFFICER', name: '区打非联办 张三' };

export interface HarnessOptions {
  env?: Record<string, string>;
  clock?: ManualClock;
  /** Reuse the database of an earlier harness (restart tests). */
  reuse?: { db: TestDatabase; prefix: string; suffix: string };
}

/** One escalation app on a real stack: its own database, topic prefix and queue names; a ManualClock. */
export class Harness {
  app!: NestFastifyApplication;
  db!: TestDatabase;
  config!: EscalationConfig;
  clock!: ManualClock;
  prefix!: string;
  suffix!: string;
  private bus!: KafkaBus;
  private pg!: Client;
  private readonly saved = { ...process.env };

  static async start(o: HarnessOptions = {}): Promise<Harness> {
    const h = new Harness();
    await h.boot(o);
    return h;
  }

  private async boot(o: HarnessOptions): Promise<void> {
    this.db = o.reuse?.db ?? (await createTestDatabase('escalation'));
    this.prefix = o.reuse?.prefix ?? uniqueTopicPrefix('esc');
    this.suffix = o.reuse?.suffix ?? uniqueSuffix();
    this.clock = o.clock ?? new ManualClock(T0);
    const keys = await testKeys();
    // MessagingModule reads its settings from the environment (not the service config).
    process.env.KAFKA_TOPIC_PREFIX = this.prefix;
    process.env.OUTBOX_POLL_INTERVAL_MS = '100';
    process.env.AUDIT_CHECKPOINT_INTERVAL_MS = '0';
    this.config = loadEscalationConfig({
      DATABASE_ADMIN_URL: this.db.adminUrl,
      DATABASE_URL: this.db.adminUrl.replace('postgres@', 'outpost_escalation@'),
      INTERNAL_JWT_PUBLIC_KEY: keys.publicKeyPem,
      KAFKA_TOPIC_PREFIX: this.prefix,
      LOG_LEVEL: 'silent',
      ESCALATION_CONSUMER_GROUP: `escalation-${this.suffix}`,
      ESCALATION_TIMERS_QUEUE: `esc-clocks-${this.suffix}`,
      ESCALATION_DISPATCH_QUEUE: `esc-dispatch-${this.suffix}`,
      TIMER_RECONCILE_INTERVAL_MS: '0',
      DISPATCH_RECONCILE_INTERVAL_MS: '0',
      DISPATCH_BACKOFF_MS: '100',
      DISPATCH_TIMEOUT_MS: '2000',
      // Nothing answers there (not even `npm start`'s local sinks on the default ports): a test that wants its
      // reports delivered points EXTERNAL_SYSTEMS at its own receiver.
      EXTERNAL_SYSTEMS: UNREACHABLE_SYSTEMS,
      ...o.env,
    });
    this.app = await createServiceApp(escalationBootstrap(this.config, { clock: this.clock }));
    await this.app.getHttpAdapter().getInstance().ready();
    this.bus = new KafkaBus({
      brokers: this.config.KAFKA_BROKERS,
      clientId: `esc-test-${this.suffix}`,
      topicPrefix: this.prefix,
    });
    await this.bus.connect();
    this.pg = new Client({ connectionString: this.db.adminUrl });
    await this.pg.connect();
    await this.pg.query(`SET search_path = escalation, public`);
    if (!o.reuse) await this.publishRoster();
  }

  /** The people the tests name (as assessment's roster events would bring them), stored before the first test. */
  private async publishRoster(): Promise<void> {
    const outbox = new Outbox({ schema: 'scratch', producer: 'assessment', now: () => this.clock.now() });
    const people = ROSTER.map(({ id, name, roles, ...extra }) => rosterPerson(id, name, roles, extra));
    await this.bus.send(
      people.map((person) => {
        const env = outbox.build({
          topic: 'assessment.roster-changed.v1',
          payload: { entity: 'person', person, deleted: false },
          leadId: null,
          key: person.id,
          actor: OFFICER_ACTOR,
        });
        return { topic: env.type, key: person.id, value: JSON.stringify(env), headers: envelopeHeaders(env) };
      }),
    );
    await eventually(
      async () =>
        (await this.sql<{ n: number }>(`SELECT count(*)::int AS n FROM person`))[0]!.n === people.length
          ? true
          : undefined,
      60_000,
    );
  }

  /** Stops the app (workers included) but keeps the database: start() again with `reuse` to restart. */
  async stop(): Promise<{ db: TestDatabase; prefix: string; suffix: string }> {
    await this.app.close();
    await this.bus.disconnect();
    await this.pg.end();
    return { db: this.db, prefix: this.prefix, suffix: this.suffix };
  }

  async close(): Promise<void> {
    await this.stop();
    await this.db.drop();
    process.env = this.saved;
  }

  /** Produces an event of another service straight to Kafka (as its outbox relay would). */
  async produce<T extends Topic>(
    topic: T,
    payload: PayloadOf<T>,
    leadId: string,
    actor: Actor = OFFICER_ACTOR,
  ): Promise<string> {
    const producer = topic.split('.')[0] as 'intake' | 'assessment';
    const env = new Outbox({ schema: 'scratch', producer, now: () => this.clock.now() }).build({
      topic,
      payload,
      leadId,
      actor,
    });
    await this.bus.send([{ topic, key: leadId, value: JSON.stringify(env), headers: envelopeHeaders(env) }]);
    return env.id;
  }

  /** A raw envelope re-sent as is (redelivery). */
  async produceRaw(topic: Topic, envelope: { id: string }, leadId: string): Promise<void> {
    await this.bus.send([{ topic, key: leadId, value: JSON.stringify(envelope), headers: {} }]);
  }

  async registered(leadId: string, o: { publicReport?: boolean } = {}): Promise<void> {
    await this.produce(
      'intake.lead-registered.v1',
      leadRegisteredPayload(leadId, {
        sourceId: 'src-1',
        sourceName: '前哨员',
        sourceChannel: o.publicReport ? 'PUBLIC_REPORT' : 'PATROL',
        reportedAt: this.clock.now().toISOString(),
        reporter: { anonymous: !o.publicReport, contactable: !!o.publicReport },
      }),
      leadId,
      { type: 'source', sourceId: 'src-1' },
    );
  }

  decidedPayload(
    leadId: string,
    o: Partial<PayloadOf<'assessment.lead-decided.v1'>> = {},
  ): PayloadOf<'assessment.lead-decided.v1'> {
    return {
      leadId,
      assessmentId: `as-${leadId}`,
      status: 'DECIDED',
      decidedBy: 'p-officer-1',
      decision: 'REFER_POLICE',
      category: 'IF-XS',
      band: 'red',
      legalBasis: ['《防范和处置非法集资条例》第19条'],
      reasoning: '承诺保本高息，公开宣传，涉嫌非法吸收公众存款',
      feedback: null,
      gridIds: ['G-440106001-C01'],
      streetCode: '440106001',
      subjectRegisteredAddress: '广州市天河区体育西路1号',
      ...o,
    };
  }

  /** Produces a decision and waits until its case exists. */
  async decide(
    leadId: string,
    o: Partial<PayloadOf<'assessment.lead-decided.v1'>> = {},
  ): Promise<{ caseId: string; eventId: string }> {
    const eventId = await this.produce('assessment.lead-decided.v1', this.decidedPayload(leadId, o), leadId);
    const caseId = await eventually(
      async () =>
        (await this.sql<{ case_id: string }>(`SELECT case_id FROM case_lead WHERE lead_id = $1`, [leadId]))[0]?.case_id,
      30000,
    );
    return { caseId, eventId };
  }

  async sql<R = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<R[]> {
    return (await this.pg.query(text, params)).rows as R[];
  }

  /** Payloads of the events of a topic in the outbox (what escalation published), oldest first. */
  async published<T extends Topic>(topic: T, leadId?: string): Promise<Array<PayloadOf<T>>> {
    const rows = await this.sql<{ value: string }>(
      `SELECT value FROM outbox WHERE topic = $1 AND ($2::text IS NULL OR key = $2) ORDER BY seq`,
      [topic, leadId ?? null],
    );
    return rows.map((r) => (JSON.parse(r.value) as { payload: PayloadOf<T> }).payload);
  }

  async http(
    method: 'GET' | 'POST',
    url: string,
    who: Principal | null,
    payload?: unknown,
    headers: Record<string, string> = {},
  ) {
    const auth = who ? { authorization: await bearer(who) } : {};
    return this.app.inject({
      method,
      url,
      headers: { ...auth, ...headers },
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });
  }

  async command(leadId: string, action: string, who: Principal, body: unknown = {}) {
    return this.http('POST', `/v1/leads/${leadId}/commands/${action}`, who, body);
  }

  async caseView(leadId: string) {
    const res = await this.http('GET', `/v1/cases/by-lead/${leadId}`, OFFICER);
    if (res.statusCode !== 200) throw new Error(`case view ${res.statusCode}: ${res.body}`);
    return res.json() as CaseView;
  }

  /** Moves the ManualClock and fires whatever is due (the reconciler's direct path). */
  async advanceTo(at: Date): Promise<{ fired: number }> {
    this.clock.set(at);
    const r = await this.app.get(TimerService).reconcile();
    return { fired: r.fired };
  }

  timers(): TimerService {
    return this.app.get(TimerService);
  }

  dispatches(): DispatchService {
    return this.app.get(DispatchService);
  }
}

export interface CaseView {
  caseId: string;
  caseNo: string;
  state: string;
  status: string;
  path: string;
  handlerId: string | null;
  investigators: Array<{ personId: string; name: string; badgeNo: string }>;
  jurisdiction: string;
  authority: { system: string; agency: string } | null;
  cycle: number;
  closure: { outcome: string; summary: string; reporterFeedback: string | null } | null;
  leads: Array<{ leadId: string; relation: string }>;
  steps: Array<{ action: string; from: string | null; to: string }>;
  clocks: Array<{
    id: string;
    kind: string;
    legalBasis: string;
    dueAt: string;
    startedAt: string;
    status: string;
    breachStep: number;
    subjectRef: string | null;
    workingDays: boolean;
  }>;
  tasks: Array<{ id: string; status: string; dueAt: string | null; actionType: string }>;
  measures: Array<{ id: string; measureType: string; status: string; endsAt: string | null }>;
  reports: Array<{
    id: string;
    system: string;
    purpose: string;
    status: string;
    externalRef: string | null;
    attempts: number;
  }>;
}

/** The default external systems (names as configured by default) at an address where nothing answers. */
const UNREACHABLE_SYSTEMS = JSON.stringify(
  Object.fromEntries(
    Object.entries(loadEscalationConfig({}).EXTERNAL_SYSTEMS).map(([code, system]) => [
      code,
      { ...system, url: 'http://127.0.0.1:1/unreachable' },
    ]),
  ),
);

export const newLeadId = () => `lead-${uuidv7()}`;
