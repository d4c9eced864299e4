import { Injectable } from '@nestjs/common';
import type { Pairing, Person } from '@outpost/contracts';
import { DataSource, type EntityManager } from 'typeorm';
import { updateReturning } from '../shared/sql';
import { memoryDirectory, type Directory } from '../rules/notification-planner';
import type { Contact } from '../rules/rule.types';

interface ContactRow {
  person_id: string;
  name: string;
  email: string | null;
  phone: string | null;
  roles: string[];
  street_codes: string[];
  grid_ids: string[];
  active: boolean;
  locale: 'zh-CN' | 'en';
}
const toContact = (r: ContactRow): Contact => ({
  personId: r.person_id,
  name: r.name,
  email: r.email,
  phone: r.phone,
  roles: r.roles,
  streetCodes: r.street_codes,
  gridIds: r.grid_ids,
  active: r.active,
  locale: r.locale,
});

/** The roster copy (event-carried state transfer from assessment): contacts and pairings. */
@Injectable()
export class ContactRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** A deleted person stays as an inactive contact: old deliveries still name them, new ones skip them. */
  async upsertPerson(tx: EntityManager, p: Person, deleted: boolean): Promise<void> {
    await tx.query(
      `INSERT INTO contact (person_id, name, email, phone, roles, street_codes, grid_ids, active, updated_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8, now())
       ON CONFLICT (person_id) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email, phone = EXCLUDED.phone, roles = EXCLUDED.roles,
         street_codes = EXCLUDED.street_codes, grid_ids = EXCLUDED.grid_ids, active = EXCLUDED.active, updated_at = now()`,
      [p.id, p.name, p.email, p.phone, p.roles, p.streetCodes, p.gridIds, p.active && !deleted],
    );
  }

  async upsertPairing(tx: EntityManager, p: Pairing, deleted: boolean): Promise<void> {
    await tx.query(
      `INSERT INTO pairing (id, volunteer_id, sentinel_id, grid_ids, status, updated_at) VALUES ($1,$2,$3,$4,$5, now())
       ON CONFLICT (id) DO UPDATE SET volunteer_id = EXCLUDED.volunteer_id, sentinel_id = EXCLUDED.sentinel_id, grid_ids = EXCLUDED.grid_ids,
         status = EXCLUDED.status, updated_at = now()`,
      [p.id, p.volunteerId, p.sentinelId, p.gridIds, deleted ? 'ENDED' : p.status],
    );
  }

  async get(db: DataSource | EntityManager, personId: string): Promise<Contact | null> {
    const rows: ContactRow[] = await db.query(`SELECT * FROM contact WHERE person_id = $1`, [personId]);
    return rows[0] ? toContact(rows[0]) : null;
  }

  async setLocale(personId: string, locale: 'zh-CN' | 'en'): Promise<boolean> {
    const rows = await updateReturning(
      this.dataSource,
      `UPDATE contact SET locale = $2, updated_at = now() WHERE person_id = $1 RETURNING person_id`,
      [personId, locale],
    );
    return rows.length > 0;
  }

  /** The whole roster copy: a district roster is a few hundred people, small enough to plan in memory. */
  async directory(tx: EntityManager): Promise<Directory> {
    const contacts: ContactRow[] = await tx.query(`SELECT * FROM contact`);
    const pairings: Array<{ volunteer_id: string; sentinel_id: string; grid_ids: string[]; status: string }> =
      await tx.query(`SELECT volunteer_id, sentinel_id, grid_ids, status FROM pairing WHERE status = 'ACTIVE'`);
    return memoryDirectory(
      contacts.map(toContact),
      pairings.map((p) => ({
        volunteerId: p.volunteer_id,
        sentinelId: p.sentinel_id,
        gridIds: p.grid_ids,
        status: p.status,
      })),
    );
  }
}
