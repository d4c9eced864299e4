import { hash } from 'node:crypto';
import type { SubjectInput } from './dto/lead-input.schema';

export type SubjectKeyKind = 'uscc' | 'name' | 'phone' | 'url' | 'wechat';

export interface SubjectKey {
  kind: SubjectKeyKind;
  /** Normalised value (what matched). */
  value: string;
  /** `kind:value`, the row key in subject_key. */
  key: string;
}

/** Names shorter than this after normalisation are too common to identify a subject (e.g. a two-character name). */
const MIN_NAME_LENGTH = 4;

/**
 * Digits of a Chinese phone number in one national form: country code dropped, landlines with their trunk 0
 * (+86 20 3888 7777 → 02038887777), mobiles as 11 digits.
 */
export function phoneDigits(raw: string): string | null {
  let d = raw.replace(/\D/g, '');
  const international = raw.trim().startsWith('+') || d.startsWith('00');
  if (d.startsWith('0086')) d = d.slice(4);
  else if (d.startsWith('86') && (international || d.length === 13)) d = d.slice(2);
  const mobile = d.length === 11 && d.startsWith('1');
  if (!mobile && !d.startsWith('0') && d.length >= 9 && d.length <= 11 && (international || raw.trim().startsWith('+')))
    d = `0${d}`;
  return d.length >= 7 ? d : null;
}

/** host (without www.) + path, lower-case host, no scheme, query, fragment or trailing slash. */
export function urlKey(raw: string): string | null {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    return null;
  }
  if (!u.hostname.includes('.')) return null;
  const host = u.hostname.toLowerCase().replace(/^www\./, '');
  const path = decodeURIComponentSafe(u.pathname).replace(/\/+$/, '');
  return host + path;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * The identity keys of a lead's subjects, deduplicated and sorted (the order advisory locks are taken in).
 * `normalizeName` is the screening normaliser (full/half width, Traditional → Simplified, separators removed), so
 * 「某某 財富管理 有限公司」 and 「某某财富管理有限公司」 are one subject. A person's name alone is not a key.
 */
export function subjectKeys(subjects: SubjectInput[], normalizeName: (s: string) => string): SubjectKey[] {
  const out = new Map<string, SubjectKey>();
  const add = (kind: SubjectKeyKind, value: string | null) => {
    if (!value) return;
    const key = `${kind}:${value}`;
    out.set(key, { kind, value, key });
  };
  for (const s of subjects) {
    if (s.uscc) add('uscc', s.uscc.toUpperCase());
    if (s.kind !== 'PERSON') {
      const n = normalizeName(s.name);
      add('name', n.length >= MIN_NAME_LENGTH ? n : null);
    }
    for (const p of s.phones ?? []) add('phone', phoneDigits(p));
    for (const u of s.urls ?? []) add('url', urlKey(u));
    for (const w of s.wechatIds ?? []) add('wechat', w.trim().toLowerCase());
  }
  return [...out.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** A signed 64-bit advisory-lock id for a key (first 8 bytes of SHA-256), as a decimal string for ::bigint. */
export function lockIdOf(key: string): string {
  return hash('sha256', key, 'buffer').readBigInt64BE(0).toString();
}
