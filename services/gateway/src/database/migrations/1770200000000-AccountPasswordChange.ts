import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Accounts an administrator creates or resets get a one-time password: `must_change_password` holds the account to
 * changing it (the gateway answers nothing else) until its owner has. Seeded demo accounts keep theirs.
 */
export class AccountPasswordChange1770200000000 implements MigrationInterface {
  name = 'AccountPasswordChange1770200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE account ADD COLUMN must_change_password boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE account ADD COLUMN password_changed_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE account DROP COLUMN password_changed_at, DROP COLUMN must_change_password`);
  }
}
