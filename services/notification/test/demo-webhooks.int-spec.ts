import { eventually } from '@outpost/testing';
import { v7 as uuidv7 } from 'uuid';
import { DEMO_WEBHOOK_ENDPOINTS } from '../src/seed/demo-webhook-endpoints';
import { ADMIN, Harness, OPERATOR } from './support/notification.harness';
import { HttpReceiver } from './support/http-receiver';
import { SmtpSink } from './support/smtp-sink';

jest.setTimeout(120_000);

interface Endpoint {
  id: string;
  sourceId: string;
  url: string;
  keyId: string;
  active: boolean;
}

/**
 * `npm start` (DEMO_DATA=true) gives the demo source systems their webhook endpoint, so the demo's notifications to
 * them are delivered to the local callback sink rather than skipped for want of one; an administrator's change stays.
 */
describe('notification: demo webhook endpoints (DEMO_DATA=true, real stack)', () => {
  const smtp = new SmtpSink();
  const sms = new HttpReceiver();
  let h: Harness;

  beforeAll(async () => {
    await Promise.all([smtp.start(), sms.start()]);
    h = await Harness.start({ smtp, sms, env: { DEMO_DATA: 'true' } });
  });

  afterAll(async () => {
    await h?.close();
    await Promise.all([smtp.stop(), sms.stop()]);
  });

  const endpoints = async () =>
    ((await h.request('GET', '/v1/webhook-endpoints', OPERATOR)).json() as { items: Endpoint[] }).items;

  it('seeds the demo sources once, sealed, audited; a second start keeps what an administrator changed', async () => {
    const seeded = await endpoints();
    expect(seeded.map((e) => [e.sourceId, e.url, e.active]).sort()).toEqual(
      DEMO_WEBHOOK_ENDPOINTS.map((e) => [e.sourceId, e.url, true]).sort(),
    );
    const sealed = await h.sql<{ secret_enc: string }>(`SELECT secret_enc FROM webhook_endpoint`);
    expect(sealed.every((r) => /^v1\./.test(r.secret_enc) && !r.secret_enc.includes('demo'))).toBe(true);

    const bank = seeded.find((e) => e.sourceId === 'demo-bank-icbc-tianhe')!;
    const paused = await h.request('PUT', `/v1/webhook-endpoints/${bank.id}`, ADMIN, { active: false });
    expect(paused.statusCode).toBe(200);

    const reuse = h.reuse();
    await h.stop();
    h = await Harness.start({ smtp, sms, env: { DEMO_DATA: 'true' }, reuse });
    const after = await endpoints();
    expect(after).toHaveLength(DEMO_WEBHOOK_ENDPOINTS.length);
    expect(after.find((e) => e.sourceId === 'demo-bank-icbc-tianhe')).toMatchObject({ id: bank.id, active: false });
    const audited = await h.sql<{ action: string; reason: string }>(
      `SELECT action, reason FROM audit_log WHERE action = 'webhook-endpoint.created'`,
    );
    expect(audited).toEqual(
      DEMO_WEBHOOK_ENDPOINTS.map(() => ({ action: 'webhook-endpoint.created', reason: '演示数据' })),
    );
  });

  it("a demo source's lead gets a webhook delivery to its endpoint instead of being skipped", async () => {
    const reg = await h.registered(`lead-${uuidv7()}`, { sourceId: 'demo-suisuian' });
    const [delivery] = await eventually(async () => {
      const rows = await h.sql<{ status: string; recipient: string }>(
        `SELECT status, recipient FROM delivery WHERE event_id = $1 AND channel = 'WEBHOOK'`,
        [reg.id],
      );
      return rows.length ? rows : undefined;
    });
    expect(delivery!.recipient).toBe('source:demo-suisuian');
    expect(delivery!.status).not.toBe('SKIPPED');
  });
});
