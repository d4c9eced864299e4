import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SigningKey } from '../config/escalation.config';

/** Header names of the signed webhook protocol (docs/connectors.md). */
export const SIGNATURE_HEADERS = {
  keyId: 'x-outpost-key-id',
  timestamp: 'x-outpost-timestamp',
  signature: 'x-outpost-signature',
  idempotencyKey: 'idempotency-key',
} as const;

/** HMAC-SHA256 over `timestamp + "." + body`, hex, prefixed "sha256=". */
export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

/** The newest key signs (latest createdAt; on a tie, the one listed last). */
export function signingKey(keys: SigningKey[]): SigningKey {
  return keys.reduce((a, b) => (b.createdAt >= a.createdAt ? b : a));
}

export function signedHeaders(keys: SigningKey[], body: string, now: Date): Record<string, string> {
  const key = signingKey(keys);
  const ts = String(Math.floor(now.getTime() / 1000));
  return {
    [SIGNATURE_HEADERS.keyId]: key.id,
    [SIGNATURE_HEADERS.timestamp]: ts,
    [SIGNATURE_HEADERS.signature]: signature(key.secret, ts, body),
  };
}

export type VerifyResult = { ok: true; keyId: string } | { ok: false; reason: string };

/** Verifies a signed request with any configured key (rotation) and the replay window on its timestamp. */
export function verifySignature(
  keys: SigningKey[],
  headers: Record<string, string | string[] | undefined>,
  rawBody: string,
  now: Date,
  windowSeconds: number,
): VerifyResult {
  const h = (n: string) => {
    const v = headers[n];
    return typeof v === 'string' ? v : undefined;
  };
  const keyId = h(SIGNATURE_HEADERS.keyId);
  const ts = h(SIGNATURE_HEADERS.timestamp);
  const sig = h(SIGNATURE_HEADERS.signature);
  if (!keyId || !ts || !sig) return { ok: false, reason: 'missing signature headers' };
  if (!/^\d{9,12}$/.test(ts)) return { ok: false, reason: 'malformed timestamp' };
  const key = keys.find((k) => k.id === keyId);
  if (!key) return { ok: false, reason: `unknown key id ${keyId}` };
  const expected = Buffer.from(signature(key.secret, ts, rawBody));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return { ok: false, reason: 'signature mismatch' };
  // Checked after the signature, so an attacker cannot learn our clock from unsigned probes.
  if (Math.abs(now.getTime() / 1000 - Number(ts)) > windowSeconds)
    return { ok: false, reason: 'timestamp outside the replay window' };
  return { ok: true, keyId };
}
