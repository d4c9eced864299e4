import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Routing picks the pair with the fewest open leads, then the one assigned longest ago (RosterRepository
 * pairingsByLoad): `max(assigned_at)` per pairing read the whole assessment table on every routed lead without it.
 */
export class PairingLastAssignedIndex1769600000001 implements MigrationInterface {
  name = 'PairingLastAssignedIndex1769600000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX assessment_pairing_assigned_idx ON assessment (pairing_id, assigned_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX assessment_pairing_assigned_idx`);
  }
}
