import { canonicalJson } from './canonical-json';

describe(canonicalJson.name, () => {
  const sut = canonicalJson;

  it('sorts keys at every level, whatever order they were built in', () => {
    expect(sut({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
    expect(sut({ a: 1, b: 2 })).toBe(sut({ b: 2, a: 1 }));
  });

  it('writes strings, numbers and unicode exactly as JSON.stringify does, without whitespace', () => {
    expect(sut({ s: '前哨 "q"\n', n: -0.5, e: 1e21, t: true })).toBe(
      '{"e":1e+21,"n":-0.5,"s":"前哨 \\"q\\"\\n","t":true}',
    );
  });

  it('drops undefined properties and writes undefined array items as null', () => {
    expect(sut({ a: undefined, b: [undefined, 1] })).toBe('{"b":[null,1]}');
  });

  it('uses toJSON (dates become ISO strings)', () => {
    expect(sut({ at: new Date('2026-11-27T01:02:03.004Z') })).toBe('{"at":"2026-11-27T01:02:03.004Z"}');
  });

  it('refuses values JSON cannot carry faithfully', () => {
    expect(() => sut({ n: NaN })).toThrow(/non-finite/);
    expect(() => sut({ n: Infinity })).toThrow(/non-finite/);
    expect(() => sut({ n: 1n })).toThrow(/bigint/);
    expect(() => sut(undefined)).toThrow(/not representable/);
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(() => sut(loop)).toThrow(/circular/);
  });

  it('is stable for a value read back after a JSON round trip (as from a jsonb column)', () => {
    const v = { type: 'user', userId: 'u-1', role: 'OFFICER', name: '张三' };
    expect(sut(JSON.parse(JSON.stringify({ role: v.role, name: v.name, type: v.type, userId: v.userId })))).toBe(
      sut(v),
    );
  });
});
