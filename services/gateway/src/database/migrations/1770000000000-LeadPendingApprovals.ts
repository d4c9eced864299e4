import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How many of the lead's disposal-case requests wait for a head's approval (escalation.case-state-changed.v1
 * `pendingApprovals`: the referral, measures such as a seizure), so the 待审批 queue lists them all. Rows of cases
 * announced before the count travelled start from their referral state; escalation announces every open case again.
 */
export class LeadPendingApprovals1770000000000 implements MigrationInterface {
  name = 'LeadPendingApprovals1770000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE lead_view ADD COLUMN pending_approvals integer NOT NULL DEFAULT 0`);
    await q.query(`UPDATE lead_view SET pending_approvals = 1 WHERE case_state = 'REFERRAL_PENDING_APPROVAL'`);
    await q.query(`CREATE INDEX lead_view_pending_approvals_idx ON lead_view (id) WHERE pending_approvals > 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE lead_view DROP COLUMN pending_approvals`);
  }
}
