import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runtimeRoleOf } from '@outpost/platform';

/**
 * Escalation's copy of the roster's people (assessment.roster-changed.v1): who may be named as a case's handler, its
 * investigators or a task's assignee. Names and roles only; contacts stay with the services that need them.
 */
export class PeopleCopy1769900000002 implements MigrationInterface {
  name = 'PeopleCopy1769900000002';

  async up(q: QueryRunner): Promise<void> {
    const role = runtimeRoleOf(q);
    await q.query(`
      CREATE TABLE person (
        id      text PRIMARY KEY,
        name    text NOT NULL,
        roles   text[] NOT NULL,
        active  boolean NOT NULL,
        deleted boolean NOT NULL DEFAULT false
      )`);
    await q.query(`GRANT SELECT, INSERT, UPDATE ON person TO "${role}"`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE person`);
  }
}
