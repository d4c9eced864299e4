import fc from 'fast-check';
import { types as pgTypes } from 'pg';
import { rowToEntry } from './audit-entry';
import { GENESIS_HASH, entryHashInput } from './audit-hash';
import { ActorCanonicalCache, R, type RawAuditRow, rawAtIso, rawRowHashInput } from './raw-audit-row';

/** A raw row as the verifier reads it, and the same row as the TypeORM read (node-postgres type parsers) sees it. */
function rows(f: {
  chain: number;
  seq: number;
  leadId: string | null;
  actorText: string;
  action: string;
  fromState: string | null;
  toState: string | null;
  reason: string | null;
  payloadDigest: string | null;
  atIso: string;
  prevHash: string;
}): { raw: RawAuditRow; typeormInput: string } {
  const raw: RawAuditRow = [
    String(f.chain),
    String(f.seq),
    f.leadId,
    f.actorText,
    f.action,
    f.fromState,
    f.toState,
    f.reason,
    f.payloadDigest,
    f.atIso,
    f.prevHash,
    'h'.repeat(64),
  ];
  const entry = rowToEntry({
    chain: f.chain,
    seq: String(f.seq),
    lead_id: f.leadId,
    actor: JSON.parse(f.actorText),
    action: f.action,
    from_state: f.fromState,
    to_state: f.toState,
    reason: f.reason,
    payload_digest: f.payloadDigest,
    at: new Date(f.atIso),
    prev_hash: f.prevHash,
    hash: 'h'.repeat(64),
  });
  return { raw, typeormInput: entryHashInput(entry) };
}

describe(rawRowHashInput.name, () => {
  const base = {
    chain: 3,
    seq: 17,
    leadId: 'lead-1',
    // jsonb prints keys by length, then bytes, with a space after ':' and ',': not canonical order.
    actorText: '{"name": "李四", "role": "OFFICER", "type": "user", "userId": "u-1"}',
    action: 'lead.triaged',
    fromState: 'REPORTED',
    toState: 'TRIAGED',
    reason: null,
    payloadDigest: 'ab'.repeat(32),
    atIso: '2026-11-27T01:02:03.004Z',
    prevHash: GENESIS_HASH,
  };

  it('equals entryHashInput of the TypeORM-read entry for a typical row', () => {
    const { raw, typeormInput } = rows(base);
    expect(rawRowHashInput(raw, 3, 17, new ActorCanonicalCache())).toBe(typeormInput);
    expect(typeormInput).toContain('"actor":{"name":"李四","role":"OFFICER","type":"user","userId":"u-1"}');
  });

  it('equals it for null fields, control characters, quotes, backslashes, unicode and lone surrogates', () => {
    const nasty = 'a"b\\c\u0001\u001f\t\n\r\b\f\u007f\u2028\u2029 é 热线 😀 \ud800 \udfff';
    const { raw, typeormInput } = rows({
      ...base,
      leadId: null,
      fromState: null,
      toState: nasty,
      reason: nasty,
      payloadDigest: null,
      action: nasty,
      actorText: JSON.stringify({ type: 'system', name: nasty }),
      prevHash: `${'0'.repeat(63)}"`,
    });
    expect(rawRowHashInput(raw, 3, 17, new ActorCanonicalCache())).toBe(typeormInput);
  });

  it('equals it for any strings (property)', () => {
    const s = fc.string({ unit: 'binary' });
    const sn = fc.option(s, { nil: null });
    fc.assert(
      fc.property(
        fc.record({
          chain: fc.integer({ min: 0, max: 32767 }),
          seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
          leadId: sn,
          actor: fc.dictionary(s, fc.oneof(s, fc.integer(), fc.boolean(), fc.constant(null))),
          action: s,
          fromState: sn,
          toState: sn,
          reason: sn,
          payloadDigest: sn,
          atMs: fc.integer({ min: Date.UTC(1, 0, 1), max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }),
          prevHash: s,
        }),
        (f) => {
          const { raw, typeormInput } = rows({
            ...f,
            actorText: JSON.stringify(f.actor),
            atIso: new Date(f.atMs).toISOString(),
          });
          expect(rawRowHashInput(raw, f.chain, f.seq, new ActorCanonicalCache())).toBe(typeormInput);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('builds the entry through entryHashInput when seq is not a safe integer', () => {
    const { raw } = rows(base);
    const seq = 2 ** 53 + 2;
    raw[R.seq] = String(seq);
    expect(rawRowHashInput(raw, 3, seq, new ActorCanonicalCache())).toContain(`"seq":${seq}`);
  });

  it('canonicalises each distinct actor text once, and re-does it after the cache was cleared', () => {
    const cache = new ActorCanonicalCache(2);
    const a = '{"type": "user", "userId": "u-1", "role": "OFFICER"}';
    expect(cache.get(a)).toBe('{"role":"OFFICER","type":"user","userId":"u-1"}');
    expect(cache.get(a)).toBe(cache.get(a));
    cache.get('{"type": "system"}');
    cache.get('{"type": "source", "sourceId": "s"}'); // clears: over max
    expect(cache.get(a)).toBe('{"role":"OFFICER","type":"user","userId":"u-1"}');
  });

  it('throws like the TypeORM read for an actor canonicalJson refuses (a number beyond double range)', () => {
    expect(() => new ActorCanonicalCache().get('{"type": "system", "n": 1e400}')).toThrow(/non-finite/);
  });
});

describe(rawAtIso.name, () => {
  const parse = pgTypes.getTypeParser(1184, 'text') as (t: string) => Date | number;
  const viaTypeorm = (text: string) => rowToEntry({ at: parse(text) } as never).at;

  it('passes Postgres-formatted ISO text through', () => {
    expect(rawAtIso('2026-01-02T03:04:05.000Z')).toBe('2026-01-02T03:04:05.000Z');
  });

  it.each([
    '10000-01-01 00:00:00+00',
    '275760-09-13 00:00:00+00',
    '0001-01-01 00:00:00+00 BC',
    '0044-03-15 12:00:00.5+00 BC',
    '12345-06-07 08:09:10.123456+02:30',
  ])('parses %s outside years 1..9999 exactly as the TypeORM read does', (text) => {
    expect(rawAtIso(`~${text}`)).toBe(viaTypeorm(text));
  });

  it.each(['infinity', '-infinity', '294276-12-31 23:59:59+00'])(
    'throws like the TypeORM read for %s (no Date)',
    (text) => {
      expect(() => viaTypeorm(text)).toThrow(RangeError);
      expect(() => rawAtIso(`~${text}`)).toThrow(RangeError);
    },
  );
});
