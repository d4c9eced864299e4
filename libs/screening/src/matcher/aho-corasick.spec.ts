import { AhoCorasick } from './aho-corasick';

function naive(patterns: string[], text: string): Array<[number, number]> {
  const found: Array<[number, number]> = [];
  for (let end = 0; end < text.length; end++) {
    patterns.forEach((p, id) => {
      const start = end - p.length + 1;
      if (start >= 0 && text.startsWith(p, start)) found.push([id, end]);
    });
  }
  return found;
}

const key = (xs: Array<[number, number]>): string[] => xs.map(([a, b]) => `${a}@${b}`).sort();

describe(AhoCorasick.name, () => {
  it('finds overlapping and nested patterns like a naive scan', () => {
    const patterns = ['保本', '保本保息', '本保', '息', 'he', 'she', 'hers', 'his'];
    const sut = new AhoCorasick(patterns);
    for (const text of ['保本保息保本', 'ushers', '保保本本保息息', 'hishershe', '']) {
      expect(key(sut.findAll(text))).toEqual(key(naive(patterns, text)));
    }
  });

  it('agrees with a naive scan on random strings over a small alphabet', () => {
    let seed = 7;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const alphabet = '保本息返利abc';
    const word = (n: number): string =>
      Array.from({ length: n }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
    for (let round = 0; round < 50; round++) {
      const patterns = [...new Set(Array.from({ length: 12 }, () => word(1 + Math.floor(rand() * 4))))];
      const sut = new AhoCorasick(patterns);
      const text = word(200);
      expect(key(sut.findAll(text))).toEqual(key(naive(patterns, text)));
    }
  });

  it('rejects an empty pattern', () => {
    expect(() => new AhoCorasick(['a', ''])).toThrow('empty');
  });
});
