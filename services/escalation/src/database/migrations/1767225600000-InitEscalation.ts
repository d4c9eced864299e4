import type { MigrationInterface, QueryRunner } from 'typeorm';
import { auditMigration } from '@outpost/audit';
import { timersMigration } from '@outpost/clock';
import { messagingMigration } from '@outpost/messaging';
import { runtimeRoleOf, schemaOf } from '@outpost/platform';

/** Disposal cases, their leads, steps, tasks, measures, legal clocks, external dispatches and callback receipts. */
export class InitEscalation1767225600000 implements MigrationInterface {
  name = 'InitEscalation1767225600000';

  async up(q: QueryRunner): Promise<void> {
    const schema = schemaOf(q);
    const role = runtimeRoleOf(q);
    for (const sql of messagingMigration(schema, role).up) await q.query(sql);
    for (const sql of auditMigration(schema, role).up) await q.query(sql);
    for (const sql of timersMigration(schema, role).up) await q.query(sql);
    const ddl = [
      `CREATE SEQUENCE case_no_seq`,
      `CREATE TABLE disposal_case (
        id               uuid PRIMARY KEY,
        case_no          text NOT NULL UNIQUE,
        primary_lead_id  text NOT NULL,
        path             text NOT NULL,
        state            text NOT NULL,
        jurisdiction     text NOT NULL CHECK (jurisdiction IN ('LEAD', 'ASSISTING')),
        category         text NOT NULL,
        band             text NOT NULL,
        authority        text NULL,
        authority_label  text NULL,
        handler_id       text NULL,
        decided_by       text NOT NULL,
        decision         jsonb NOT NULL,
        opened_at        timestamptz NOT NULL,
        filed_at         timestamptz NULL,
        closed_at        timestamptz NULL,
        outcome          text NULL,
        summary          text NULL,
        reporter_feedback text NULL,
        cycle            integer NOT NULL DEFAULT 1,
        investigators    jsonb NOT NULL DEFAULT '[]'::jsonb,
        merged_into      uuid NULL REFERENCES disposal_case(id),
        updated_at       timestamptz NOT NULL DEFAULT now()
      )`,
      `COMMENT ON COLUMN disposal_case.decision IS 'The officer decision that opened (or last re-routed) the case: category, band, legal basis, reasoning, feedback, grids'`,
      `COMMENT ON COLUMN disposal_case.jurisdiction IS 'LEAD when the subject is registered in this district, ASSISTING (配合) otherwise (Reg. Art. 20)'`,
      `CREATE TABLE case_lead (
        lead_id      text PRIMARY KEY,
        case_id      uuid NOT NULL REFERENCES disposal_case(id),
        relation     text NOT NULL CHECK (relation IN ('PRIMARY', 'MERGED', 'LINKED')),
        street_code  text NULL,
        grid_ids     text[] NOT NULL DEFAULT '{}',
        added_at     timestamptz NOT NULL
      )`,
      `CREATE INDEX case_lead_case_idx ON case_lead (case_id)`,
      `CREATE TABLE lead_origin (
        lead_id        text PRIMARY KEY,
        reference      text NOT NULL,
        source_channel text NOT NULL,
        has_reporter   boolean NOT NULL,
        registered_at  timestamptz NOT NULL
      )`,
      `COMMENT ON TABLE lead_origin IS 'From intake.lead-registered.v1: whether a reporter awaits feedback (never who they are)'`,
      `CREATE TABLE case_step (
        id         uuid PRIMARY KEY,
        case_id    uuid NOT NULL REFERENCES disposal_case(id),
        lead_id    text NOT NULL,
        action     text NOT NULL,
        from_state text NULL,
        to_state   text NOT NULL,
        actor      jsonb NOT NULL,
        detail     jsonb NOT NULL DEFAULT '{}'::jsonb,
        at         timestamptz NOT NULL
      )`,
      `CREATE INDEX case_step_case_idx ON case_step (case_id, at)`,
      `CREATE TABLE task (
        id           uuid PRIMARY KEY,
        case_id      uuid NOT NULL REFERENCES disposal_case(id),
        action_type  text NOT NULL,
        summary      text NOT NULL,
        assignee_id  text NULL,
        due_at       timestamptz NULL,
        status       text NOT NULL CHECK (status IN ('OPEN', 'DONE')),
        result       text NULL,
        created_by   text NOT NULL,
        created_at   timestamptz NOT NULL,
        completed_at timestamptz NULL
      )`,
      `CREATE INDEX task_case_idx ON task (case_id)`,
      `CREATE TABLE measure (
        id                uuid PRIMARY KEY,
        case_id           uuid NOT NULL REFERENCES disposal_case(id),
        measure_type      text NOT NULL,
        description       text NOT NULL,
        requires_approval boolean NOT NULL,
        status            text NOT NULL CHECK (status IN ('REQUESTED', 'ACTIVE', 'RELEASED', 'DECIDED')),
        requested_by      text NOT NULL,
        requested_at      timestamptz NOT NULL,
        approved_by       text NULL,
        approved_at       timestamptz NULL,
        extended          boolean NOT NULL DEFAULT false,
        ends_at           timestamptz NULL,
        decision          text NULL
      )`,
      `CREATE INDEX measure_case_idx ON measure (case_id)`,
      `CREATE TABLE legal_clock (
        id          uuid PRIMARY KEY,
        case_id     uuid NOT NULL REFERENCES disposal_case(id),
        lead_id     text NOT NULL,
        kind        text NOT NULL,
        subject_ref text NULL,
        started_at  timestamptz NOT NULL,
        due_at      timestamptz NOT NULL,
        period      text NULL,
        legal_basis text NOT NULL,
        working_days boolean NOT NULL,
        ladder      text NOT NULL,
        status      text NOT NULL CHECK (status IN ('RUNNING', 'MET', 'BREACHED', 'LAPSED', 'CANCELLED')),
        breach_step integer NOT NULL DEFAULT 0,
        stopped_at  timestamptz NULL
      )`,
      `COMMENT ON TABLE legal_clock IS 'Every deadline with its legal basis; ladder steps fire from durable timers clock.<id>.s<step>'`,
      `CREATE INDEX legal_clock_case_idx ON legal_clock (case_id, started_at)`,
      `CREATE TABLE external_dispatch (
        id               uuid PRIMARY KEY,
        case_id          uuid NOT NULL REFERENCES disposal_case(id),
        lead_id          text NOT NULL,
        system           text NOT NULL,
        purpose          text NOT NULL CHECK (purpose IN ('REPORT', 'HANDOVER', 'REFERRAL', 'MATERIALS')),
        authority_label  text NOT NULL,
        body             text NOT NULL,
        status           text NOT NULL CHECK (status IN ('PENDING', 'SENT', 'ACKNOWLEDGED')),
        attempts         integer NOT NULL DEFAULT 0,
        last_error       text NULL,
        created_at       timestamptz NOT NULL,
        sent_at          timestamptz NULL,
        external_ref     text NULL,
        acknowledged_at  timestamptz NULL,
        external_status  text NULL
      )`,
      `COMMENT ON COLUMN external_dispatch.body IS 'The exact JSON sent (signed per attempt); its id is the Idempotency-Key'`,
      `CREATE INDEX external_dispatch_pending_idx ON external_dispatch (created_at) WHERE status = 'PENDING'`,
      `CREATE INDEX external_dispatch_case_idx ON external_dispatch (case_id)`,
      `CREATE TABLE callback_receipt (
        system      text NOT NULL,
        event_id    text NOT NULL,
        dispatch_id uuid NULL,
        status      text NOT NULL,
        received_at timestamptz NOT NULL,
        PRIMARY KEY (system, event_id)
      )`,
      `COMMENT ON TABLE callback_receipt IS 'Inbound callback event ids, stored once: a second delivery is a replay and has no effect'`,
      `GRANT USAGE, SELECT ON SEQUENCE case_no_seq TO "${role}"`,
    ];
    for (const sql of ddl) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    const schema = schemaOf(q);
    const role = runtimeRoleOf(q);
    for (const t of [
      'callback_receipt',
      'external_dispatch',
      'legal_clock',
      'measure',
      'task',
      'case_step',
      'lead_origin',
      'case_lead',
      'disposal_case',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
    await q.query(`DROP SEQUENCE IF EXISTS case_no_seq`);
    for (const sql of timersMigration(schema, role).down) await q.query(sql);
    for (const sql of auditMigration(schema, role).down) await q.query(sql);
    for (const sql of messagingMigration(schema, role).down) await q.query(sql);
  }
}
