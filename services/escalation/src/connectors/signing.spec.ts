import { jurisdictionOf } from './authority-routing';
import { signature, signedHeaders, signingKey, verifySignature } from './signing';
import { ACTIONS, TRANSITIONS } from '../cases/transition-table';
import { resolveCatalogue } from '../clocks/clock-catalogue';

const keys = [
  { id: 'old', secret: 'old-secret-0123456789', createdAt: '2025-01-01' },
  { id: 'new', secret: 'new-secret-0123456789', createdAt: '2026-01-01' },
];
const now = new Date('2026-03-16T01:00:00Z');

describe('signing', () => {
  it('signs with the newest key and verifies with any configured key', () => {
    expect(signingKey(keys).id).toBe('new');
    const sut = signedHeaders(keys, '{"a":1}', now);
    expect(verifySignature(keys, sut, '{"a":1}', now, 300)).toEqual({ ok: true, keyId: 'new' });
    const ts = String(now.getTime() / 1000);
    const old = {
      'x-outpost-key-id': 'old',
      'x-outpost-timestamp': ts,
      'x-outpost-signature': signature(keys[0]!.secret, ts, 'b'),
    };
    expect(verifySignature(keys, old, 'b', now, 300).ok).toBe(true);
  });

  it('rejects a changed body, an unknown key and a timestamp outside the window', () => {
    const h = signedHeaders(keys, 'body', now);
    expect(verifySignature(keys, h, 'body ', now, 300)).toEqual({ ok: false, reason: 'signature mismatch' });
    expect(verifySignature(keys, { ...h, 'x-outpost-key-id': 'x' }, 'body', now, 300).ok).toBe(false);
    expect(verifySignature(keys, h, 'body', new Date(now.getTime() + 301_000), 300).ok).toBe(false);
  });
});

describe('jurisdictionOf', () => {
  const d = { code: '440106', name: '天河区' };
  it('leads for subjects registered in Tianhe or of unknown address, assists otherwise (Art. 20)', () => {
    expect(jurisdictionOf('广州市天河区体育西路', d)).toBe('LEAD');
    expect(jurisdictionOf(null, d)).toBe('LEAD');
    expect(jurisdictionOf('广州市越秀区中山五路', d)).toBe('ASSISTING');
  });
});

describe('transition table and clock catalogue', () => {
  it('has exactly one row per action and valid periods', () => {
    expect(TRANSITIONS.map((t) => t.action).sort()).toEqual([...ACTIONS].sort());
    expect(() => resolveCatalogue({})).not.toThrow();
    expect(() => resolveCatalogue({ NOPE: { period: '1d' } })).toThrow(/unknown clock kind/);
    expect(() => resolveCatalogue({ SEIZURE: { period: '30 days' } })).toThrow(/not a period/);
  });
});
