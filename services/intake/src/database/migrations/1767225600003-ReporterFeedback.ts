import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runtimeRoleOf } from '@outpost/platform';

/**
 * The outcome told to a public reporter (notification.reporter-feedback-requested.v1): one row per (event, channel),
 * the intent recorded before anything is sent. No contact details here: the worker decrypts them from the lead row
 * at send time. The status view gains when the reporter was told.
 */
export class ReporterFeedback1767225600003 implements MigrationInterface {
  name = 'ReporterFeedback1767225600003';

  async up(q: QueryRunner): Promise<void> {
    const role = runtimeRoleOf(q);
    await q.query(`CREATE TABLE reporter_feedback (
      id              uuid PRIMARY KEY,
      lead_id         uuid NOT NULL REFERENCES lead(id),
      source_event_id text NOT NULL,
      channel         text NOT NULL CHECK (channel IN ('SMS', 'EMAIL')),
      status          text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'SENT', 'DEAD')),
      message         text NOT NULL,
      attempts        integer NOT NULL DEFAULT 0,
      last_error      text,
      provider_id     text,
      created_at      timestamptz NOT NULL DEFAULT now(),
      sent_at         timestamptz,
      CONSTRAINT reporter_feedback_event_channel_key UNIQUE (source_event_id, channel),
      CHECK ((status = 'SENT') = (sent_at IS NOT NULL))
    )`);
    await q.query(
      `COMMENT ON COLUMN reporter_feedback.source_event_id IS 'Id of the event that carried the outcome (escalation.lead-closed.v1): a repeated request finds its row'`,
    );
    await q.query(
      `COMMENT ON COLUMN reporter_feedback.message IS 'The text sent: public reference and the officer''s feedback only (no contact, no internal detail)'`,
    );
    await q.query(
      `CREATE INDEX reporter_feedback_pending_idx ON reporter_feedback (created_at) WHERE status = 'PENDING'`,
    );
    await q.query(`CREATE INDEX reporter_feedback_lead_idx ON reporter_feedback (lead_id)`);
    await q.query(`REVOKE DELETE, TRUNCATE ON reporter_feedback FROM "${role}"`);
    await q.query(`ALTER TABLE lead_status ADD COLUMN reporter_notified_at timestamptz`);
    await q.query(
      `COMMENT ON COLUMN lead_status.reporter_notified_at IS 'When the outcome reached the reporter (SMS/e-mail accepted by the provider)'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE lead_status DROP COLUMN IF EXISTS reporter_notified_at`);
    await q.query(`DROP TABLE IF EXISTS reporter_feedback`);
  }
}
