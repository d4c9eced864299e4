import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Topic, PayloadOf, Person, Pairing, Actor, ServiceName } from '@outpost/contracts';
import { KafkaBus, Outbox } from '@outpost/messaging';
import { createServiceApp, importPublicKey, verifyInternalToken, type Principal } from '@outpost/platform';
import {
  createTestDatabase,
  handledByConsumer,
  leadAssignedPayload,
  leadRegisteredPayload,
  placementOn,
  rosterPerson,
  testKeys,
  uniqueSuffix,
  uniqueTopicPrefix,
  type TestDatabase,
} from '@outpost/testing';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadGatewayConfig, type GatewayConfig } from '../../src/config/gateway.config';
import { gatewayBootstrap } from '../../src/main';

/** A request a downstream stub received, with the internal token it carried already verified (or the failure). */
export interface StubCall {
  service: string;
  method: string;
  path: string;
  principal: Principal | null;
  tokenError: string | null;
  body: Buffer;
  headers: IncomingMessage['headers'];
}

export type StubHandler = (call: StubCall) => { status: number; body?: unknown; contentType?: string } | undefined;

/**
 * Tiny HTTP stand-ins for intake/assessment/escalation/notification (the real ones need the whole stack). Each one
 * verifies the internal token with the gateway's public key exactly like @outpost/platform does, and refuses a
 * missing or invalid one with 401, so a test sees what a real service would.
 */
export class DownstreamStubs {
  readonly calls: StubCall[] = [];
  private handlers: StubHandler[] = [];
  private servers: Server[] = [];
  readonly urls: Record<'intake' | 'assessment' | 'escalation' | 'notification', string> = {
    intake: '',
    assessment: '',
    escalation: '',
    notification: '',
  };

  on(handler: StubHandler): void {
    this.handlers.unshift(handler);
  }

  reset(): void {
    this.calls.length = 0;
    this.handlers = [];
  }

  async start(publicKeyPem: string): Promise<void> {
    const key = await importPublicKey(publicKeyPem);
    for (const service of Object.keys(this.urls) as Array<keyof DownstreamStubs['urls']>) {
      const server = createServer((req, res) => void this.handle(service, key, req, res));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      this.urls[service] = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      this.servers.push(server);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((s) => new Promise((r) => s.close(r))));
  }

  private async handle(
    service: string,
    key: Awaited<ReturnType<typeof importPublicKey>>,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const auth = req.headers.authorization;
    let principal: Principal | null = null;
    let tokenError: string | null = null;
    if (auth?.startsWith('Bearer ')) {
      try {
        principal = await verifyInternalToken(auth.slice(7), key);
      } catch (e) {
        tokenError = (e as Error).message;
      }
    } else tokenError = 'missing';
    const call: StubCall = {
      service,
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      principal,
      tokenError,
      body: Buffer.concat(chunks),
      headers: req.headers,
    };
    this.calls.push(call);
    const isHealth = call.path.startsWith('/health/');
    if (!isHealth && !principal) {
      res
        .writeHead(401, { 'content-type': 'application/problem+json' })
        .end(JSON.stringify({ status: 401, code: 'UNAUTHENTICATED', detail: 'token required' }));
      return;
    }
    for (const h of this.handlers) {
      const out = h(call);
      if (out) {
        res
          .writeHead(out.status, { 'content-type': out.contentType ?? 'application/json' })
          .end(out.body === undefined ? '' : JSON.stringify(out.body));
        return;
      }
    }
    // Default: a plausible success for whatever was asked.
    const body = isHealth
      ? { status: 'ok' }
      : call.path.includes('/audit/leads/')
        ? { leadId: 'x', entries: [] }
        : { ok: true, service, path: call.path };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }
}

