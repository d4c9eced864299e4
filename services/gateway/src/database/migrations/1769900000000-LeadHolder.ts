import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who holds a lead now (its 承办人): the assigned volunteer or pair member until the decision, then the disposal case's
 * handler (escalation.case-state-changed.v1 `handlerId`), back to the assignee when a reopened lead is assessed again.
 * `holder_id`/`holder_name` are derived by Postgres from the stored facts, so the rule lives in one place and the
 * 我的任务 queue is one indexed equality. Cases opened before the handler travelled take it from the case-opened
 * facts already on the row.
 */
export class LeadHolder1769900000000 implements MigrationInterface {
  name = 'LeadHolder1769900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE lead_view ADD COLUMN handler_id text, ADD COLUMN handler_name text`);
    await q.query(
      `UPDATE lead_view v SET handler_id = v.facts->'case'->>'handlerId',
         handler_name = (SELECT p.name FROM roster_person p WHERE p.id = v.facts->'case'->>'handlerId')
       WHERE v.facts->'case'->>'handlerId' IS NOT NULL`,
    );
    const afterDecision = `status IN ('DECIDED', 'DISPOSING', 'MONITORING', 'CLOSED') AND handler_id IS NOT NULL`;
    await q.query(
      `ALTER TABLE lead_view
         ADD COLUMN holder_id text GENERATED ALWAYS AS
           (CASE WHEN ${afterDecision} THEN handler_id ELSE assignee_id END) STORED,
         ADD COLUMN holder_name text GENERATED ALWAYS AS
           (CASE WHEN ${afterDecision} THEN handler_name ELSE assignee_name END) STORED`,
    );
    await q.query(`CREATE INDEX lead_view_holder_idx ON lead_view (holder_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE lead_view DROP COLUMN holder_name, DROP COLUMN holder_id, DROP COLUMN handler_name, DROP COLUMN handler_id`,
    );
  }
}
