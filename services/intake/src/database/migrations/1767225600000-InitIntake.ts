import type { MigrationInterface, QueryRunner } from 'typeorm';
import { auditMigration } from '@outpost/audit';
import { messagingMigration } from '@outpost/messaging';
import { runtimeRoleOf, schemaOf } from '@outpost/platform';
import { SOURCE_CHANNELS } from '@outpost/contracts';

/** Sources, leads, subject keys (dedup), evidence, the status view, plus the messaging and audit tables. */
export class InitIntake1767225600000 implements MigrationInterface {
  name = 'InitIntake1767225600000';

  async up(q: QueryRunner): Promise<void> {
    const schema = schemaOf(q);
    const role = runtimeRoleOf(q);
    for (const sql of messagingMigration(schema, role).up) await q.query(sql);
    for (const sql of auditMigration(schema, role).up) await q.query(sql);

    await q.query(`CREATE TABLE source (
      id                    text PRIMARY KEY,
      name                  text NOT NULL,
      key_prefix            text UNIQUE,
      key_hash              text,
      channels              text[] NOT NULL,
      callback_url          text,
      webhook_secret_sealed text,
      rate_limit_per_minute integer CHECK (rate_limit_per_minute > 0),
      builtin               boolean NOT NULL DEFAULT false,
      active                boolean NOT NULL DEFAULT true,
      created_at            timestamptz NOT NULL DEFAULT now(),
      CHECK ((key_prefix IS NULL) = (key_hash IS NULL))
    )`);
    await q.query(
      `COMMENT ON COLUMN source.key_hash IS 'SHA-256(pepper + API key), hex; the key itself is never stored'`,
    );
    await q.query(
      `COMMENT ON COLUMN source.webhook_secret_sealed IS 'AES-256-GCM sealed secret for signing callbacks (notification uses it)'`,
    );
    await q.query(
      `INSERT INTO source (id, name, channels, builtin) VALUES ('gateway', '前哨平台（前哨员/志愿者经网关报送）', $1, true)`,
      [[...SOURCE_CHANNELS]],
    );

    await q.query(`CREATE SEQUENCE lead_reference_seq`);
    await q.query(`CREATE TABLE lead (
      id                   uuid PRIMARY KEY,
      reference            text NOT NULL UNIQUE,
      source_id            text NOT NULL REFERENCES source(id),
      source_ref           text,
      idempotency_scope    text,
      idempotency_key      text,
      request_hash         text NOT NULL,
      source_channel       text NOT NULL,
      filed_by             text,
      discovered_at        timestamptz,
      reported_at          timestamptz NOT NULL,
      received_at          timestamptz NOT NULL DEFAULT now(),
      title                text NOT NULL,
      description          text NOT NULL,
      suggested_category   text,
      subjects             jsonb NOT NULL,
      location             jsonb NOT NULL,
      placement            jsonb NOT NULL,
      grid_ids             text[] NOT NULL,
      street_code          text,
      unresolved           boolean NOT NULL,
      estimates            jsonb NOT NULL,
      channels             text[] NOT NULL,
      external_refs        jsonb NOT NULL,
      confidentiality      text NOT NULL,
      reporter_anonymous   boolean NOT NULL,
      reporter_contactable boolean NOT NULL,
      reporter_sealed      text,
      screening            jsonb NOT NULL,
      primary_lead_id      uuid REFERENCES lead(id),
      matched_on           jsonb,
      report_count         integer NOT NULL DEFAULT 1,
      open                 boolean NOT NULL DEFAULT true,
      CONSTRAINT lead_source_ref_key UNIQUE (source_id, source_ref),
      CONSTRAINT lead_idempotency_key UNIQUE (idempotency_scope, idempotency_key),
      CHECK ((idempotency_scope IS NULL) = (idempotency_key IS NULL))
    )`);
    await q.query(
      `COMMENT ON COLUMN lead.reporter_sealed IS 'AES-256-GCM sealed JSON {name, phone, contact}; never logged, never in events'`,
    );
    await q.query(
      `COMMENT ON COLUMN lead.primary_lead_id IS 'Set when the lead was LINKED to an open lead about the same subject'`,
    );
    await q.query(
      `COMMENT ON COLUMN lead.open IS 'False once escalation closed the lead (status view); only open primary leads attract links'`,
    );
    await q.query(`CREATE INDEX lead_primary_idx ON lead (primary_lead_id) WHERE primary_lead_id IS NOT NULL`);

    await q.query(`CREATE TABLE subject_key (
      key     text NOT NULL,
      lead_id uuid NOT NULL REFERENCES lead(id),
      PRIMARY KEY (key, lead_id)
    )`);
    await q.query(
      `COMMENT ON TABLE subject_key IS 'Normalised subject keys (uscc:, name:, phone:, url:, wechat:) for duplicate detection'`,
    );

    await q.query(`CREATE TABLE lead_status (
      lead_id           uuid PRIMARY KEY REFERENCES lead(id),
      status            text NOT NULL,
      stage             text NOT NULL,
      outcome           text,
      reporter_feedback text,
      last_event_at     timestamptz,
      updated_at        timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(
      `COMMENT ON TABLE lead_status IS 'What a source may see of its lead, fed by assessment/escalation events'`,
    );

    await q.query(`CREATE TABLE evidence (
      id              uuid PRIMARY KEY,
      lead_id         uuid NOT NULL REFERENCES lead(id),
      type            text NOT NULL,
      sha256          text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
      media_type      text NOT NULL,
      size_bytes      bigint NOT NULL,
      file_name       text,
      captured_at     timestamptz,
      captured_by     jsonb NOT NULL,
      received_at     timestamptz NOT NULL DEFAULT now(),
      UNIQUE (lead_id, sha256)
    )`);
    await q.query(
      `COMMENT ON COLUMN evidence.sha256 IS 'SHA-256 computed at capture; also the content address in the evidence store'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    const schema = schemaOf(q);
    const role = runtimeRoleOf(q);
    for (const t of ['evidence', 'lead_status', 'subject_key', 'lead', 'source'])
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    await q.query(`DROP SEQUENCE IF EXISTS lead_reference_seq`);
    for (const sql of auditMigration(schema, role).down) await q.query(sql);
    for (const sql of messagingMigration(schema, role).down) await q.query(sql);
  }
}
