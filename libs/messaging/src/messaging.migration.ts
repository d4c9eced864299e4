import type { MigrationInterface, QueryRunner } from 'typeorm';
import { outboxChannel, quoteIdent } from './sql-identifier';

/**
 * SQL for a service's first migration: the outbox (written by use cases, drained by the relay), the inbox (event ids
 * a consumer group has handled, written in the handler's transaction) and the dead_letter table, with the trigger that
 * wakes the relay, and least-privilege grants for the service's runtime role. Run `up` in order, `down` to revert.
 */
export function messagingMigration(schema: string, runtimeRole: string): { up: string[]; down: string[] } {
  const s = quoteIdent(schema);
  const role = quoteIdent(runtimeRole);
  const channel = outboxChannel(schema);
  return {
    up: [
      `CREATE SCHEMA IF NOT EXISTS ${s}`,
      `CREATE TABLE ${s}.outbox (
        seq        bigserial PRIMARY KEY,
        id         uuid        NOT NULL UNIQUE,
        topic      text        NOT NULL,
        key        text        NOT NULL,
        value      text        NOT NULL,
        headers    jsonb       NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at    timestamptz
      )`,
      `COMMENT ON TABLE ${s}.outbox IS 'Transactional outbox: events written with the state change; the relay publishes them to Kafka and sets sent_at'`,
      `COMMENT ON COLUMN ${s}.outbox.value IS 'The JSON envelope exactly as it goes on the wire'`,
      `CREATE INDEX outbox_pending_idx ON ${s}.outbox (seq) WHERE sent_at IS NULL`,
      `CREATE INDEX outbox_sent_at_idx ON ${s}.outbox (sent_at) WHERE sent_at IS NOT NULL`,
      `CREATE FUNCTION ${s}.outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         PERFORM pg_notify('${channel}', '');
         RETURN NULL;
       END $$`,
      // Per statement, not per row: one wake-up per transaction is enough (NOTIFY is delivered at commit, deduplicated).
      `CREATE TRIGGER outbox_notify AFTER INSERT ON ${s}.outbox FOR EACH STATEMENT EXECUTE FUNCTION ${s}.outbox_notify()`,
      `CREATE TABLE ${s}.inbox (
        consumer_group text        NOT NULL,
        event_id       uuid        NOT NULL,
        topic          text        NOT NULL,
        handled_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer_group, event_id)
      )`,
      `COMMENT ON TABLE ${s}.inbox IS 'Event ids a consumer group has applied; inserted in the same transaction as the effect'`,
      `CREATE INDEX inbox_handled_at_idx ON ${s}.inbox (handled_at)`,
      `CREATE TABLE ${s}.dead_letter (
        id               uuid        PRIMARY KEY,
        consumer_group   text        NOT NULL,
        topic            text        NOT NULL,
        kafka_partition  integer     NOT NULL,
        kafka_offset     bigint      NOT NULL,
        event_id         uuid,
        message_key      text,
        message_value    text,
        headers          jsonb       NOT NULL DEFAULT '{}'::jsonb,
        reason           text        NOT NULL CHECK (reason IN ('HANDLER_FAILED', 'INVALID_MESSAGE')),
        error            text        NOT NULL,
        attempts         integer     NOT NULL,
        status           text        NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'REPLAYED', 'DISCARDED')),
        created_at       timestamptz NOT NULL DEFAULT now(),
        replayed_at      timestamptz,
        discarded_at     timestamptz,
        discard_reason   text,
        UNIQUE (consumer_group, topic, kafka_partition, kafka_offset)
      )`,
      `COMMENT ON TABLE ${s}.dead_letter IS 'Messages a consumer group gave up on (also produced to <topic>.dlq); replay or discard them'`,
      `CREATE INDEX dead_letter_status_idx ON ${s}.dead_letter (status, created_at)`,
      `GRANT USAGE ON SCHEMA ${s} TO ${role}`,
      `GRANT SELECT, INSERT, UPDATE, DELETE ON ${s}.outbox TO ${role}`,
      `GRANT USAGE, SELECT ON SEQUENCE ${s}.outbox_seq_seq TO ${role}`,
      `GRANT SELECT, INSERT, DELETE ON ${s}.inbox TO ${role}`,
      `GRANT SELECT, INSERT, UPDATE ON ${s}.dead_letter TO ${role}`,
    ],
    down: [
      `DROP TABLE IF EXISTS ${s}.dead_letter`,
      `DROP TABLE IF EXISTS ${s}.inbox`,
      `DROP TRIGGER IF EXISTS outbox_notify ON ${s}.outbox`,
      `DROP TABLE IF EXISTS ${s}.outbox`,
      `DROP FUNCTION IF EXISTS ${s}.outbox_notify()`,
    ],
  };
}

