import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  GENESIS_HASH,
  type HashedFields,
  canonicalEntryHashInput,
  computeEntryHash,
  entryHashInput,
  payloadDigest,
} from './audit-hash';

describe(computeEntryHash.name, () => {
  const sut = computeEntryHash;
  const entry: HashedFields = {
    chain: 3,
    seq: 1,
    leadId: 'lead-1',
    actor: { type: 'user', userId: 'u-1', role: 'OFFICER' },
    action: 'lead.triaged',
    fromState: 'REPORTED',
    toState: 'TRIAGED',
    reason: null,
    payloadDigest: null,
    at: '2026-11-27T01:02:03.004Z',
    prevHash: GENESIS_HASH,
  };

  it('is SHA-256 over the canonical serialisation of exactly the chained fields', () => {
    const input =
      '{"action":"lead.triaged","actor":{"role":"OFFICER","type":"user","userId":"u-1"},"at":"2026-11-27T01:02:03.004Z",' +
      '"chain":3,"fromState":"REPORTED","leadId":"lead-1","payloadDigest":null,"prevHash":"' +
      GENESIS_HASH +
      '","reason":null,"seq":1,"toState":"TRIAGED"}';
    expect(entryHashInput(entry)).toBe(input);
    expect(sut(entry)).toBe(createHash('sha256').update(input).digest('hex'));
    expect(sut(entry)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('fast path writes exactly the reference canonical serialisation, for any field values', () => {
    const str = fc.oneof(fc.constant(null), fc.string({ unit: 'binary' }));
    fc.assert(
      fc.property(
        fc.record({
          chain: fc.nat(1023),
          seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
          leadId: str,
          actor: fc.constantFrom<HashedFields['actor']>(
            { type: 'system' },
            { type: 'user', userId: 'u"\\', role: 'ADMIN', name: '王五' },
            { type: 'source', sourceId: 's' },
          ),
          action: fc.string({ unit: 'binary' }),
          fromState: str,
          toState: str,
          reason: str,
          payloadDigest: str,
          at: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          prevHash: fc.string(),
        }),
        (f) => entryHashInput(f) === canonicalEntryHashInput(f),
      ),
      { numRuns: 2000 },
    );
  });

  it('takes the reference path for unexpected shapes (a missing field is left out, as canonical JSON does)', () => {
    const partial = { ...entry, reason: undefined } as unknown as HashedFields;
    expect(entryHashInput(partial)).toBe(canonicalEntryHashInput(partial));
    expect(entryHashInput(partial)).not.toContain('"reason"');
  });

  it('ignores extra properties such as the stored hash itself', () => {
    expect(sut({ ...entry, hash: 'x' } as HashedFields)).toBe(sut(entry));
  });

  it.each<[string, Partial<HashedFields>]>([
    ['chain', { chain: 4 }],
    ['seq', { seq: 2 }],
    ['leadId', { leadId: null }],
    ['actor', { actor: { type: 'system' } }],
    ['action', { action: 'lead.assigned' }],
    ['fromState', { fromState: null }],
    ['toState', { toState: 'ASSIGNED' }],
    ['reason', { reason: '' }],
    ['payloadDigest', { payloadDigest: 'a'.repeat(64) }],
    ['at', { at: '2026-11-27T01:02:03.005Z' }],
    ['prevHash', { prevHash: 'f'.repeat(64) }],
  ])('changes when %s changes', (_field, change) => {
    expect(sut({ ...entry, ...change })).not.toBe(sut(entry));
  });

  it('does not depend on the key order of the actor', () => {
    expect(sut({ ...entry, actor: { role: 'OFFICER', userId: 'u-1', type: 'user' } })).toBe(sut(entry));
  });
});

describe(payloadDigest.name, () => {
  it('hashes canonical JSON, so key order does not matter, and is null without a payload', () => {
    expect(payloadDigest({ a: 1, b: [1, 2] })).toBe(payloadDigest({ b: [1, 2], a: 1 }));
    expect(payloadDigest({ a: 1 })).toBe(createHash('sha256').update('{"a":1}').digest('hex'));
    expect(payloadDigest(undefined)).toBeNull();
    expect(payloadDigest(null)).toBe(createHash('sha256').update('null').digest('hex'));
  });
});
