import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface StoredContent {
  /** SHA-256 of the bytes, computed while they were written (at capture). */
  sha256: string;
  sizeBytes: number;
  /** The first bytes, for checking the declared media type against the content. */
  head: Buffer;
}

/** Where evidence bytes live, addressed by their SHA-256. Pluggable: a local directory by default, object storage later. */
export interface EvidenceStore {
  /** Streams the content in, hashing as it goes; a second copy of the same bytes is stored once. */
  put(content: Readable): Promise<StoredContent>;
  open(sha256: string): Readable;
  has(sha256: string): Promise<boolean>;
}

export const EVIDENCE_STORE = Symbol('EVIDENCE_STORE');

const HEAD_BYTES = 16;

/** Content-addressed files under `<dir>/<first two hex>/<sha256>`; written to a temp file, then renamed (atomic). */
export class LocalEvidenceStore implements EvidenceStore {
  constructor(private readonly dir: string) {}

  private pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('not a sha256');
    return join(this.dir, sha256.slice(0, 2), sha256);
  }

  async put(content: Readable): Promise<StoredContent> {
    const tmpDir = join(this.dir, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    const tmp = join(tmpDir, randomUUID());
    const hash = createHash('sha256');
    let size = 0;
    let head = Buffer.alloc(0);
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        size += chunk.length;
        if (head.length < HEAD_BYTES) head = Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)]);
        cb(null, chunk);
      },
    });
    try {
      await pipeline(content, tap, createWriteStream(tmp, { mode: 0o640 }));
      const sha256 = hash.digest('hex');
      const final = this.pathOf(sha256);
      await mkdir(join(this.dir, sha256.slice(0, 2)), { recursive: true });
      if (await this.has(sha256)) await unlink(tmp);
      else await rename(tmp, final);
      return { sha256, sizeBytes: size, head };
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
  }

  open(sha256: string): Readable {
    return createReadStream(this.pathOf(sha256));
  }

  async has(sha256: string): Promise<boolean> {
    return stat(this.pathOf(sha256)).then(
      () => true,
      () => false,
    );
  }

  /** Removes a stored file (only for content that never made it into the database). */
  async discard(sha256: string): Promise<void> {
    await unlink(this.pathOf(sha256)).catch(() => undefined);
  }
}

/** Magic numbers of the binary types we accept: a declared type the bytes contradict is refused. */
export function contentMatchesType(mediaType: string, head: Buffer): boolean {
  const starts = (...bytes: number[]) => bytes.every((b, i) => head[i] === b);
  switch (mediaType) {
    case 'image/jpeg':
      return starts(0xff, 0xd8, 0xff);
    case 'image/png':
      return starts(0x89, 0x50, 0x4e, 0x47);
    case 'application/pdf':
      return starts(0x25, 0x50, 0x44, 0x46);
    case 'image/webp':
      return head.subarray(0, 4).toString('latin1') === 'RIFF' && head.subarray(8, 12).toString('latin1') === 'WEBP';
    case 'video/mp4':
    case 'audio/mp4':
      return head.subarray(4, 8).toString('latin1') === 'ftyp';
    default:
      return true;
  }
}