/** The demo roster as assessment would publish it (docs/SHARED-FACTS.md). */
export function demoRoster(): { people: Person[]; pairings: Pairing[] } {
  const person = rosterPerson;
  return {
    people: [
      person('p-sentinel-1', '陈前哨', ['SENTINEL'], { gridIds: ['G-440106001-C01'], streetCodes: ['440106001'] }),
      person('p-volunteer-1', '李志愿', ['VOLUNTEER'], {
        institution: '工商银行天河支行',
        volunteerRoles: ['MONITOR', 'SPEAKER'],
      }),
      person('p-sentinel-2', '王前哨', ['SENTINEL'], { gridIds: ['G-440106002-C01'], streetCodes: ['440106002'] }),
      person('p-volunteer-2', '赵志愿', ['VOLUNTEER'], {
        institution: '招商银行天河支行',
        volunteerRoles: ['MONITOR', 'ASSISTANT'],
      }),
      person('p-volunteer-3', '周志愿', ['VOLUNTEER'], {
        institution: '中国平安保险广州分公司',
        volunteerRoles: ['ACTION'],
      }),
      person('p-street-1', '孙街道', ['STREET_RESPONSIBLE'], { streetCodes: ['440106001'] }),
      person('p-officer-1', '钱办案', ['OFFICER'], { canCertify: true, unit: '区打非联办' }),
      person('p-officer-2', '吴监管', ['OFFICER'], { unit: '金融监管支局' }),
      person('p-supervisor-1', '郑督办', ['SUPERVISOR'], { unit: '区打非办' }),
      person('p-operator-1', '冯运维', ['OPERATOR']),
      person('p-admin-1', '管理员', ['ADMIN']),
    ],
    pairings: [
      {
        id: 'pair-1',
        volunteerId: 'p-volunteer-1',
        sentinelId: 'p-sentinel-1',
        gridIds: ['G-440106001-C01'],
        agreementSignedAt: null,
        status: 'ACTIVE',
      },
      {
        id: 'pair-2',
        volunteerId: 'p-volunteer-2',
        sentinelId: 'p-sentinel-2',
        gridIds: ['G-440106002-C01'],
        agreementSignedAt: null,
        status: 'ACTIVE',
      },
      {
        id: 'pair-3',
        volunteerId: 'p-volunteer-3',
        sentinelId: 'p-sentinel-1',
        gridIds: ['G-440106001-C01'],
        agreementSignedAt: null,
        status: 'ACTIVE',
      },
    ],
  };
}

const SYSTEM: Actor = { type: 'system', name: 'test' };

/** A gateway on a fresh database and topic prefix, with downstream stubs and a Kafka producer standing in for the services. */
export class GatewayHarness {
  app!: NestFastifyApplication;
  config!: GatewayConfig;
  db!: TestDatabase;
  bus!: KafkaBus;
  readonly stubs = new DownstreamStubs();
  private readonly outboxes = new Map<ServiceName, Outbox>();

  static async start(o: { env?: Record<string, string>; roster?: boolean } = {}): Promise<GatewayHarness> {
    const h = new GatewayHarness();
    const keys = await testKeys();
    h.db = await createTestDatabase('gateway');
    const prefix = uniqueTopicPrefix('gw');
    // The messaging and audit libs read these from the environment; the gateway's config gets the same values.
    process.env.KAFKA_TOPIC_PREFIX = prefix;
    process.env.KAFKA_TOPIC_PARTITIONS = '1';
    process.env.AUDIT_CHECKPOINT_INTERVAL_MS = '0';
    process.env.CONSUMER_RETRY_BASE_MS = '50';
    await h.stubs.start(keys.publicKeyPem);
    h.config = loadGatewayConfig({
      DATABASE_ADMIN_URL: h.db.adminUrl,
      DATABASE_URL: h.db.adminUrl.replace('postgres@', 'outpost_gateway@'),
      INTERNAL_JWT_PUBLIC_KEY: keys.publicKeyPem,
      INTERNAL_JWT_PRIVATE_KEY: keys.privateKeyPem,
      KAFKA_TOPIC_PREFIX: prefix,
      KAFKA_CONSUMER_GROUP: `gateway-${uniqueSuffix()}`,
      LOG_LEVEL: 'silent',
      DEMO_DATA: 'true',
      INTAKE_URL: h.stubs.urls.intake,
      ASSESSMENT_URL: h.stubs.urls.assessment,
      ESCALATION_URL: h.stubs.urls.escalation,
      NOTIFICATION_URL: h.stubs.urls.notification,
      DOWNSTREAM_TIMEOUT_MS: '3000',
      ADMIN_UI_DIST: `/tmp/no-admin-ui-${uniqueSuffix()}`,
      ...o.env,
    });
    h.bus = new KafkaBus({ brokers: h.config.KAFKA_BROKERS, clientId: 'gateway-test-producer', topicPrefix: prefix });
    h.app = await createServiceApp(gatewayBootstrap(h.config));
    await h.app.getHttpAdapter().getInstance().ready();
    if (o.roster !== false) await h.publishRoster();
    return h;
  }

  async stop(): Promise<void> {
    await this.app?.close();
    await this.bus?.disconnect();
    await this.stubs.stop();
    await this.db?.drop();
  }

  /** Produces an event exactly as its owning service's outbox relay would (envelope, headers, key). */
  async produce<T extends Topic>(
    topic: T,
    payload: PayloadOf<T>,
    o: { leadId?: string | null; key?: string; actor?: Actor; occurredAt?: Date } = {},
  ): Promise<string> {
    const producer = topic.split('.')[0] as ServiceName;
    const now = o.occurredAt;
    const outbox = now
      ? new Outbox({ schema: 'unused', producer, now: () => now })
      : (this.outboxes.get(producer) ?? new Outbox({ schema: 'unused', producer }));
    if (!now) this.outboxes.set(producer, outbox);
    const leadId = o.leadId === undefined ? ((payload as { leadId?: string }).leadId ?? null) : o.leadId;
    const env = outbox.build({ topic, payload, leadId, key: o.key, actor: o.actor ?? SYSTEM });
    await this.bus.send([
      {
        topic,
        key: env.key,
        value: JSON.stringify(env),
        headers: {
          'event-id': env.id,
          'event-type': env.type,
          producer: env.producer,
          'correlation-id': env.correlationId,
        },
      },
    ]);
    return env.id;
  }

