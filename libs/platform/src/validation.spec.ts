import { nulCharacterPaths } from './validation';

describe(nulCharacterPaths.name, () => {
  it('lists the path of every string and key holding U+0000', () => {
    expect(nulCharacterPaths({ a: 'ok', b: ['x', 'y\u0000'], c: { 'd\u0000': 1, e: '\u0000' } })).toEqual([
      'b[1]',
      'c.d\u0000',
      'c.e',
    ]);
    expect(nulCharacterPaths('\u0000')).toEqual(['(body)']);
    expect(nulCharacterPaths({ a: 'fine', n: 1, z: null })).toEqual([]);
  });
});
