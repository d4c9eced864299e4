import { Injectable } from '@nestjs/common';
import type { Pairing, Person, Role } from '@outpost/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import { returningRows } from '../shared/sql';
import type { PairingInput, PersonInput } from './roster.schemas';

type Db = DataSource | EntityManager;

interface PersonRow {
  id: string;
  name: string;
  roles: Role[];
  can_certify: boolean;
  unit: string | null;
  institution: string | null;
  branch: string | null;
  volunteer_roles: Person['volunteerRoles'];
  street_codes: string[];
  grid_ids: string[];
  phone: string | null;
  email: string | null;
  active: boolean;
}

interface PairingRow {
  id: string;
  volunteer_id: string;
  sentinel_id: string;
  grid_ids: string[];
  agreement_signed_at: Date | null;
  contact_cadence: string | null;
  status: Pairing['status'];
}

export type PairingRecord = Pairing & { contactCadence: string | null };

/** A pairing as routing weighs it (see RosterRepository.pairingLoads). */
export type PairingLoad = PairingRecord & {
  open: number;
  lastAssignedUs: number | null;
  rank: number;
  volunteerName: string;
};

/** Least loaded first: fewest open assessments, then the one assigned longest ago (round robin among equals), then id. */
export function byLoad(a: PairingLoad, b: PairingLoad): number {
  if (a.open !== b.open) return a.open - b.open;
  if (a.lastAssignedUs !== b.lastAssignedUs) {
    if (a.lastAssignedUs === null) return -1;
    if (b.lastAssignedUs === null) return 1;
    return a.lastAssignedUs - b.lastAssignedUs;
  }
  return a.rank - b.rank;
}

const toPerson = (r: PersonRow): Person => ({
  id: r.id,
  name: r.name,
  roles: r.roles,
  canCertify: r.can_certify,
  unit: r.unit,
  institution: r.institution,
  branch: r.branch,
  volunteerRoles: r.volunteer_roles,
  streetCodes: r.street_codes,
  gridIds: r.grid_ids,
  phone: r.phone,
  email: r.email,
  active: r.active,
});

const toPairing = (r: PairingRow): PairingRecord => ({
  id: r.id,
  volunteerId: r.volunteer_id,
  sentinelId: r.sentinel_id,
  gridIds: r.grid_ids,
  agreementSignedAt: r.agreement_signed_at ? new Date(r.agreement_signed_at).toISOString() : null,
  contactCadence: r.contact_cadence,
  status: r.status,
});

/** People and pairings (结对). Raw SQL on the caller's connection or transaction. */
@Injectable()
export class RosterRepository {
  async listPeople(db: Db, filter: { role?: Role; active?: boolean } = {}): Promise<Person[]> {
    const rows: PersonRow[] = await db.query(
      `SELECT * FROM person WHERE ($1::text IS NULL OR $1 = ANY(roles)) AND ($2::boolean IS NULL OR active = $2) ORDER BY id`,
      [filter.role ?? null, filter.active ?? null],
    );
    return rows.map(toPerson);
  }

