import { createHmac } from 'node:crypto';
import { signWebhook, verifyWebhook, webhookIdempotencyKey, webhookSignature } from './webhook-signature';

const secret = 'a-shared-secret-of-the-source';
const body = JSON.stringify({ eventId: 'e1', lead: { reference: 'TH-1' }, data: { outcome: '已取缔' } });
const now = new Date('2026-03-16T09:00:00+08:00');

describe('webhook signature', () => {
  it('is HMAC-SHA256 over timestamp.body, hex, with the sha256= prefix', () => {
    const ts = String(Math.floor(now.getTime() / 1000));
    const expected = createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex');
    expect(webhookSignature(secret, ts, body)).toBe(`sha256=${expected}`);
  });

  it('signs with key id, timestamp and idempotency key, and the receiver verifies it', () => {
    const h = signWebhook({
      keyId: 'k-2026-01',
      secret,
      body,
      now,
      idempotencyKey: webhookIdempotencyKey('e1', 'source:src-1'),
    });
    expect(h['x-outpost-key-id']).toBe('k-2026-01');
    expect(h['idempotency-key']).toBe('e1.source:src-1');
    expect(verifyWebhook(secret, h, body, now)).toEqual({ ok: true });
  });

  it('rejects a changed body, a wrong secret, missing headers and an old timestamp', () => {
    const h = signWebhook({ keyId: 'k', secret, body, now, idempotencyKey: 'x' });
    expect(verifyWebhook(secret, h, body.replace('已取缔', '已立案'), now)).toEqual({
      ok: false,
      reason: 'signature mismatch',
    });
    expect(verifyWebhook('another-secret-entirely', h, body, now)).toEqual({ ok: false, reason: 'signature mismatch' });
    expect(verifyWebhook(secret, {}, body, now)).toEqual({ ok: false, reason: 'missing signature headers' });
    expect(verifyWebhook(secret, h, body, new Date(now.getTime() + 10 * 60_000))).toEqual({
      ok: false,
      reason: 'timestamp outside the window',
    });
  });
});
