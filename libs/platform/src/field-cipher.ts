import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const VERSION = 'v1';

/**
 * AES-256-GCM for the few fields that must be readable later but never in clear at rest (reporter identity, webhook
 * secrets). Output: `v1.<iv>.<tag>.<ciphertext>` (base64url). The authenticated tag makes tampering fail loudly.
 */
export class FieldCipher {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('FieldCipher needs a 32-byte key');
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [
      VERSION,
      iv.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
      ct.toString('base64url'),
    ].join('.');
  }

  decrypt(sealed: string): string {
    const [version, iv, tag, ct] = sealed.split('.');
    if (version !== VERSION || !iv || !tag || ct === undefined) throw new Error('not a sealed value');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
  }
}

/** A key given as 64 hex chars or base64 of 32 bytes. */
export function parseKey(text: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.length !== 32) throw new Error('ENCRYPTION_KEY must be 32 bytes (64 hex chars or base64)');
  return key;
}

/**
 * The key from the variable, else from the file. Outside production a missing file is created with a fresh random key
 * (mode 600), so `npm start` works without setup; in production a missing key stops the service.
 */
export function loadEncryptionKey(inline: string | undefined, file: string, production: boolean): Buffer {
  if (inline) return parseKey(inline);
  if (existsSync(file)) return parseKey(readFileSync(file, 'utf8'));
  if (production) throw new Error(`No encryption key: set ENCRYPTION_KEY or create ${file}`);
  mkdirSync(dirname(file), { recursive: true });
  const key = randomBytes(32);
  try {
    writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (e) {
    // Another instance created it first: use theirs.
    if ((e as { code?: string }).code !== 'EEXIST') throw e;
    return parseKey(readFileSync(file, 'utf8'));
  }
  chmodSync(file, 0o600);
  return key;
}
