import { eventually } from '@outpost/testing';
import { v7 as uuidv7 } from 'uuid';
import { ADMIN, Harness, OPERATOR } from './support/notification.harness';
import { HttpReceiver } from './support/http-receiver';
import { SmtpSink } from './support/smtp-sink';

jest.setTimeout(120_000);

const SECRET = 'bank-monitor-shared-secret-0001';

interface DeliveryView {
  id: string;
  status: string;
  attempts: number;
  lastError: string | null;
  history: Array<{ status: string; detail: string | null }>;
}

describe('notification: webhook outages, dead deliveries, replay and reconciliation (real stack)', () => {
  const smtp = new SmtpSink();
  const sms = new HttpReceiver();
  const receiver = new HttpReceiver();
  let h: Harness;
  let endpointId: string;

  beforeAll(async () => {
    await Promise.all([smtp.start(), sms.start(), receiver.start()]);
    receiver.secret = SECRET;
    // 4 attempts, 300 ms first backoff (jittered, doubling): about 2 s from first try to DEAD.
    h = await Harness.start({ smtp, sms, env: { DELIVERY_ATTEMPTS: '4', DELIVERY_BACKOFF_MS: '300' } });
    endpointId = await h.addEndpoint('src-bank', receiver.url('/hooks/outpost'), SECRET);
    await h.seedRoster();
    await eventually(
      async () => ((await h.sql(`SELECT 1 FROM contact WHERE person_id = 'p-operator-1'`)).length ? true : undefined),
      30_000,
    );
  });

  afterAll(async () => {
    await h?.close();
    await Promise.all([smtp.stop(), sms.stop(), receiver.stop()]);
  });

  const webhookOf = async (eventId: string): Promise<DeliveryView> => {
    const [row] = await h.sql<{ id: string }>(`SELECT id FROM delivery WHERE event_id = $1 AND channel = 'WEBHOOK'`, [
      eventId,
    ]);
    return (await h.request('GET', `/v1/deliveries/${row!.id}`, OPERATOR)).json() as DeliveryView;
  };

  it('keeps the secret sealed at rest and never returns it', async () => {
    const [row] = await h.sql<{ secret_enc: string }>(`SELECT secret_enc FROM webhook_endpoint WHERE id = $1`, [
      endpointId,
    ]);
    expect(row!.secret_enc).toMatch(/^v1\./);
    expect(row!.secret_enc).not.toContain(SECRET);
    const list = await h.request('GET', '/v1/webhook-endpoints', OPERATOR);
    expect(list.body).not.toContain(SECRET);
    expect(list.json().items[0]).toMatchObject({ sourceId: 'src-bank', keyId: 'k-2026-01', active: true });
  });

  it('the receiver down for a while → delivered after recovery, once', async () => {
    receiver.status = 503;
    const leadId = `lead-${uuidv7()}`;
    const reg = await h.registered(leadId, { sourceId: 'src-bank' });
    await eventually(
      () => (receiver.requests.filter((r) => r.body.includes(reg.id)).length >= 2 ? true : undefined),
      30_000,
    );
    const during = await eventually(async () => {
      const d = await webhookOf(reg.id);
      return d.status === 'RETRYING' ? d : undefined;
    }, 30_000);
    expect(during.lastError).toContain('HTTP 503');
    receiver.status = 200;
    await eventually(async () => ((await webhookOf(reg.id)).status === 'SENT' ? true : undefined), 30_000);
    const hits = receiver.requests.filter((r) => r.body.includes(reg.id));
    expect(hits.filter((r) => r.processed)).toHaveLength(1);
    expect(new Set(hits.map((r) => r.headers['idempotency-key']))).toEqual(new Set([`${reg.id}.source:src-bank`]));
    expect(hits.every((r) => r.signatureOk)).toBe(true);
    await new Promise((r) => setTimeout(r, 1500));
    expect(receiver.requests.filter((r) => r.body.includes(reg.id) && r.status === 200)).toHaveLength(1);
  });

  it('a permanently failing endpoint ends DEAD with the reason, operators are told, and it can be replayed after the fix', async () => {
    receiver.status = 500;
    const leadId = `lead-${uuidv7()}`;
    const reg = await h.registered(leadId, { sourceId: 'src-bank' });
    const dead = await eventually(async () => {
      const d = await webhookOf(reg.id);
      return d.status === 'DEAD' ? d : undefined;
    }, 60_000);
    expect(dead.attempts).toBe(4);
    expect(dead.lastError).toContain('gave up after 4 attempts');
    expect(dead.lastError).toContain('HTTP 500');
    expect(dead.history.map((x) => x.status)).toEqual([
      'PENDING',
      'SENDING',
      'RETRYING',
      'SENDING',
      'RETRYING',
      'SENDING',
      'RETRYING',
      'SENDING',
      'DEAD',
    ]);
    const failed = await eventually(
      async () =>
        (
          await h.sql<{ value: string }>(
            `SELECT value FROM outbox WHERE topic = 'notification.delivery-failed.v1' AND value LIKE $1`,
            [`%${dead.id}%`],
          )
        )[0],
      10_000,
    );
    expect(JSON.parse(failed.value).payload).toMatchObject({
      leadId,
      deliveryId: dead.id,
      channel: 'WEBHOOK',
      recipient: 'source:src-bank',
      sourceEventId: reg.id,
      attempts: 4,
      deadLettered: true,
    });
    // Operators hear of it in their inbox (consumed back from Kafka).
    const opInbox = await eventually(
      async () =>
        (
          await h.sql<{ title: string; body: string }>(
            `SELECT title, body FROM inbox_item WHERE person_id = 'p-operator-1' AND body LIKE $1`,
            [`%${dead.id}%`],
          )
        )[0],
      30_000,
    );
    expect(opInbox.title).toBe('通知投递失败（来源系统回调）');

    // Replay is for operators only, and only for a replayable state.
    const volunteerTry = await h.request('POST', `/v1/deliveries/${dead.id}/replay`, {
      ...OPERATOR,
      userId: 'v',
      roles: ['VOLUNTEER'],
    });
    expect(volunteerTry.statusCode).toBe(403);
    const before = receiver.requests.length;
    receiver.status = 200;
    const replay = await h.request('POST', `/v1/deliveries/${dead.id}/replay`, OPERATOR);
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toEqual({ id: dead.id, status: 'PENDING', previousStatus: 'DEAD' });
    const sent = await eventually(async () => {
      const d = await webhookOf(reg.id);
      return d.status === 'SENT' ? d : undefined;
    }, 30_000);
    expect(sent.history.map((x) => x.status).slice(-4)).toEqual(['DEAD', 'PENDING', 'SENDING', 'SENT']);
    expect(
      sent.history.find((x) => x.status === 'PENDING' && x.detail?.includes('replayed by p-operator-1')),
    ).toBeTruthy();
    expect(receiver.requests.slice(before).filter((r) => r.processed && r.body.includes(reg.id))).toHaveLength(1);
    expect((await h.request('POST', `/v1/deliveries/${dead.id}/replay`, OPERATOR)).statusCode).toBe(409);
    const audit = await h.sql<{ action: string; lead_id: string }>(
      `SELECT action, lead_id FROM audit_log WHERE action = 'delivery.replayed'`,
    );
    expect(audit).toEqual([{ action: 'delivery.replayed', lead_id: leadId }]);
  });

  it('a source without an endpoint is logged SKIPPED and can be replayed once an admin configures it', async () => {
    const leadId = `lead-${uuidv7()}`;
    const reg = await h.registered(leadId, { sourceId: 'src-new' });
    const skipped = await eventually(
      async () =>
        (
          await h.sql<{ id: string; status: string; last_error: string }>(
            `SELECT id, status, last_error FROM delivery WHERE event_id = $1`,
            [reg.id],
          )
        )[0],
      30_000,
    );
    expect(skipped.status).toBe('SKIPPED');
    expect(skipped.last_error).toContain('no active webhook endpoint for source src-new');
    await h.addEndpoint('src-new', receiver.url('/hooks/new'), SECRET);
    expect((await h.request('POST', `/v1/deliveries/${skipped.id}/replay`, ADMIN)).statusCode).toBe(200);
    await eventually(
      () => receiver.requests.find((r) => r.path === '/hooks/new' && r.processed && r.body.includes(reg.id)),
      30_000,
    );
  });

  it('the reconciler re-enqueues a PENDING delivery whose job Redis lost', async () => {
    // Restart without workers, so the next delivery stays PENDING.
    const reuse = h.reuse();
    await h.stop();
    h = await Harness.start({ smtp, sms, reuse, env: { NOTIFICATION_WORKERS: 'false' } });
    const leadId = `lead-${uuidv7()}`;
    const reg = await h.registered(leadId, { sourceId: 'src-bank' });
    const row = await eventually(
      async () =>
        (
          await h.sql<{ id: string; status: string }>(`SELECT id, status FROM delivery WHERE event_id = $1`, [reg.id])
        )[0],
      30_000,
    );
    expect(row.status).toBe('PENDING');
    // Redis loses the job (FLUSHALL in production; here only this delivery's job).
    const job = await eventually(() => h.queues().queue('WEBHOOK').getJob(row.id), 10_000);
    expect(await job.getState()).toBe('waiting');
    await job.remove();
    expect(await h.queues().jobState('WEBHOOK', row.id)).toBeNull();
    await h.stop();
    h = await Harness.start({ smtp, sms, reuse }); // workers on: the start-up reconcile finds the orphan
    await eventually(
      async () =>
        (await h.sql<{ status: string }>(`SELECT status FROM delivery WHERE id = $1`, [row.id]))[0]!.status === 'SENT'
          ? true
          : undefined,
      30_000,
    );
    expect(receiver.requests.filter((r) => r.processed && r.body.includes(reg.id))).toHaveLength(1);
  });

  it('the default webhook rate limit (20/s) still holds with many concurrent workers: a backlog of 60 takes 3 windows', async () => {
    expect(h.config.RATE_WEBHOOK_PER_SECOND).toBe(20);
    expect(h.config.CONCURRENCY_WEBHOOK).toBeGreaterThan(4);
    const regs = [];
    for (let i = 0; i < 60; i++) regs.push(await h.registered(`lead-${uuidv7()}`, { sourceId: 'src-bank' }));
    const ids = regs.map((r) => r.id);
    const claims = await eventually(async () => {
      const rows = await h.sql<{ at: Date }>(
        `SELECT hst.at FROM delivery_history hst JOIN delivery d ON d.id = hst.delivery_id
         WHERE d.event_id = ANY($1::uuid[]) AND d.channel = 'WEBHOOK' AND hst.status = 'SENDING' ORDER BY hst.at`,
        [ids],
      );
      return rows.length === 60 ? rows.map((r) => new Date(r.at).getTime()) : undefined;
    }, 60_000);
    // The limiter admits 20 jobs per 1 s window: the 41st job starts in the third window, ≥ 2 s after the first
    // window opened, so well over 1 s after the first claim (without the limiter 16 workers take far less).
    expect(claims[40]! - claims[0]!).toBeGreaterThanOrEqual(1000);
    await eventually(
      () => (ids.every((id) => receiver.requests.some((r) => r.processed && r.body.includes(id))) ? true : undefined),
      30_000,
    );
  });
});
