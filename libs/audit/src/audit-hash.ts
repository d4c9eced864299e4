import { createHash } from 'node:crypto';
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

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The bytes an entry's hash is taken over (exported so benchmarks can hash the very same bytes). */
export function entryHashInput(f: HashedFields): string {
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

export function computeEntryHash(f: HashedFields): string {
  return sha256Hex(entryHashInput(f));
}

/** SHA-256 of the payload's canonical JSON; null when there is no payload (the payload itself is never stored). */
export function payloadDigest(payload: unknown): string | null {
  return payload === undefined ? null : sha256Hex(canonicalJson(payload));
}
