/** Schema and role names go into DDL (no bind parameters there), so only plain lower-case identifiers pass. */
export function timerSqlIdent(name: string, what: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name))
    throw new Error(`invalid SQL ${what} "${name}": use lower-case letters, digits and _`);
  return `"${name}"`;
}

/**
 * DDL for the service's `timer` table, to run as the admin role inside the service's TypeORM migration:
 * `for (const sql of timersMigration('assessment', 'outpost_assessment').up) await queryRunner.query(sql)`.
 * The runtime role may read, insert and update timers, never delete them (a timer's history is kept).
 */
export function timersMigration(schema: string, runtimeRole: string): { up: string[]; down: string[] } {
  const s = timerSqlIdent(schema, 'schema');
  const role = timerSqlIdent(runtimeRole, 'role');
  return {
    up: [
      `CREATE SCHEMA IF NOT EXISTS ${s}`,
      `CREATE TABLE ${s}.timer (
        id          text        PRIMARY KEY CHECK (id <> ''),
        kind        text        NOT NULL CHECK (kind <> ''),
        subject_id  text        NOT NULL,
        fire_at     timestamptz NOT NULL,
        payload     jsonb       NOT NULL DEFAULT '{}'::jsonb,
        status      text        NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'FIRED', 'CANCELLED')),
        fired_at    timestamptz NULL,
        attempts    integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        last_error  text        NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT timer_fired_at_iff_fired CHECK ((status = 'FIRED') = (fired_at IS NOT NULL))
      )`,
      `COMMENT ON TABLE ${s}.timer IS 'Durable timers (libs/clock): the due time lives here; BullMQ jobs only carry it out.'`,
      `CREATE INDEX timer_pending_fire_at_idx ON ${s}.timer (fire_at, id) WHERE status = 'PENDING'`,
      `CREATE INDEX timer_subject_idx ON ${s}.timer (subject_id, fire_at)`,
      `GRANT USAGE ON SCHEMA ${s} TO ${role}`,
      // Explicit REVOKE: default privileges of the service schema may include DELETE; timers keep their history.
      `REVOKE ALL ON ${s}.timer FROM ${role}`,
      `GRANT SELECT, INSERT, UPDATE ON ${s}.timer TO ${role}`,
    ],
    down: [`DROP TABLE IF EXISTS ${s}.timer`],
  };
}
