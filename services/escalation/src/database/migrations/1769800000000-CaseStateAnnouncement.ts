import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runtimeRoleOf } from '@outpost/platform';

/**
 * Cases opened before escalation.case-state-changed.v1 existed have never announced their state. This one-row table
 * says whether that was done: CaseStateAnnouncer claims it once (the first instance to start after this migration)
 * and announces the state of every case still open.
 */
export class CaseStateAnnouncement1769800000000 implements MigrationInterface {
  name = 'CaseStateAnnouncement1769800000000';

  async up(q: QueryRunner): Promise<void> {
    const role = runtimeRoleOf(q);
    await q.query(`CREATE TABLE case_state_announcement (id int PRIMARY KEY CHECK (id = 1), done_at timestamptz)`);
    await q.query(`INSERT INTO case_state_announcement (id, done_at) VALUES (1, NULL)`);
    await q.query(`GRANT SELECT, UPDATE ON case_state_announcement TO "${role}"`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE case_state_announcement`);
  }
}
