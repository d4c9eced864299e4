import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The disposal case's own state (escalation.case-state-changed.v1: REFERRAL_PENDING_APPROVAL, INTERVIEW, …) on the
 * lead's row, so a queue can list the cases waiting for a given role (a head's approval of a referral, say). Cases
 * opened before this column existed get their state with their next step.
 */
export class LeadCaseState1769800000000 implements MigrationInterface {
  name = 'LeadCaseState1769800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE lead_view ADD COLUMN case_state text`);
    await q.query(`CREATE INDEX lead_view_case_state_idx ON lead_view (case_state) WHERE case_state IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE lead_view DROP COLUMN case_state`);
  }
}
