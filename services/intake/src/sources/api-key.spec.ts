import { generateApiKey, hashApiKey, keyPrefix, looksLikeApiKey, sameHash } from './api-key';

describe('api keys', () => {
  it('generates distinct well-formed keys', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a).not.toEqual(b);
    expect(a).toMatch(/^opk_[0-9A-Za-z]{40}$/);
    expect(looksLikeApiKey(a)).toBe(true);
    expect(keyPrefix(a)).toHaveLength(16);
  });

  it('hashes with the pepper and compares in constant time', () => {
    const key = 'demo-bank-key-0123456789abcdef';
    const h = hashApiKey('pepper-one-0123456', key);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(sameHash(h, hashApiKey('pepper-one-0123456', key))).toBe(true);
    expect(sameHash(h, hashApiKey('pepper-two-0123456', key))).toBe(false);
    expect(sameHash(h, 'abcd')).toBe(false);
  });

  it('rejects values that cannot be keys', () => {
    expect(looksLikeApiKey('short')).toBe(false);
    expect(looksLikeApiKey('with space in the middle of it')).toBe(false);
    expect(looksLikeApiKey(undefined)).toBe(false);
  });
});
