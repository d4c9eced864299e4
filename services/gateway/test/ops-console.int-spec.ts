import { eventually, leadAssignedPayload, rosterPerson, SmtpSink, uniqueSuffix } from '@outpost/testing';
import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { GatewayHarness, registered } from './support/gateway-harness';
import { freePort, NotificationProcess } from './support/notification-process';

jest.setTimeout(240_000);

interface QueueRow {
  queue: string;
  paused: boolean;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}
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
      const items = (res.json() as { items: QueueRow[] }).items;
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
});
