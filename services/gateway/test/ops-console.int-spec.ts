import { eventually, leadAssignedPayload, rosterPerson, SmtpSink, uniqueSuffix } from '@outpost/testing';
import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { GatewayHarness, registered } from './support/gateway-harness';
import type { QueueCounts } from '../src/ops/job-queues';
import { freePort, NotificationProcess } from './support/notification-process';

jest.setTimeout(240_000);

interface DeliveryRow {
  id: string;
  leadId: string | null;
  channel: string;
  recipient: string;
  recipientName: string | null;
  status: string;
  attempts: number;
  lastError: string | null;
}

/**
 * What an operator watches besides Kafka: the services' BullMQ queues (counted from Redis) and the notifications that
 * could not be delivered, with a way to send them again. Real stack: the REAL notification service (own process)
 * e-mails an assignee through an SMTP server that is down at first, gives up after its one attempt, and sends again
 * when an operator asks through the gateway once the server is up.
 */
describe('gateway: operator console job queues and failed deliveries (real notification service)', () => {
  let h: GatewayHarness;
  let notification: NotificationProcess | null = null;
  let smtpPort = 0;
  const sink = new SmtpSink();
  const idleQueueName = `ops-console-${uniqueSuffix()}`;
  const tokens: Record<string, string> = {};
  const get = (login: string, url: string) =>
    h.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${tokens[login]}` } });
  const post = (login: string, url: string) =>
    h.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${tokens[login]}` }, payload: {} });

  beforeAll(async () => {
    smtpPort = await freePort(); // nothing listens there until the test starts the sink
    notification = new NotificationProcess(await freePort(), {
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      DELIVERY_ATTEMPTS: '1',
    });
    h = await GatewayHarness.start({
      env: {
        NOTIFICATION_URL: notification.url,
        BULLMQ_QUEUES: [`${notification.queuePrefix}-email`, idleQueueName].join(','),
      },
    });
    await notification.start(h);
    for (const login of ['operator1', 'admin1', 'officer1', 'sentinel1']) tokens[login] = await h.token(login);
  });

  afterAll(async () => {
    await notification?.stop();
    await sink.stop().catch(() => undefined);
    await h?.stop();
  });

  it('counts every listed queue by state, for operators only', async () => {
    const queue = new Queue(idleQueueName, { connection: { url: h.config.REDIS_URL } });
    try {
      await queue.add('now-1', {});
      await queue.add('now-2', {});
      await queue.add('later', {}, { delay: 600_000 });
      await queue.pause(); // nobody works this queue; paused, its waiting jobs move to BullMQ's paused list

      const res = await get('operator1', '/api/v1/ops/queues');
      expect(res.statusCode).toBe(200);
      const items = (res.json() as { items: QueueCounts[] }).items;
      expect(items.map((i) => i.queue)).toEqual([`${notification!.queuePrefix}-email`, idleQueueName]);
      expect(items.find((i) => i.queue === idleQueueName)).toEqual({
        queue: idleQueueName,
        paused: true,
        waiting: 2,
        active: 0,
        delayed: 1,
        failed: 0,
      });
      expect((await get('admin1', '/api/v1/ops/queues')).statusCode).toBe(200);
      const officer = await get('officer1', '/api/v1/ops/queues');
      expect(officer.statusCode).toBe(403);
      expect(officer.headers['content-type']).toContain('application/problem+json');
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });

  it('lists a delivery that gave up, without its content, and sends it again with its key once the server is up', async () => {
    const person = rosterPerson('p-ops-mail', '许收件', ['VOLUNTEER'], { email: 'xu.shoujian@example.test' });
    await h.produce(
      'assessment.roster-changed.v1',
      { entity: 'person', person, deleted: false },
      { leadId: null, key: person.id },
    );
    await eventually(async () =>
      (await h.query(`SELECT 1 FROM notification.contact WHERE person_id = $1`, [person.id])).length ? true : undefined,
    );
    const leadId = `lead-${randomUUID()}`;
    await h.produce('intake.lead-registered.v1', registered(leadId));
    await h.produce(
      'assessment.lead-assigned.v1',
      leadAssignedPayload(leadId, { assigneeId: person.id, assigneeName: person.name }),
    );

    // Notification tried its one attempt against the closed port and gave up: the console lists it.
    const dead = await notification!.explained(h, () =>
      eventually(async () => {
        const res = await get('operator1', '/api/v1/ops/deliveries');
        expect(res.statusCode).toBe(200);
        return (res.json() as { items: DeliveryRow[] }).items.find((d) => d.leadId === leadId && d.recipientName);
      }, 60_000),
    );
    expect(dead).toMatchObject({
      channel: 'EMAIL',
      recipient: `person:${person.id}`,
      recipientName: '许收件',
      status: 'DEAD',
      attempts: 1,
    });
    expect(dead.lastError).toBeTruthy();
    expect(dead).not.toHaveProperty('body');
    expect(dead).not.toHaveProperty('subject');

    // Only operators and admins; only the states an operator can act on; ids are UUIDs.
    expect((await get('officer1', '/api/v1/ops/deliveries')).statusCode).toBe(403);
    const sent = await get('operator1', '/api/v1/ops/deliveries?status=DEAD,SENT');
    expect(sent.statusCode).toBe(400);
    expect(sent.headers['content-type']).toContain('application/problem+json');
    expect(JSON.stringify((sent.json() as { errors: unknown[] }).errors)).toContain('status');
    expect((await get('operator1', '/api/v1/ops/deliveries?status=SKIPPED')).json()).toEqual({
      items: expect.not.arrayContaining([expect.objectContaining({ id: dead.id })]) as unknown,
    });
    expect((await post('sentinel1', `/api/v1/ops/deliveries/${dead.id}/replay`)).statusCode).toBe(403);
    expect((await post('operator1', '/api/v1/ops/deliveries/not-a-uuid/replay')).statusCode).toBe(400);

    // The mail server is back; the operator sends it again.
    await sink.start(smtpPort);
    const replay = await post('operator1', `/api/v1/ops/deliveries/${dead.id}/replay`);
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toEqual({ id: dead.id, status: 'PENDING', previousStatus: 'DEAD' });
    const mail = await eventually(() => sink.to('xu.shoujian@example.test')[0], 30_000);
    expect(mail.messageId).toContain(dead.id);
    await eventually(async () => {
      const rows = await h.query<{ status: string }>(`SELECT status FROM notification.delivery WHERE id = $1`, [
        dead.id,
      ]);
      return rows[0]?.status === 'SENT' ? true : undefined;
    });
    const after = (await get('operator1', '/api/v1/ops/deliveries')).json() as { items: DeliveryRow[] };
    expect(after.items.map((d) => d.id)).not.toContain(dead.id);

    // Sent once is sent: a second replay is refused (notification's problem passes through), and who replayed is audited.
    const again = await post('operator1', `/api/v1/ops/deliveries/${dead.id}/replay`);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'NOT_REPLAYABLE' });
    const audit = await h.query<{ actor: { userId: string } }>(
      `SELECT actor FROM notification.audit_log WHERE action = 'delivery.replayed' AND lead_id = $1`,
      [leadId],
    );
    expect(audit.map((a) => a.actor.userId)).toEqual(['p-operator-1']);
  });

  it("edits notification's rules and source webhooks for operators, notification validating and auditing", async () => {
    const put = (login: string, url: string, payload: object) =>
      h.app.inject({ method: 'PUT', url, headers: { authorization: `Bearer ${tokens[login]}` }, payload });
    const RULES = '/api/v1/ops/notification/rules';
    const listed = await get('operator1', RULES);
    expect(listed.statusCode).toBe(200);
    const rule = (
      listed.json() as { items: Array<{ id: string; active: boolean } & Record<string, unknown>> }
    ).items.find((r) => r.id === 'verification-asked')!;
    expect(rule).toMatchObject({ eventType: 'assessment.verification-requested.v1', active: true });
    const { id: _id, ...body } = rule;

    // Paused as a whole rule, as the console sends it; refused for officers; a bad field comes back with its path.
    expect((await put('officer1', `${RULES}/${rule.id}`, { ...body, active: false })).statusCode).toBe(403);
    const bad = await put('admin1', `${RULES}/${rule.id}`, { ...body, channels: ['FAX'] });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect(JSON.stringify((bad.json() as { errors: unknown[] }).errors)).toContain('channels');
    const paused = await put('admin1', `${RULES}/${rule.id}`, { ...body, active: false });
    expect(paused.statusCode).toBe(200);
    expect(paused.json()).toMatchObject({ id: rule.id, active: false });
    const after = (await get('operator1', RULES)).json() as { items: Array<{ id: string; active: boolean }> };
    expect(after.items.find((r) => r.id === rule.id)!.active).toBe(false);
    expect((await put('admin1', `${RULES}/${rule.id}`, { ...body, active: true })).statusCode).toBe(200);
    const audited = await h.query<{ to_state: string; actor: { userId: string } }>(
      `SELECT to_state, actor FROM notification.audit_log WHERE action = 'rule.updated' ORDER BY at, seq`,
    );
    expect(audited.map((a) => [a.to_state, a.actor.userId])).toEqual([
      ['INACTIVE', 'p-admin-1'],
      ['ACTIVE', 'p-admin-1'],
    ]);

    // A source system's webhook: the generated secret is shown once, never listed; one per source.
    const ENDPOINTS = '/api/v1/ops/notification/webhook-endpoints';
    const post = (payload: object) =>
      h.app.inject({
        method: 'POST',
        url: ENDPOINTS,
        headers: { authorization: `Bearer ${tokens.operator1}` },
        payload,
      });
    const created = await post({ sourceId: 'src-ops-test', url: 'https://src.example.test/events', keyId: 'k-1' });
    expect(created.statusCode).toBe(201);
    const endpoint = created.json() as { id: string; secret: string; active: boolean };
    expect(endpoint.secret.length).toBeGreaterThanOrEqual(32);
    expect(endpoint.active).toBe(true);
    expect((await post({ sourceId: 'src-ops-test', url: 'https://src.example.test/x', keyId: 'k-2' })).statusCode).toBe(
      409,
    );
    const badUrl = await post({ sourceId: 'src-2', url: 'ftp://x', keyId: 'k-1' });
    expect(badUrl.statusCode).toBe(400);
    expect(JSON.stringify((badUrl.json() as { errors: unknown[] }).errors)).toContain('url');
    const off = await put('operator1', `${ENDPOINTS}/${endpoint.id}`, { active: false });
    expect(off.statusCode).toBe(200);
    expect(off.json()).toMatchObject({ id: endpoint.id, active: false });
    const endpoints = await get('operator1', ENDPOINTS);
    expect(endpoints.body).not.toContain(endpoint.secret);
    expect((endpoints.json() as { items: Array<{ sourceId: string }> }).items.map((e) => e.sourceId)).toEqual([
      'src-ops-test',
    ]);
    expect((await get('sentinel1', ENDPOINTS)).statusCode).toBe(403);
  });
});
