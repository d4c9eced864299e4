import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A head may refuse a requested measure (不予批准): REFUSED, with who and when in approved_by/approved_at. */
export class MeasureRefused1770000000000 implements MigrationInterface {
  name = 'MeasureRefused1770000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE measure DROP CONSTRAINT measure_status_check`);
    await q.query(
      `ALTER TABLE measure ADD CONSTRAINT measure_status_check CHECK (status IN ('REQUESTED', 'ACTIVE', 'RELEASED', 'DECIDED', 'REFUSED'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE measure DROP CONSTRAINT measure_status_check`);
    await q.query(
      `ALTER TABLE measure ADD CONSTRAINT measure_status_check CHECK (status IN ('REQUESTED', 'ACTIVE', 'RELEASED', 'DECIDED'))`,
    );
  }
}
