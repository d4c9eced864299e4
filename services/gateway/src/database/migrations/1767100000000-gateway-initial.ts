import type { MigrationInterface, QueryRunner } from 'typeorm';
import { auditMigration } from '@outpost/audit';
import { messagingMigration } from '@outpost/messaging';
import { runtimeRoleOf, schemaOf } from '@outpost/platform';

/**
 * Accounts and refresh tokens (gateway-owned), roster copies (from assessment.roster-changed.v1), the lead read model
 * (from every lead event) and the libs' tables (outbox/inbox/dead letters, audit log).
 */
export class GatewayInitial1767100000000 implements MigrationInterface {
  name = 'GatewayInitial1767100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    const role = runtimeRoleOf(queryRunner);
    for (const sql of messagingMigration(schema, role).up) await queryRunner.query(sql);
    for (const sql of auditMigration(schema, role).up) await queryRunner.query(sql);
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public`);
    await queryRunner.query(`
      CREATE TABLE account (
        person_id       text PRIMARY KEY,
        login           text NOT NULL,
        password_hash   text NOT NULL,
        failed_attempts integer NOT NULL DEFAULT 0,
        locked_until    timestamptz,
        disabled        boolean NOT NULL DEFAULT false,
        last_login_at   timestamptz,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX account_login_uq ON account (lower(login))`);
    await queryRunner.query(`COMMENT ON COLUMN account.password_hash IS 'argon2id encoded hash (never the password)'`);

    await queryRunner.query(`
      CREATE TABLE refresh_token (
        id          uuid PRIMARY KEY,
        person_id   text NOT NULL REFERENCES account (person_id) ON DELETE CASCADE,
        family_id   uuid NOT NULL,
        token_hash  char(64) NOT NULL UNIQUE,
        expires_at  timestamptz NOT NULL,
        used_at     timestamptz,
        revoked_at  timestamptz,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `COMMENT ON COLUMN refresh_token.token_hash IS 'SHA-256 of the random token; the token itself is only ever in the client'`,
    );
    await queryRunner.query(`CREATE INDEX refresh_token_family_idx ON refresh_token (family_id)`);

    // Roster copies (event-carried state transfer from assessment); contact kept for display only.
    await queryRunner.query(`
      CREATE TABLE roster_person (
        id           text PRIMARY KEY,
        name         text NOT NULL,
        roles        text[] NOT NULL,
        can_certify  boolean NOT NULL,
        unit         text,
        institution  text,
        street_codes text[] NOT NULL,
        grid_ids     text[] NOT NULL,
        phone        text,
        email        text,
        active       boolean NOT NULL,
        deleted      boolean NOT NULL DEFAULT false,
        version_at   timestamptz NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE roster_pairing (
        id           text PRIMARY KEY,
        volunteer_id text NOT NULL,
        sentinel_id  text NOT NULL,
        grid_ids     text[] NOT NULL,
        status       text NOT NULL,
        deleted      boolean NOT NULL DEFAULT false,
        version_at   timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX roster_pairing_volunteer_idx ON roster_pairing (volunteer_id)`);

    await queryRunner.query(`
      CREATE TABLE lead_view (
        id               text PRIMARY KEY,
        reference        text,
        title            text,
        description      text,
        status           text,
        status_at        timestamptz,
        band             text,
        score            numeric,
        category         text,
        source_channel   text,
        source_name      text,
        confidentiality  text,
        street_code      text,
        street_name      text,
        grid_ids         text[] NOT NULL DEFAULT '{}',
        assignee_id      text,
        assignee_name    text,
        due_at           timestamptz,
        filed_by         text,
        linked_to        text,
        case_id          text,
        case_no          text,
        decision         text,
        outcome          text,
        breach_count     integer NOT NULL DEFAULT 0,
        subject_names    text NOT NULL DEFAULT '',
        reported_at      timestamptz,
        closed_at        timestamptz,
        facts            jsonb NOT NULL DEFAULT '{}'::jsonb,
        evidence         jsonb NOT NULL DEFAULT '[]'::jsonb,
        search_text      text NOT NULL DEFAULT '',
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `COMMENT ON TABLE lead_view IS 'Read model of every lead, rebuilt from events; never written by commands'`,
    );
    await queryRunner.query(
      `COMMENT ON COLUMN lead_view.status_at IS 'occurredAt of the event that set status: older events never overwrite it (topics are not ordered among themselves)'`,
    );
    await queryRunner.query(`CREATE INDEX lead_view_status_idx ON lead_view (status)`);
    await queryRunner.query(`CREATE INDEX lead_view_street_idx ON lead_view (street_code)`);
    await queryRunner.query(`CREATE INDEX lead_view_grids_idx ON lead_view USING gin (grid_ids)`);
    await queryRunner.query(`CREATE INDEX lead_view_assignee_idx ON lead_view (assignee_id)`);
    await queryRunner.query(
      `CREATE INDEX lead_view_due_idx ON lead_view (due_at) WHERE status IS DISTINCT FROM 'CLOSED'`,
    );
    await queryRunner.query(`CREATE INDEX lead_view_reported_idx ON lead_view (reported_at DESC, id)`);
    // Trigram index: ILIKE '%词%' over Chinese names and descriptions (no word segmentation needed).
    await queryRunner.query(
      `CREATE INDEX lead_view_search_trgm_idx ON lead_view USING gin (search_text public.gin_trgm_ops)`,
    );

    await queryRunner.query(
      `GRANT SELECT, INSERT, UPDATE, DELETE ON account, refresh_token, roster_person, roster_pairing, lead_view TO "${role}"`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    const role = runtimeRoleOf(queryRunner);
    for (const t of ['lead_view', 'roster_pairing', 'roster_person', 'refresh_token', 'account'])
      await queryRunner.query(`DROP TABLE IF EXISTS ${t}`);
    for (const sql of auditMigration(schema, role).down) await queryRunner.query(sql);
    for (const sql of messagingMigration(schema, role).down) await queryRunner.query(sql);
  }
}
