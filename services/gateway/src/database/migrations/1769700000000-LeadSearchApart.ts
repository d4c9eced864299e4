import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runtimeRoleOf } from '@outpost/platform';

/**
 * The search text (reference, title, description, subjects, source) moves from lead_view to its own table, written
 * once per registration. lead_view changes several times per lead (status, assignee, due date…), and every such
 * update is a new row version that inserts into each of the row's indexes: the trigram GIN index re-indexed the whole
 * unchanged text each time, the largest share of the read model's Postgres time at 100 leads/s.
 */
export class LeadSearchApart1769700000000 implements MigrationInterface {
  name = 'LeadSearchApart1769700000000';

  async up(q: QueryRunner): Promise<void> {
    const role = runtimeRoleOf(q);
    await q.query(`CREATE TABLE lead_search (id text PRIMARY KEY, search_text text NOT NULL)`);
    await q.query(
      `INSERT INTO lead_search (id, search_text) SELECT id, search_text FROM lead_view WHERE search_text <> ''`,
    );
    // Trigram index: ILIKE '%词%' over Chinese names and descriptions (no word segmentation needed).
    await q.query(`CREATE INDEX lead_search_trgm_idx ON lead_search USING gin (search_text public.gin_trgm_ops)`);
    await q.query(`DROP INDEX lead_view_search_trgm_idx`);
    await q.query(`ALTER TABLE lead_view DROP COLUMN search_text`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON lead_search TO "${role}"`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE lead_view ADD COLUMN search_text text NOT NULL DEFAULT ''`);
    await q.query(`UPDATE lead_view v SET search_text = s.search_text FROM lead_search s WHERE s.id = v.id`);
    await q.query(`CREATE INDEX lead_view_search_trgm_idx ON lead_view USING gin (search_text public.gin_trgm_ops)`);
    await q.query(`DROP TABLE lead_search`);
  }
}
