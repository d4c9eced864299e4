import {
  AUDIT_LOG_COLUMNS,
  type AuditEntry,
  type AuditEntryInput,
  AuditLog,
  auditMigration,
  computeEntryHash,
  rowToEntry,
} from '../src';
import { type TestDatabase, createTestDatabase } from '@outpost/testing';
import { DataSource } from 'typeorm';

/** The least-privilege role the tests write as (cluster-wide, created once, shared by every test file). */
export const RUNTIME_ROLE = 'outpost_audit_test';

export interface AuditTestDb {
  db: TestDatabase;
  /** Superuser connection: migrations and tampering. */
  admin: DataSource;
  /** Connection as RUNTIME_ROLE: what a service would write with. */
  runtime: DataSource;
  close(): Promise<void>;
}

function withUser(url: string, user: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = '';
  return u.toString();
}

export async function openAuditTestDb(label: string, poolSize = 10): Promise<AuditTestDb> {
  const db = await createTestDatabase(label);
  const admin = await new DataSource({ type: 'postgres', url: db.adminUrl, extra: { max: 4 } }).initialize();
  // Concurrent test files may race to create the role: treat "already exists" as success.
  await admin.query(`DO $$ BEGIN
      CREATE ROLE ${RUNTIME_ROLE} LOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END $$`);
  const runtime = await new DataSource({
    type: 'postgres',
    url: withUser(db.adminUrl, RUNTIME_ROLE),
    extra: { max: poolSize },
  }).initialize();
  return {
    db,
    admin,
    runtime,
    async close() {
      await runtime.destroy();
      await admin.destroy();
      await db.drop();
    },
  };
}

export async function migrate(t: AuditTestDb, schema: string, chains = 8): Promise<AuditLog> {
  await t.admin.transaction(async (tx) => {
    for (const sql of auditMigration(schema, RUNTIME_ROLE, { chains }).up) await tx.query(sql);
  });
  return new AuditLog({ schema });
}

let n = 0;
export function entryInput(i = n++): AuditEntryInput {
  return {
    leadId: `lead-${i % 7}`,
    actor: i % 3 === 0 ? { type: 'system' } : { type: 'user', userId: `u-${i % 5}`, role: 'OFFICER', name: '李四' },
    action: 'lead.transitioned',
    fromState: 'REPORTED',
    toState: 'TRIAGED',
    reason: i % 2 === 0 ? null : `reason ${i}`,
    payload: { i, note: '说明' },
  };
}

/** Appends `count` entries in one transaction as the runtime role (one chain). */
export async function seed(t: AuditTestDb, log: AuditLog, count: number): Promise<AuditEntry[]> {
  return t.runtime.transaction((tx) =>
    log.appendMany(
      tx,
      Array.from({ length: count }, () => entryInput()),
    ),
  );
}

export async function chainEntries(t: AuditTestDb, schema: string, chain: number): Promise<AuditEntry[]> {
  const rows = await t.admin.query(
    `SELECT ${AUDIT_LOG_COLUMNS} FROM "${schema}".audit_log WHERE chain = $1 ORDER BY seq`,
    [chain],
  );
  return rows.map(rowToEntry);
}

/** Runs `fn` as the superuser with the audit triggers off: what an attacker with admin rights can do. */
export async function tamper(
  t: AuditTestDb,
  schema: string,
  fn: (q: (sql: string, params?: unknown[]) => Promise<unknown>) => Promise<void>,
): Promise<void> {
  await t.admin.transaction(async (tx) => {
    await tx.query(`ALTER TABLE "${schema}".audit_log DISABLE TRIGGER USER`);
    await tx.query(`ALTER TABLE "${schema}".audit_head DISABLE TRIGGER USER`);
    await fn((sql, params) => tx.query(sql, params));
    await tx.query(`ALTER TABLE "${schema}".audit_log ENABLE TRIGGER USER`);
    await tx.query(`ALTER TABLE "${schema}".audit_head ENABLE TRIGGER USER`);
  });
}

/** Replaces a chain's entries from `fromSeq` on with `entries` (hashes recomputed with the real algorithm) and moves the head. */
export async function rewriteChain(
  t: AuditTestDb,
  schema: string,
  chain: number,
  entries: AuditEntry[],
): Promise<void> {
  await tamper(t, schema, async (q) => {
    await q(`DELETE FROM "${schema}".audit_log WHERE chain = $1`, [chain]);
    for (const e of entries) {
      await q(
        `INSERT INTO "${schema}".audit_log (${AUDIT_LOG_COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`,
        [
          e.chain,
          e.seq,
          e.leadId,
          JSON.stringify(e.actor),
          e.action,
          e.fromState,
          e.toState,
          e.reason,
          e.payloadDigest,
          e.at,
          e.prevHash,
          e.hash,
        ],
      );
    }
    const last = entries.at(-1);
    if (last)
      await q(`UPDATE "${schema}".audit_head SET seq = $2, hash = $3 WHERE chain = $1`, [chain, last.seq, last.hash]);
  });
}

/** Re-links entries into a valid-looking chain: what an attacker who knows the algorithm does after an edit. */
export function relink(entries: AuditEntry[], prevHash: string): AuditEntry[] {
  const out: AuditEntry[] = [];
  let prev = prevHash;
  for (const e of entries) {
    const fields = { ...e, prevHash: prev };
    const hash = computeEntryHash(fields);
    out.push({ ...fields, hash });
    prev = hash;
  }
  return out;
}
