import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { PairingRow, RosterPersonRow } from './principal';

export interface AccountRow {
  person_id: string;
  login: string;
  password_hash: string;
  failed_attempts: number;
  locked_until: Date | null;
  disabled: boolean;
  must_change_password: boolean;
}

/** An account as administrators list it: who, its login and state; never the hash. */
export interface AccountListing {
  personId: string;
  name: string;
  roles: string[];
  unit: string | null;
  active: boolean;
  login: string | null;
  disabled: boolean;
  lockedUntil: Date | null;
  mustChangePassword: boolean;
  lastLoginAt: Date | null;
}

export interface RefreshTokenRow {
  id: string;
  person_id: string;
  family_id: string;
  expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
}

type Db = DataSource | EntityManager;

/** Accounts, refresh tokens and the roster copy (all gateway-owned tables). */
@Injectable()
export class AccountRepository {
  constructor(private readonly db: DataSource) {}

  async byLogin(login: string): Promise<AccountRow | null> {
    const rows: AccountRow[] = await this.db.query(
      `SELECT person_id, login, password_hash, failed_attempts, locked_until, disabled, must_change_password FROM account WHERE lower(login) = lower($1)`,
      [login],
    );
    return rows[0] ?? null;
  }

  async byPerson(personId: string, db: Db = this.db): Promise<AccountRow | null> {
    const rows: AccountRow[] = await db.query(
      `SELECT person_id, login, password_hash, failed_attempts, locked_until, disabled, must_change_password FROM account WHERE person_id = $1`,
      [personId],
    );
    return rows[0] ?? null;
  }

