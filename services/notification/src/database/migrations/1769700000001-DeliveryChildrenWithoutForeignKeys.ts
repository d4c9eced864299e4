import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * delivery_history and inbox_item lose their foreign keys to delivery. Every row of them is written by a statement
 * that inserts or updates (and so holds) its delivery row — DeliveryRepository's CTEs, InboxChannel for a claimed
 * delivery — and deliveries are never deleted, so the check could not fail; it cost a locking read of the delivery per
 * row (about three history rows per delivery, ten deliveries per red lead), a third of inserting the history.
 */
export class DeliveryChildrenWithoutForeignKeys1769700000001 implements MigrationInterface {
  name = 'DeliveryChildrenWithoutForeignKeys1769700000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE delivery_history DROP CONSTRAINT IF EXISTS delivery_history_delivery_id_fkey`);
    await q.query(`ALTER TABLE inbox_item DROP CONSTRAINT IF EXISTS inbox_item_delivery_id_fkey`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE delivery_history ADD CONSTRAINT delivery_history_delivery_id_fkey FOREIGN KEY (delivery_id) REFERENCES delivery (id)`,
    );
    await q.query(
      `ALTER TABLE inbox_item ADD CONSTRAINT inbox_item_delivery_id_fkey FOREIGN KEY (delivery_id) REFERENCES delivery (id)`,
    );
  }
}
