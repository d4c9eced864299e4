import type { Actor } from '@outpost/contracts';
import type { HashedFields } from './audit-hash';

/** What a service records: one state change (or other auditable act) of one lead, or of no lead (leadId null). */
export interface AuditEntryInput {
  leadId: string | null;
  actor: Actor;
  /** What happened, e.g. `lead.triaged`, `roster.changed`, `bank-sensitive.read`. */
  action: string;
  fromState?: string | null;
  toState?: string | null;
  reason?: string | null;
  /** Only the SHA-256 digest of its canonical JSON is stored, never the payload itself. */
  payload?: unknown;
}

/** A stored entry: its position (chain, seq), its content and its links. */
export interface AuditEntry extends HashedFields {
  hash: string;
}

export interface ChainHead {
  chain: number;
  seq: number;
  hash: string;
}

/** A row of audit_log as node-postgres returns it (bigint as string, timestamptz as Date). */
export interface AuditLogRow {
  chain: number | string;
  seq: number | string;
  lead_id: string | null;
  actor: Actor;
  action: string;
  from_state: string | null;
  to_state: string | null;
  reason: string | null;
  payload_digest: string | null;
  at: Date | string;
  prev_hash: string;
  hash: string;
}

export const AUDIT_LOG_COLUMNS =
  'chain, seq, lead_id, actor, action, from_state, to_state, reason, payload_digest, at, prev_hash, hash';

export function rowToEntry(r: AuditLogRow): AuditEntry {
  return {
    chain: Number(r.chain),
    seq: Number(r.seq),
    leadId: r.lead_id,
    actor: r.actor,
    action: r.action,
    fromState: r.from_state,
    toState: r.to_state,
    reason: r.reason,
    payloadDigest: r.payload_digest,
    at: r.at instanceof Date ? r.at.toISOString() : new Date(r.at).toISOString(),
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}
