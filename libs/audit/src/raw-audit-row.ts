import { types as pgTypes } from 'pg';
import { entryHashInput } from './audit-hash';
import { canonicalJson } from './canonical-json';

/**
 * The verifier's read of audit_log: every column as the raw text Postgres sends (node-postgres `rowMode: 'array'` with
 * RAW_TEXT_TYPES), so no Date or JSON objects are built per row. `at` comes preformatted by Postgres exactly as
 * Date#toISOString writes it for years 1..9999 (to_char truncates to milliseconds, as Date does; it starts with a
 * digit), and otherwise as `~` + its timestamptz text, which then takes node-postgres's own parser (rawAtIso).
 */
export const RAW_AUDIT_COLUMNS =
  'chain, seq, lead_id, actor, action, from_state, to_state, reason, payload_digest, ' +
  `CASE WHEN ${inIsoRange('at')} THEN pg_catalog.to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') ` +
  `ELSE '~' || at::text END, prev_hash, hash`;

/** Column indexes of a RawAuditRow. */
export const R = {
  chain: 0,
  seq: 1,
  leadId: 2,
  actor: 3,
  action: 4,
  fromState: 5,
  toState: 6,
  reason: 7,
  payloadDigest: 8,
  at: 9,
  prevHash: 10,
  hash: 11,
} as const;

/** One row of RAW_AUDIT_COLUMNS: text or SQL NULL. */
export type RawAuditRow = Array<string | null>;

/** node-postgres per-query `types`: every column as the text Postgres sent. */
export const RAW_TEXT_TYPES = { getTypeParser: () => (value: string) => value };

function inIsoRange(col: string): string {
  // The years in which Date#toISOString writes four digits and no sign (year 0 = 1 BC is left to the general path).
  return `${col} >= '0001-01-01 00:00:00+00' AND ${col} < '10000-01-01 00:00:00+00'`;
}

const parseTimestamptz = pgTypes.getTypeParser(1184, 'text') as (text: string) => Date | number | null;

/** `at` as the writer hashed it (Date#toISOString), from the raw column: exactly what rowToEntry yields for the row. */
export function rawAtIso(at: string): string {
  if (at.charCodeAt(0) !== 0x7e) return at;
  // Outside years 1..9999 (or infinity): the very path the TypeORM read takes, throwing where it throws.
  const parsed = parseTimestamptz(at.slice(1));
  return parsed instanceof Date ? parsed.toISOString() : new Date(parsed as number).toISOString();
}

/**
 * Canonical JSON of actor jsonb texts. jsonb prints equal values identically, and actors repeat a lot (a few sources
 * and users), so each distinct text is parsed and canonicalised once: JSON.parse is node-postgres's jsonb parser, so
 * the result is what canonicalJson of the TypeORM-read actor gives. Bounded: cleared when it grows past `max` texts.
 */
export class ActorCanonicalCache {
  private readonly map = new Map<string, string>();
  constructor(private readonly max = 10_000) {}

  get(text: string): string {
    let c = this.map.get(text);
    if (c === undefined) {
      c = canonicalJson(JSON.parse(text));
      if (this.map.size >= this.max) this.map.clear();
      this.map.set(text, c);
    }
    return c;
  }
}

/** JSON.stringify for strings, skipping the call for plain printable ASCII (hex hashes, states, ids), null as null. */
function str(v: string | null): string {
  if (v === null) return 'null';
  return SAFE.test(v) ? `"${v}"` : JSON.stringify(v);
}
/** Strings JSON.stringify writes as themselves between quotes: printable ASCII without `"` and `\`. */
const SAFE = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * entryHashInput of the entry a raw row holds, byte for byte, without building the entry: the same template as
 * entryHashInput's fixed-shape path (every text column is a string or null by construction); a seq that is not a safe
 * integer goes through entryHashInput itself.
 */
export function rawRowHashInput(r: RawAuditRow, chain: number, seq: number, actors: ActorCanonicalCache): string {
  const actor = actors.get(r[R.actor]!);
  const at = rawAtIso(r[R.at]!);
  if (!Number.isSafeInteger(chain) || !Number.isSafeInteger(seq)) {
    return entryHashInput({
      chain,
      seq,
      leadId: r[R.leadId]!,
      actor: JSON.parse(r[R.actor]!),
      action: r[R.action]!,
      fromState: r[R.fromState]!,
      toState: r[R.toState]!,
      reason: r[R.reason]!,
      payloadDigest: r[R.payloadDigest]!,
      at,
      prevHash: r[R.prevHash]!,
    });
  }
  // `at` needs no escaping: toISOString writes only digits, signs, T, :, . and Z.
  return (
    `{"action":${str(r[R.action]!)},"actor":${actor},"at":"${at}","chain":${chain},` +
    `"fromState":${str(r[R.fromState]!)},"leadId":${str(r[R.leadId]!)},"payloadDigest":${str(r[R.payloadDigest]!)},` +
    `"prevHash":${str(r[R.prevHash]!)},"reason":${str(r[R.reason]!)},"seq":${seq},"toState":${str(r[R.toState]!)}}`
  );
}
