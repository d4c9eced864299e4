import { randomBytes } from 'node:crypto';
import { FieldCipher, parseKey } from './field-cipher';

describe(FieldCipher.name, () => {
  const sut = new FieldCipher(randomBytes(32));

  it('round-trips text and never repeats a ciphertext', () => {
    const a = sut.encrypt('{"name":"张三","phone":"13800138000"}');
    const b = sut.encrypt('{"name":"张三","phone":"13800138000"}');
    expect(a).not.toEqual(b);
    expect(a).not.toContain('13800138000');
    expect(sut.decrypt(a)).toBe('{"name":"张三","phone":"13800138000"}');
  });

  it('refuses a tampered value', () => {
    const sealed = sut.encrypt('secret');
    const parts = sealed.split('.');
    parts[3] = Buffer.from('SECRET').toString('base64url');
    expect(() => sut.decrypt(parts.join('.'))).toThrow();
  });

  it('parses hex and base64 keys and refuses other lengths', () => {
    const k = randomBytes(32);
    expect(parseKey(k.toString('hex'))).toEqual(k);
    expect(parseKey(k.toString('base64'))).toEqual(k);
    expect(() => parseKey('abcd')).toThrow(/32 bytes/);
  });
});