  /** Creates the account or leaves an existing one untouched (seeding is idempotent). */
  async createIfMissing(personId: string, login: string, passwordHash: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `INSERT INTO account (person_id, login, password_hash) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING person_id`,
      [personId, login, passwordHash],
    );
    return rows.length > 0;
  }

  /** Every person of the roster copy with their account, if any (administrators' list). */
  async listing(): Promise<AccountListing[]> {
    return this.db.query(
      `SELECT p.id AS "personId", p.name, p.roles, p.unit, p.active, a.login,
              COALESCE(a.disabled, false) AS disabled, a.locked_until AS "lockedUntil",
              COALESCE(a.must_change_password, false) AS "mustChangePassword", a.last_login_at AS "lastLoginAt"
         FROM roster_person p LEFT JOIN account a ON a.person_id = p.id
        WHERE NOT p.deleted ORDER BY p.id`,
    );
  }

  /** Creates an account; false when the person has one or the login is taken (case-insensitive). */
  async create(tx: EntityManager, a: { personId: string; login: string; passwordHash: string }): Promise<boolean> {
    const rows: unknown[] = await tx.query(
      `INSERT INTO account (person_id, login, password_hash, must_change_password) VALUES ($1, $2, $3, true)
       ON CONFLICT DO NOTHING RETURNING person_id`,
      [a.personId, a.login, a.passwordHash],
    );
    return rows.length > 0;
  }

  /**
   * Sets a new password hash: one an administrator issued must be changed at the next sign-in (`mustChange`), one its
   * owner chose need not. Clears the failure count and any lock.
   */
  async setPassword(tx: EntityManager, personId: string, passwordHash: string, mustChange: boolean): Promise<void> {
    await tx.query(
      `UPDATE account SET password_hash = $2, must_change_password = $3, failed_attempts = 0, locked_until = NULL,
              password_changed_at = now(), updated_at = now()
        WHERE person_id = $1`,
      [personId, passwordHash, mustChange],
    );
  }

  async setDisabled(personId: string, disabled: boolean, db: Db = this.db): Promise<void> {
    await db.query(`UPDATE account SET disabled = $2, updated_at = now() WHERE person_id = $1`, [personId, disabled]);
  }

  async unlock(tx: EntityManager, personId: string): Promise<void> {
    await tx.query(
      `UPDATE account SET failed_attempts = 0, locked_until = NULL, updated_at = now() WHERE person_id = $1`,
      [personId],
    );
  }

  /** Ends every session of a person (password reset, account disabled). */
  async revokeSessionsOf(db: Db, personId: string): Promise<void> {
    await db.query(`UPDATE refresh_token SET revoked_at = now() WHERE person_id = $1 AND revoked_at IS NULL`, [
      personId,
    ]);
  }

  /**
   * Counts a failed password; the failure that reaches `max` locks the account until now + lockMinutes and starts
   * the count again. One statement, so concurrent failures cannot undercount. Returns the lock end when locked now.
   */
  async recordFailure(personId: string, max: number, lockMinutes: number): Promise<Date | null> {
    // TypeORM answers an UPDATE … RETURNING with [rows, affectedCount].
    const [rows]: [Array<{ locked_until: Date | null }>, number] = await this.db.query(
      `UPDATE account SET
         locked_until = CASE WHEN failed_attempts + 1 >= $2 THEN now() + make_interval(mins => $3) ELSE locked_until END,
         failed_attempts = CASE WHEN failed_attempts + 1 >= $2 THEN 0 ELSE failed_attempts + 1 END,
         updated_at = now()
       WHERE person_id = $1
       RETURNING locked_until`,
      [personId, max, lockMinutes],
    );
    const until = rows[0]?.locked_until ?? null;
    return until && until.getTime() > Date.now() ? until : null;
  }

  async recordSuccess(personId: string): Promise<void> {
    await this.db.query(
      `UPDATE account SET failed_attempts = 0, locked_until = NULL, last_login_at = now(), updated_at = now() WHERE person_id = $1`,
      [personId],
    );
  }

  async person(personId: string, db: Db = this.db): Promise<RosterPersonRow | null> {
    const rows: RosterPersonRow[] = await db.query(`SELECT * FROM roster_person WHERE id = $1`, [personId]);
    return rows[0] ?? null;
  }

  async pairingsOf(personId: string, db: Db = this.db): Promise<PairingRow[]> {
    return db.query(
      `SELECT id, volunteer_id, sentinel_id, grid_ids, status FROM roster_pairing
       WHERE NOT deleted AND (volunteer_id = $1 OR sentinel_id = $1) ORDER BY id`,
      [personId],
    );
  }

  // ── refresh tokens ──────────────────────────────────────────────────────────────────────────────────────────

  async insertRefreshToken(
    db: Db,
    t: { id: string; personId: string; familyId: string; tokenHash: string; expiresAt: Date },
  ): Promise<void> {
    await db.query(
      `INSERT INTO refresh_token (id, person_id, family_id, token_hash, expires_at) VALUES ($1, $2, $3, $4, $5)`,
      [t.id, t.personId, t.familyId, t.tokenHash, t.expiresAt],
    );
  }

  async lockRefreshToken(tx: EntityManager, tokenHash: string): Promise<RefreshTokenRow | null> {
    const rows: RefreshTokenRow[] = await tx.query(
      `SELECT id, person_id, family_id, expires_at, used_at, revoked_at FROM refresh_token WHERE token_hash = $1 FOR UPDATE`,
      [tokenHash],
    );
    return rows[0] ?? null;
  }

  async markUsed(tx: EntityManager, id: string): Promise<void> {
    await tx.query(`UPDATE refresh_token SET used_at = now() WHERE id = $1`, [id]);
  }

  async revokeFamily(db: Db, familyId: string): Promise<void> {
    await db.query(`UPDATE refresh_token SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL`, [
      familyId,
    ]);
  }

  /** A session is live while its family has an unrevoked, unexpired token. */
  async sessionLive(familyId: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `SELECT 1 FROM refresh_token WHERE family_id = $1 AND revoked_at IS NULL AND expires_at > now() LIMIT 1`,
      [familyId],
    );
    return rows.length > 0;
  }
}
