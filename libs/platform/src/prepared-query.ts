import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';
import { DataSource, type EntityManager } from 'typeorm';
import { rawPoolOf } from './database';

/**
 * Runs a hot statement as a NAMED prepared statement: Postgres parses it once per connection and, after a few runs,
 * keeps a generic plan instead of planning it on every call. An unnamed statement (TypeORM's `query`) is parsed and
 * planned each time: for the consumers' multi-CTE statements, planning was 40–110 % of their execution time at 100
 * leads/s. Only for statements whose TEXT is one of a fixed set (parameters carry every value): each distinct text
 * stays prepared on every connection that ran it, for the connection's life.
 *
 * In a transaction (an EntityManager with a QueryRunner) it runs on that transaction's connection; otherwise on any
 * pooled one. Returns the rows (RETURNING or SELECT). Errors are pg's (SQLSTATE in `code`), not TypeORM-wrapped.
 */
export async function preparedQuery<T = Record<string, unknown>>(
  db: DataSource | EntityManager,
  text: string,
  values: unknown[],
): Promise<T[]> {
  const query = { name: statementName(text), text, values };
  const runner = db instanceof DataSource ? undefined : db.queryRunner;
  if (runner && !runner.isReleased) {
    const client = (await runner.connect()) as PoolClient;
    return (await client.query(query)).rows as T[];
  }
  const source = db instanceof DataSource ? db : db.connection;
  return (await rawPoolOf(source).query(query)).rows as T[];
}

const names = new Map<string, string>();

/** A stable name per statement text (Postgres allows 63 bytes). */
function statementName(text: string): string {
  let name = names.get(text);
  if (!name) {
    name = `outpost_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
    names.set(text, name);
  }
  return name;
}

/** Numbers the names SessionStatements prepare: unique in the process, so two statements never take the same name. */
let generation = 0;

/**
 * A statement prepared with SQL `PREPARE` on each connection that runs it, for simple-query chains such as
 * `BEGIN; …; EXECUTE name(…); COMMIT` that send a whole transaction in one round trip. (preparedQuery's named statements
 * use the extended protocol: one statement per round trip, no BEGIN or COMMIT beside them.) Postgres then plans it
 * from the sixth run on with a generic plan instead of planning every call: for intake's registration statements,
 * planning cost as much as half their execution.
 *
 * A generic plan is kept for the connection's life, and with autovacuum off (the development machines) nothing
 * invalidates it as tables grow: one made while a table held a handful of rows could scan it whole forever. So the
 * statement is prepared afresh on a connection after 16 runs, then 32, 64 … up to every `maxRunsPerPlan`: each plan
 * is made with the tables at least half the size they have while it is used (for a table growing with the runs).
 * Statements whose every lookup is an index probe whatever the estimates (see intake's registration read) do not
 * depend on it.
 *
 * `PREPARE` and `DEALLOCATE` are not undone by a rollback. After a query carrying `sql()` fails, call `forget(client)`:
 * whether its PREPARE ran is unknown, so the next run on that connection prepares under a new name.
 */
export class SessionStatement {
  private readonly prepared = new WeakMap<object, { name: string; runs: number; replanAt: number }>();

  /**
   * @param name   base of the statement's names (an SQL identifier; a generation number is appended)
   * @param types  SQL types of $1, $2, …
   * @param body   the statement, its values as $1, $2, …
   */
  constructor(
    private readonly name: string,
    private readonly types: string[],
    readonly body: string,
    private readonly maxRunsPerPlan = 1024,
  ) {
    if (!/^[a-z_][a-z0-9_]{0,40}$/.test(name)) throw new Error(`SessionStatement: bad name ${name}`);
  }

  /**
   * SQL running the statement on `client` with these arguments (SQL literals or expressions, one per type), preceded
   * by its PREPARE (and the DEALLOCATE of the previous one) when this connection has not prepared it or is due to
   * re-plan. Put it after the transaction's BEGIN.
   */
  sql(client: object, args: string[]): string {
    if (args.length !== this.types.length) throw new Error(`SessionStatement ${this.name}: ${args.length} arguments`);
    let s = this.prepared.get(client);
    let prepare = '';
    if (!s || s.runs >= s.replanAt) {
      const name = `${this.name}_${++generation}`;
      const types = this.types.length ? `(${this.types.join(', ')})` : '';
      prepare = `${s ? `DEALLOCATE ${s.name}; ` : ''}PREPARE ${name}${types} AS ${this.body}; `;
      s = { name, runs: 0, replanAt: s ? Math.min(s.replanAt * 2, this.maxRunsPerPlan) : 16 };
      this.prepared.set(client, s);
    }
    s.runs += 1;
    return `${prepare}EXECUTE ${s.name}${args.length ? `(${args.join(', ')})` : ''}`;
  }

  /** After a failed query that carried `sql(client, …)`: the next run on that connection prepares under a new name. */
  forget(client: object): void {
    this.prepared.delete(client);
  }
}
