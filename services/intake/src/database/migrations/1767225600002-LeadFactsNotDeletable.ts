import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runtimeRoleOf } from '@outpost/platform';

/** Leads, their subject keys and evidence are facts as reported: the runtime role may not delete them. */
export class LeadFactsNotDeletable1767225600002 implements MigrationInterface {
  name = 'LeadFactsNotDeletable1767225600002';

  async up(q: QueryRunner): Promise<void> {
    const role = runtimeRoleOf(q);
    for (const t of ['lead', 'subject_key', 'evidence', 'source'])
      await q.query(`REVOKE DELETE, TRUNCATE ON ${t} FROM "${role}"`);
  }

  async down(q: QueryRunner): Promise<void> {
    const role = runtimeRoleOf(q);
    for (const t of ['lead', 'subject_key', 'evidence', 'source']) await q.query(`GRANT DELETE ON ${t} TO "${role}"`);
  }
}
