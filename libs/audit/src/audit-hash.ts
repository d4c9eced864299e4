import { hash } from 'node:crypto';
import type { Actor } from '@outpost/contracts';
import { canonicalJson } from './canonical-json';

/** prevHash of the first entry of every chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** Exactly the fields the hash covers, in the form they are stored and read back. */
export interface HashedFields {
  chain: number;
  seq: number;
  leadId: string | null;
  actor: Actor;
  action: string;
  fromState: string | null;
  toState: string | null;
  reason: string | null;
  payloadDigest: string | null;
  /** ISO-8601 UTC with milliseconds (Date#toISOString), which round-trips through timestamptz exactly. */
  at: string;
  prevHash: string;
}

/** SHA-256 as hex, with the one-shot crypto.hash (about twice as fast as createHash for short inputs). */
export function sha256Hex(data: string | Buffer): string {
  return hash('sha256', data, 'hex');
}

/**
 * The bytes an entry's hash is taken over: canonicalJson of exactly the chained fields (exported so benchmarks can hash
 * the very same bytes). The fixed-shape fast path writes the same string canonicalJson would (keys already in sorted
 * order), about 3x faster, which matters when verifying millions of entries; anything unexpected takes the generic path.
 */
export function entryHashInput(f: HashedFields): string {
  if (
    Number.isSafeInteger(f.chain) &&
    Number.isSafeInteger(f.seq) &&
    typeof f.action === 'string' &&
    typeof f.at === 'string' &&
    typeof f.prevHash === 'string' &&
    isStrOrNull(f.fromState) &&
    isStrOrNull(f.leadId) &&
    isStrOrNull(f.payloadDigest) &&
    isStrOrNull(f.reason) &&
    isStrOrNull(f.toState)
  ) {
    return (
      `{"action":${JSON.stringify(f.action)},"actor":${canonicalJson(f.actor)},"at":${JSON.stringify(f.at)},"chain":${f.chain},` +
      `"fromState":${strOrNull(f.fromState)},"leadId":${strOrNull(f.leadId)},"payloadDigest":${strOrNull(f.payloadDigest)},` +
      `"prevHash":${JSON.stringify(f.prevHash)},"reason":${strOrNull(f.reason)},"seq":${f.seq},"toState":${strOrNull(f.toState)}}`
    );
  }
  return canonicalEntryHashInput(f);
}

/** The reference definition of the hash input (entryHashInput must always equal it). */
export function canonicalEntryHashInput(f: HashedFields): string {
  // Build the object explicitly so extra properties on `f` (such as `hash`) can never leak into the input.
  return canonicalJson({
    chain: f.chain,
    seq: f.seq,
    leadId: f.leadId,
    actor: f.actor,
    action: f.action,
    fromState: f.fromState,
    toState: f.toState,
    reason: f.reason,
    payloadDigest: f.payloadDigest,
    at: f.at,
    prevHash: f.prevHash,
  });
}

function isStrOrNull(v: unknown): v is string | null {
  return v === null || typeof v === 'string';
}

function strOrNull(v: string | null): string {
  return v === null ? 'null' : JSON.stringify(v);
}

export function computeEntryHash(f: HashedFields): string {
  return sha256Hex(entryHashInput(f));
}

/** SHA-256 of the payload's canonical JSON; null when there is no payload (the payload itself is never stored). */
export function payloadDigest(payload: unknown): string | null {
  return payload === undefined ? null : sha256Hex(canonicalJson(payload));
}