  async findPerson(db: Db, id: string, lock = false): Promise<Person | null> {
    const rows: PersonRow[] = await db.query(`SELECT * FROM person WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    return rows[0] ? toPerson(rows[0]) : null;
  }

  async upsertPerson(tx: EntityManager, p: PersonInput): Promise<Person> {
    const rows: PersonRow[] = await tx.query(
      `INSERT INTO person (id, name, roles, can_certify, unit, institution, branch, volunteer_roles, street_codes, grid_ids, phone, email, active)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, roles = EXCLUDED.roles, can_certify = EXCLUDED.can_certify,
         unit = EXCLUDED.unit, institution = EXCLUDED.institution, branch = EXCLUDED.branch,
         volunteer_roles = EXCLUDED.volunteer_roles, street_codes = EXCLUDED.street_codes, grid_ids = EXCLUDED.grid_ids,
         phone = EXCLUDED.phone, email = EXCLUDED.email, active = EXCLUDED.active, updated_at = now()
       RETURNING *`,
      [
        p.id,
        p.name,
        p.roles,
        p.canCertify,
        p.unit,
        p.institution,
        p.branch,
        p.volunteerRoles,
        p.streetCodes,
        p.gridIds,
        p.phone,
        p.email,
        p.active,
      ],
    );
    return toPerson(rows[0]!);
  }

  async deactivatePerson(tx: EntityManager, id: string): Promise<Person | null> {
    const rows = returningRows<PersonRow>(
      await tx.query(`UPDATE person SET active = false, updated_at = now() WHERE id = $1 RETURNING *`, [id]),
    );
    return rows[0] ? toPerson(rows[0]) : null;
  }

  async listPairings(db: Db, filter: { gridId?: string; status?: Pairing['status'] } = {}): Promise<PairingRecord[]> {
    const rows: PairingRow[] = await db.query(
      `SELECT * FROM pairing WHERE ($1::text IS NULL OR $1 = ANY(grid_ids)) AND ($2::text IS NULL OR status = $2) ORDER BY id`,
      [filter.gridId ?? null, filter.status ?? null],
    );
    return rows.map(toPairing);
  }

  async findPairing(db: Db, id: string): Promise<PairingRecord | null> {
    const rows: PairingRow[] = await db.query(`SELECT * FROM pairing WHERE id = $1`, [id]);
    return rows[0] ? toPairing(rows[0]) : null;
  }

  async upsertPairing(tx: EntityManager, p: PairingInput): Promise<PairingRecord> {
    const rows: PairingRow[] = await tx.query(
      `INSERT INTO pairing (id, volunteer_id, sentinel_id, grid_ids, agreement_signed_at, contact_cadence, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (id) DO UPDATE SET volunteer_id = EXCLUDED.volunteer_id, sentinel_id = EXCLUDED.sentinel_id,
         grid_ids = EXCLUDED.grid_ids, agreement_signed_at = EXCLUDED.agreement_signed_at,
         contact_cadence = EXCLUDED.contact_cadence, status = EXCLUDED.status, updated_at = now()
       RETURNING *`,
      [p.id, p.volunteerId, p.sentinelId, p.gridIds, p.agreementSignedAt, p.contactCadence, p.status],
    );
    return toPairing(rows[0]!);
  }

  async endPairing(tx: EntityManager, id: string): Promise<PairingRecord | null> {
    const rows = returningRows<PairingRow>(
      await tx.query(`UPDATE pairing SET status = 'ENDED', updated_at = now() WHERE id = $1 RETURNING *`, [id]),
    );
    return rows[0] ? toPairing(rows[0]) : null;
  }

  /** ACTIVE pairings (with active volunteer and sentinel) covering any of the grids, least loaded first (byLoad). */
  async pairingsByLoad(tx: EntityManager, gridIds: string[]): Promise<PairingLoad[]> {
    return (await this.pairingLoads(tx, gridIds)).sort(byLoad);
  }

  /**
   * ACTIVE pairings (with active volunteer and sentinel) covering any of the grids, with what routing weighs: open
   * assessments, the last assignment (microseconds) and the pairing's place in id order (the database's collation).
   */
  async pairingLoads(tx: EntityManager, gridIds: string[]): Promise<PairingLoad[]> {
    if (gridIds.length === 0) return [];
    const rows: Array<
      PairingRow & { open: string; last_assigned_us: string | null; rank: string; volunteer_name: string }
    > = await tx.query(
      `SELECT p.*, v.name AS volunteer_name,
              (SELECT count(*) FROM assessment a WHERE a.pairing_id = p.id AND a.status NOT IN ('DECIDED')) AS open,
              (SELECT floor(extract(epoch FROM max(a.assigned_at)) * 1000000)::bigint
               FROM assessment a WHERE a.pairing_id = p.id) AS last_assigned_us,
              row_number() OVER (ORDER BY p.id) AS rank
       FROM pairing p
       JOIN person v ON v.id = p.volunteer_id AND v.active
       JOIN person s ON s.id = p.sentinel_id AND s.active
       WHERE p.status = 'ACTIVE' AND p.grid_ids && $1::text[]`,
      [gridIds],
    );
    return rows.map((r) => ({
      ...toPairing(r),
      open: Number(r.open),
      lastAssignedUs: r.last_assigned_us === null ? null : Number(r.last_assigned_us),
      rank: Number(r.rank),
      volunteerName: r.volunteer_name,
    }));
  }

  /** Active people with a role, optionally limited to a street (street responsible persons). */
  async activeWithRole(db: Db, role: Role, streetCode?: string | null): Promise<Person[]> {
    const rows: PersonRow[] = await db.query(
      `SELECT * FROM person WHERE active AND $1 = ANY(roles) AND ($2::text IS NULL OR $2 = ANY(street_codes)) ORDER BY id`,
      [role, streetCode ?? null],
    );
    return rows.map(toPerson);
  }
}
