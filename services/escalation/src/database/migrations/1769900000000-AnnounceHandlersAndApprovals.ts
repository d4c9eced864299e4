import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * escalation.case-state-changed.v1 now also carries the case's handler, its pending approvals and its due time: the open
 * cases are announced once more (CaseStateAnnouncer, at the next start), so readers learn them for cases whose last
 * step was announced without them.
 */
export class AnnounceHandlersAndApprovals1769900000000 implements MigrationInterface {
  name = 'AnnounceHandlersAndApprovals1769900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE case_state_announcement SET done_at = NULL`);
  }

  async down(): Promise<void> {
    // Nothing to undo: an announcement repeats what is already true.
  }
}