/**
 * A later migration for every service: the relay is woken in-process after commit (outbox-wake.ts) instead of by the
 * NOTIFY trigger above, which serialised every writing transaction's commit behind the previous one's WAL flush.
 */
export function outboxNotifyDroppedMigration(): new () => MigrationInterface {
  return class OutboxWakeInProcess1769500000000 implements MigrationInterface {
    name = 'OutboxWakeInProcess1769500000000';

    async up(q: QueryRunner): Promise<void> {
      const s = quoteIdent(migrationSchema(q));
      await q.query(`DROP TRIGGER IF EXISTS outbox_notify ON ${s}.outbox`);
      await q.query(`DROP FUNCTION IF EXISTS ${s}.outbox_notify()`);
    }

    async down(q: QueryRunner): Promise<void> {
      const schema = migrationSchema(q);
      const s = quoteIdent(schema);
      await q.query(`CREATE FUNCTION ${s}.outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          PERFORM pg_notify('${outboxChannel(schema)}', '');
          RETURN NULL;
        END $$`);
      await q.query(
        `CREATE TRIGGER outbox_notify AFTER INSERT ON ${s}.outbox FOR EACH STATEMENT EXECUTE FUNCTION ${s}.outbox_notify()`,
      );
    }
  };
}

/**
 * A later migration for every service: each outbox row records the id of the transaction that wrote it (`tx`), and
 * pending rows are indexed by it. The relay then scans only rows written by transactions that were still running at
 * its previous complete scan (`OutboxRelay`'s floor), instead of walking the index entries of every row it has sent
 * since the last VACUUM: with autovacuum slow or off, that walk grew by one entry per event and made each batch
 * slower than the last.
 */
export function outboxPendingByTxMigration(): new () => MigrationInterface {
  return class OutboxPendingByTx1769600000000 implements MigrationInterface {
    name = 'OutboxPendingByTx1769600000000';

    async up(q: QueryRunner): Promise<void> {
      for (const sql of outboxPendingByTxSql(migrationSchema(q))) await q.query(sql);
    }

    async down(q: QueryRunner): Promise<void> {
      const s = quoteIdent(migrationSchema(q));
      await q.query(`CREATE INDEX outbox_pending_idx ON ${s}.outbox (seq) WHERE sent_at IS NULL`);
      await q.query(`DROP INDEX ${s}.outbox_pending_tx_idx`);
      await q.query(`ALTER TABLE ${s}.outbox DROP COLUMN tx`);
    }
  };
}

/** The statements of `outboxPendingByTxMigration` (for tests that build a schema from `messagingMigration` by hand). */
export function outboxPendingByTxSql(schema: string): string[] {
  const s = quoteIdent(schema);
  return [
    `ALTER TABLE ${s}.outbox ADD COLUMN tx xid8 NOT NULL DEFAULT pg_current_xact_id()`,
    `COMMENT ON COLUMN ${s}.outbox.tx IS 'Transaction that wrote the row (bounds the relay''s scan)'`,
    `CREATE INDEX outbox_pending_tx_idx ON ${s}.outbox (tx) WHERE sent_at IS NULL`,
    `DROP INDEX ${s}.outbox_pending_idx`,
  ];
}

function migrationSchema(q: QueryRunner): string {
  const schema = (q.connection.options as { schema?: string }).schema;
  if (!schema) throw new Error('migration DataSource has no schema');
  return schema;
}
