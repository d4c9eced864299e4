import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Characters of a key used to find its row (not secret on its own; the rest of the key is). */
export const KEY_PREFIX_LENGTH = 16;
const MIN_KEY_LENGTH = 24;

/** A new random API key: `opk_` + 40 base62 characters (≈ 238 bits). Shown once, stored only as a hash. */
export function generateApiKey(): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const bytes = randomBytes(40);
  let out = 'opk_';
  for (const b of bytes) out += alphabet[b % 62];
  return out;
}

export function keyPrefix(key: string): string {
  return key.slice(0, KEY_PREFIX_LENGTH);
}

/** SHA-256(pepper + key), hex. Keys are high-entropy random strings, so a fast peppered hash is enough (no KDF needed). */
export function hashApiKey(pepper: string, key: string): string {
  return hash('sha256', pepper + key, 'hex');
}

export function looksLikeApiKey(key: unknown): key is string {
  return typeof key === 'string' && key.length >= MIN_KEY_LENGTH && key.length <= 200 && /^[\x21-\x7e]+$/.test(key);
}

/** Constant-time comparison of two hex digests. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}
