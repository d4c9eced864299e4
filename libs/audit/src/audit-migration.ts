import { GENESIS_HASH } from './audit-hash';
import { sqlIdent } from './sql-identifier';

export const DEFAULT_AUDIT_CHAINS = 8;

export interface AuditMigrationOptions {
  /** Number of parallel hash chains (K). More chains = less head contention; each is verified on its own. */
  chains?: number;
}

/**
 * DDL for a service's audit log, to run as the admin role inside the service's own TypeORM migration:
 * `for (const sql of auditMigration('intake', 'outpost_intake').up) await queryRunner.query(sql)`.
 *
 * The runtime role may only SELECT/INSERT entries and SELECT/UPDATE heads. Triggers reject UPDATE, DELETE and
 * TRUNCATE of entries for everyone, the table owner included, and only let a head move forward onto an entry that
 * exists with that hash. (A superuser can still disable triggers: the published checkpoints catch that.)
 */
export function auditMigration(
  schema: string,
  runtimeRole: string,
  options: AuditMigrationOptions = {},
): { up: string[]; down: string[] } {
  const s = sqlIdent(schema, 'schema');
  const role = sqlIdent(runtimeRole, 'role');
  const chains = options.chains ?? DEFAULT_AUDIT_CHAINS;
  if (!Number.isInteger(chains) || chains < 1 || chains > 1024)
    throw new Error(`auditMigration: chains must be an integer 1..1024, got ${chains}`);
  const up = [
    `CREATE SCHEMA IF NOT EXISTS ${s}`,
    `CREATE TABLE ${s}.audit_log (
      chain          smallint    NOT NULL,
      seq            bigint      NOT NULL CHECK (seq > 0),
      lead_id        text        NULL,
      actor          jsonb       NOT NULL,
      action         text        NOT NULL CHECK (action <> ''),
      from_state     text        NULL,
      to_state       text        NULL,
      reason         text        NULL,
      payload_digest char(64)    NULL,
      at             timestamptz NOT NULL,
      prev_hash      char(64)    NOT NULL,
      hash           char(64)    NOT NULL,
      CONSTRAINT audit_log_pk PRIMARY KEY (chain, seq)
    )`,
    `COMMENT ON TABLE ${s}.audit_log IS 'Append-only hash-chained audit log (libs/audit). hash = sha256(canonical JSON of the entry incl. prev_hash).'`,
    `CREATE INDEX audit_log_lead_idx ON ${s}.audit_log (lead_id, at, chain, seq) WHERE lead_id IS NOT NULL`,
    `CREATE TABLE ${s}.audit_head (
      chain smallint PRIMARY KEY CHECK (chain >= 0),
      seq   bigint   NOT NULL CHECK (seq >= 0),
      hash  char(64) NOT NULL
    )`,
    `INSERT INTO ${s}.audit_head (chain, seq, hash) SELECT c, 0, '${GENESIS_HASH}' FROM generate_series(0, ${chains - 1}) AS c`,
    `CREATE FUNCTION ${s}.audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
    END
    $fn$`,
    `CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON ${s}.audit_log
      FOR EACH ROW EXECUTE FUNCTION ${s}.audit_log_append_only()`,
    `CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON ${s}.audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION ${s}.audit_log_append_only()`,
    `CREATE FUNCTION ${s}.audit_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      IF TG_OP <> 'UPDATE' THEN
        RAISE EXCEPTION 'audit_head: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
      END IF;
      IF NEW.chain <> OLD.chain OR NEW.seq <= OLD.seq THEN
        RAISE EXCEPTION 'audit_head: chain % may only move forward (seq % -> %)', OLD.chain, OLD.seq, NEW.seq
          USING ERRCODE = 'insufficient_privilege';
      END IF;
      IF NOT EXISTS (SELECT 1 FROM ${s}.audit_log l WHERE l.chain = NEW.chain AND l.seq = NEW.seq AND l.hash = NEW.hash) THEN
        RAISE EXCEPTION 'audit_head: no entry (%, %) with that hash', NEW.chain, NEW.seq USING ERRCODE = 'foreign_key_violation';
      END IF;
      RETURN NEW;
    END
    $fn$`,
    `CREATE TRIGGER audit_head_forward_only BEFORE UPDATE OR DELETE ON ${s}.audit_head
      FOR EACH ROW EXECUTE FUNCTION ${s}.audit_head_forward_only()`,
    `CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON ${s}.audit_head
      FOR EACH STATEMENT EXECUTE FUNCTION ${s}.audit_head_forward_only()`,
    `GRANT USAGE ON SCHEMA ${s} TO ${role}`,
    // Explicit REVOKEs: a broad "GRANT ... ON ALL TABLES" in a service migration must not widen the audit grants.
    `REVOKE ALL ON ${s}.audit_log, ${s}.audit_head FROM ${role}`,
    `GRANT SELECT, INSERT ON ${s}.audit_log TO ${role}`,
    `GRANT SELECT, UPDATE ON ${s}.audit_head TO ${role}`,
  ];
  const down = [
    `DROP TABLE IF EXISTS ${s}.audit_log`,
    `DROP TABLE IF EXISTS ${s}.audit_head`,
    `DROP FUNCTION IF EXISTS ${s}.audit_log_append_only()`,
    `DROP FUNCTION IF EXISTS ${s}.audit_head_forward_only()`,
  ];
  return { up, down };
}
