import { createHmac, timingSafeEqual } from 'node:crypto';

/** Headers of the signed webhook protocol (same scheme escalation's connector uses towards external systems). */
export const WEBHOOK_HEADERS = {
  signature: 'x-outpost-signature',
  timestamp: 'x-outpost-timestamp',
  keyId: 'x-outpost-key-id',
  idempotencyKey: 'idempotency-key',
} as const;

/** `sha256=` + hex HMAC-SHA256 over `timestamp + "." + body`. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

export function signWebhook(o: {
  keyId: string;
  secret: string;
  body: string;
  now: Date;
  idempotencyKey: string;
}): Record<string, string> {
  const ts = String(Math.floor(o.now.getTime() / 1000));
  return {
    [WEBHOOK_HEADERS.signature]: webhookSignature(o.secret, ts, o.body),
    [WEBHOOK_HEADERS.timestamp]: ts,
    [WEBHOOK_HEADERS.keyId]: o.keyId,
    [WEBHOOK_HEADERS.idempotencyKey]: o.idempotencyKey,
  };
}

/**
 * What a receiver does (documented for source systems; the tests' receiver uses it): constant-time compare, then the
 * timestamp window (checked after the signature so unsigned probes learn nothing).
 */
export function verifyWebhook(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  body: string,
  now: Date,
  windowSeconds = 300,
): { ok: true } | { ok: false; reason: string } {
  const h = (n: string) => (typeof headers[n] === 'string' ? (headers[n] as string) : undefined);
  const ts = h(WEBHOOK_HEADERS.timestamp);
  const sig = h(WEBHOOK_HEADERS.signature);
  if (!ts || !sig) return { ok: false, reason: 'missing signature headers' };
  if (!/^\d{9,12}$/.test(ts)) return { ok: false, reason: 'malformed timestamp' };
  const expected = Buffer.from(webhookSignature(secret, ts, body));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return { ok: false, reason: 'signature mismatch' };
  if (Math.abs(now.getTime() / 1000 - Number(ts)) > windowSeconds)
    return { ok: false, reason: 'timestamp outside the window' };
  return { ok: true };
}

/** Idempotency-Key of a webhook: the same for every attempt of one (event, recipient), so receivers drop repeats. */
export const webhookIdempotencyKey = (eventId: string, recipient: string): string => `${eventId}.${recipient}`;