  /** Waits until the read model has applied every one of these events (its inbox holds their ids). */
  async applied(eventIds: string[], timeoutMs = 40_000): Promise<void> {
    await handledByConsumer((text, params) => this.query(text, params), eventIds, timeoutMs);
  }

  /**
   * A new lead, registered and then assigned to 陈前哨 (p-sentinel-1, pair 1) as intake and assessment would announce
   * it; returns its id. Notification turns the assignment into inbox items for the assignee and the pair partner.
   */
  async assignNewLead(dueAt: string | null): Promise<string> {
    const leadId = `lead-${randomUUID()}`;
    await this.produce('intake.lead-registered.v1', registered(leadId));
    await this.produce('assessment.lead-assigned.v1', leadAssignedPayload(leadId, { assigneeName: '陈前哨', dueAt }));
    return leadId;
  }

  /** Listens on a free local port (for real HTTP clients: SSE, the browser) and returns it. */
  async listen(): Promise<number> {
    await this.app.listen({ port: 0, host: '127.0.0.1' });
    return (this.app.getHttpServer().address() as AddressInfo).port;
  }

  async publishRoster(): Promise<void> {
    const { people, pairings } = demoRoster();
    for (const person of people)
      await this.produce(
        'assessment.roster-changed.v1',
        { entity: 'person', person, deleted: false },
        { leadId: null, key: person.id },
      );
    for (const pairing of pairings)
      await this.produce(
        'assessment.roster-changed.v1',
        { entity: 'pairing', pairing, deleted: false },
        { leadId: null, key: pairing.id },
      );
  }

  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const { Client } = await import('pg');
    const c = new Client({ connectionString: this.db.adminUrl });
    await c.connect();
    try {
      await c.query(`SET search_path = ${this.config.DATABASE_SCHEMA}, public`);
      return (await c.query(sql, params)).rows as T[];
    } finally {
      await c.end();
    }
  }

  async login(login: string, password = 'Outpost@2026') {
    return this.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { login, password } });
  }

  /** Logs in (waiting for the roster to arrive) and returns the access token. */
  async token(login: string): Promise<string> {
    const deadline = Date.now() + 30000;
    for (;;) {
      const res = await this.login(login);
      if (res.statusCode === 200) return (res.json() as { accessToken: string }).accessToken;
      if (Date.now() > deadline) throw new Error(`login ${login} failed: ${res.statusCode} ${res.body}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export const SHAHE_GRID = 'G-440106001-C01';
export const WUSHAN_GRID = 'G-440106002-C01';

/** The lead routed to 沙河街's pair-1: its volunteer 李志愿 assigned (overrides for the rest). */
export function assigned(
  leadId: string,
  o: Partial<PayloadOf<'assessment.lead-assigned.v1'>> = {},
): PayloadOf<'assessment.lead-assigned.v1'> {
  return leadAssignedPayload(leadId, {
    assigneeId: 'p-volunteer-1',
    assigneeName: '李志愿',
    partnerId: 'p-sentinel-1',
    ...o,
  });
}

/** A registered lead payload for the given grid (defaults: 沙河街). */
export function registered(
  leadId: string,
  o: Partial<PayloadOf<'intake.lead-registered.v1'>> & { grid?: string } = {},
): PayloadOf<'intake.lead-registered.v1'> {
  const { grid = SHAHE_GRID, ...rest } = o;
  return leadRegisteredPayload(leadId, {
    reference: `TH-20260302-${leadId.slice(-6)}`,
    sourceId: 'src-gateway',
    sourceName: '前哨网关',
    title: '某投资咨询公司高息揽储',
    description: '在小区门口派发传单，承诺年化18%保本保息，吸引老年人参加养老项目',
    suggestedCategory: 'IF',
    subjects: [
      {
        kind: 'ENTERPRISE',
        name: '广州鑫汇财富投资咨询有限公司',
        uscc: null,
        registeredAddress: null,
        businessScope: null,
      },
    ],
    placement: placementOn(grid, {
      streetName: grid.slice(2, 11) === '440106001' ? '沙河街' : '五山街',
      addressText: '天河区某小区',
    }),
    estimates: { promisedYieldPct: 18, amountYuan: null, participants: null, lossYuan: null, elderlyInvolved: true },
    screening: { catalogVersion: 't', score: 42, band: 'orange', hits: [] },
    reporter: { anonymous: false, contactable: true },
    confidentiality: 'REPORTER_PROTECTED',
    ...rest,
  });
}
