import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A lead's 办理期限 comes from the stage that holds it: the assessment deadline of its assignment until the decision
 * (which meets it), then the earliest open legal clock of its disposal case (escalation.case-state-changed.v1 `dueAt`).
 * Events of different topics arrive in any order, so `due_set_at` keeps the time of the event that set `due_at`, and
 * only a later event changes it. Decided leads lose the assessment deadline they kept until now (it made them look
 * overdue); escalation announces their cases' due times again.
 */
export class LeadDueSource1770100000000 implements MigrationInterface {
  name = 'LeadDueSource1770100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE lead_view ADD COLUMN due_set_at timestamptz`);
    await q.query(
      `UPDATE lead_view SET due_at = NULL, due_set_at = status_at WHERE status IN ('DECIDED', 'DISPOSING', 'MONITORING')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE lead_view DROP COLUMN due_set_at`);
  }
}
