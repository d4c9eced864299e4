import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { contentMatchesType, LocalEvidenceStore } from './evidence-store';

describe(LocalEvidenceStore.name, () => {
  const dir = mkdtempSync(join(tmpdir(), 'evidence-'));
  const sut = new LocalEvidenceStore(dir);

  it('stores content under its SHA-256, once', async () => {
    const bytes = Buffer.from('%PDF-1.4 传单内容');
    const a = await sut.put(Readable.from([bytes]));
    const b = await sut.put(Readable.from([bytes.subarray(0, 5), bytes.subarray(5)]));
    expect(a.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(b).toEqual(a);
    expect(a.sizeBytes).toBe(bytes.length);
    expect(await sut.has(a.sha256)).toBe(true);
    expect(readdirSync(join(dir, a.sha256.slice(0, 2)))).toEqual([a.sha256]);
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
  });

  it('checks declared types against magic numbers', () => {
    expect(contentMatchesType('application/pdf', Buffer.from('%PDF-1.7'))).toBe(true);
    expect(contentMatchesType('image/png', Buffer.from('%PDF-1.7'))).toBe(false);
    expect(contentMatchesType('image/jpeg', Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe(true);
    expect(contentMatchesType('text/plain', Buffer.from('hello'))).toBe(true);
  });
});
