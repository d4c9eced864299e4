import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The operators' list of deliveries by status (GET /v1/deliveries?status=DEAD,UNCERTAIN, newest change first) without
 * reading the whole delivery log: dead and uncertain deliveries are few among millions sent.
 */
export class DeliveryStatusIndex1770000000001 implements MigrationInterface {
  name = 'DeliveryStatusIndex1770000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX IF NOT EXISTS delivery_status_idx ON delivery (status, updated_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS delivery_status_idx`);
  }
}
