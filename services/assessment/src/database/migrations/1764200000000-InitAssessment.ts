import type { MigrationInterface, QueryRunner } from 'typeorm';
import { auditMigration } from '@outpost/audit';
import { timersMigration } from '@outpost/clock';
import { messagingMigration } from '@outpost/messaging';
import { runtimeRoleOf, schemaOf } from '@outpost/platform';

/** Roster (people, pairings 结对), assessments, verification requests and stage deadlines, plus the libs' tables. */
export class InitAssessment1764200000000 implements MigrationInterface {
  name = 'InitAssessment1764200000000';

  async up(q: QueryRunner): Promise<void> {
    const schema = schemaOf(q);
    const role = runtimeRoleOf(q);
    for (const sql of [
      ...messagingMigration(schema, role).up,
      ...auditMigration(schema, role).up,
      ...timersMigration(schema, role).up,
    ]) {
      await q.query(sql);
    }
    await q.query(`CREATE TABLE person (
      id               text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_.-]{1,64}$'),
      name             text NOT NULL,
      roles            text[] NOT NULL CHECK (cardinality(roles) > 0),
      can_certify      boolean NOT NULL DEFAULT false,
      unit             text,
      institution      text,
      branch           text,
      volunteer_roles  text[] NOT NULL DEFAULT '{}',
      street_codes     text[] NOT NULL DEFAULT '{}',
      grid_ids         text[] NOT NULL DEFAULT '{}',
      phone            text,
      email            text,
      active           boolean NOT NULL DEFAULT true,
      created_at       timestamptz NOT NULL DEFAULT now(),
      updated_at       timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(
      `COMMENT ON COLUMN person.can_certify IS 'Only officers of the lead department (牵头部门) may 认定 (Reg. Art. 10-11, 19)'`,
    );
    await q.query(`CREATE INDEX person_roles_idx ON person USING gin (roles)`);
    await q.query(`CREATE TABLE pairing (
      id                  text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_.-]{1,64}$'),
      volunteer_id        text NOT NULL REFERENCES person(id),
      sentinel_id         text NOT NULL REFERENCES person(id),
      grid_ids            text[] NOT NULL CHECK (cardinality(grid_ids) > 0),
      agreement_signed_at timestamptz,
      contact_cadence     text,
      status              text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'SUSPENDED', 'ENDED')),
      created_at          timestamptz NOT NULL DEFAULT now(),
      updated_at          timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(
      `COMMENT ON TABLE pairing IS '结对: one volunteer and one sentinel responsible for grids (《结对共建协议书》)'`,
    );
    await q.query(`CREATE INDEX pairing_grids_idx ON pairing USING gin (grid_ids)`);
    await q.query(`CREATE TABLE assessment (
      lead_id                    text PRIMARY KEY,
      id                         uuid NOT NULL UNIQUE,
      reference                  text,
      title                      text NOT NULL DEFAULT '',
      status                     text NOT NULL,
      score                      numeric NOT NULL DEFAULT 0,
      band                       text NOT NULL,
      checklist                  jsonb NOT NULL,
      explanation                jsonb NOT NULL,
      hits                       jsonb NOT NULL DEFAULT '[]',
      facts                      jsonb NOT NULL DEFAULT '{}',
      grid_ids                   text[] NOT NULL DEFAULT '{}',
      street_code                text,
      subject_registered_address text,
      suggested_category         text,
      linked_lead_ids            text[] NOT NULL DEFAULT '{}',
      report_count               integer NOT NULL DEFAULT 1,
      pool                       text CHECK (pool IN ('PAIR', 'STREET', 'DISTRICT')),
      priority                   boolean NOT NULL DEFAULT false,
      assignee_id                text,
      assignee_name              text,
      pairing_id                 text,
      partner_id                 text,
      assigned_at                timestamptz,
      opinion                    jsonb,
      previous_opinions          jsonb NOT NULL DEFAULT '[]',
      decision                   jsonb,
      cycle                      integer NOT NULL DEFAULT 1,
      created_at                 timestamptz NOT NULL DEFAULT now(),
      updated_at                 timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(
      `COMMENT ON COLUMN assessment.opinion IS '专业意见 (advisory, never 认定): recommendation, category, legalBasis, reasoning, author'`,
    );
    await q.query(
      `CREATE INDEX assessment_pairing_open_idx ON assessment (pairing_id) WHERE status NOT IN ('DECIDED')`,
    );
    await q.query(`CREATE TABLE verification_request (
      id            uuid PRIMARY KEY,
      lead_id       text NOT NULL REFERENCES assessment(lead_id),
      asked_of      text NOT NULL,
      asked_by      text NOT NULL,
      question      text NOT NULL,
      due_at        timestamptz NOT NULL,
      status        text NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'ANSWERED')),
      answer        text,
      evidence_ids  text[] NOT NULL DEFAULT '{}',
      answered_by   text,
      answered_at   timestamptz,
      created_at    timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX verification_request_lead_idx ON verification_request (lead_id)`);
    await q.query(`CREATE TABLE deadline (
      id            text PRIMARY KEY,
      lead_id       text NOT NULL REFERENCES assessment(lead_id),
      stage         text NOT NULL CHECK (stage IN ('CLAIM', 'OPINION', 'VERIFICATION', 'DECISION')),
      period        text NOT NULL,
      started_at    timestamptz NOT NULL,
      due_at        timestamptz NOT NULL,
      status        text NOT NULL CHECK (status IN ('RUNNING', 'PAUSED', 'MET', 'BREACHED', 'CANCELLED')),
      remaining_ms  bigint,
      step          integer NOT NULL DEFAULT 0,
      legal_basis   text,
      closed_at     timestamptz,
      created_at    timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(
      `COMMENT ON COLUMN deadline.step IS 'Ladder step reached: 0 none/reminded, 1 assignee, 2 partner + street, 3 district supervisor'`,
    );
    await q.query(`CREATE INDEX deadline_lead_idx ON deadline (lead_id, stage)`);
    for (const t of ['person', 'pairing', 'assessment', 'verification_request', 'deadline']) {
      await q.query(`GRANT SELECT, INSERT, UPDATE ON ${t} TO "${role}"`);
    }
    // People and pairings are never hard-deleted from history: "delete" deactivates / ends them.
    await q.query(`REVOKE DELETE ON person, pairing, assessment, verification_request, deadline FROM "${role}"`);
  }

  async down(q: QueryRunner): Promise<void> {
    const schema = schemaOf(q);
    const role = runtimeRoleOf(q);
    for (const t of ['deadline', 'verification_request', 'assessment', 'pairing', 'person'])
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    for (const sql of [
      ...timersMigration(schema, role).down,
      ...auditMigration(schema, role).down,
      ...messagingMigration(schema, role).down,
    ]) {
      await q.query(sql);
    }
  }
}
