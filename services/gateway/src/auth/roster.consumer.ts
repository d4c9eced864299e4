import { Injectable } from '@nestjs/common';
import { HandleEvent, type EventEnvelope } from '@outpost/messaging';
import type { EntityManager } from 'typeorm';

/**
 * Copies the roster (people, roles, canCertify, grids, streets, contact; pairings) from assessment's events.
 * Runs in the inbox transaction (a redelivery has no second effect); an older event never overwrites a newer copy.
 */
@Injectable()
export class RosterConsumer {
  @HandleEvent('assessment.roster-changed.v1')
  async onRosterChanged(event: EventEnvelope<'assessment.roster-changed.v1'>, tx: EntityManager): Promise<void> {
    const p = event.payload;
    if (p.entity === 'person') {
      const x = p.person;
      await tx.query(
        `INSERT INTO roster_person (id, name, roles, can_certify, unit, institution, street_codes, grid_ids, phone, email, active, deleted, version_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, roles = EXCLUDED.roles, can_certify = EXCLUDED.can_certify,
           unit = EXCLUDED.unit, institution = EXCLUDED.institution, street_codes = EXCLUDED.street_codes,
           grid_ids = EXCLUDED.grid_ids, phone = EXCLUDED.phone, email = EXCLUDED.email, active = EXCLUDED.active,
           deleted = EXCLUDED.deleted, version_at = EXCLUDED.version_at
         WHERE roster_person.version_at <= EXCLUDED.version_at`,
        [
          x.id,
          x.name,
          x.roles,
          x.canCertify,
          x.unit,
          x.institution,
          x.streetCodes,
          x.gridIds,
          x.phone,
          x.email,
          x.active,
          p.deleted,
          event.occurredAt,
        ],
      );
    } else {
      const x = p.pairing;
      await tx.query(
        `INSERT INTO roster_pairing (id, volunteer_id, sentinel_id, grid_ids, status, deleted, version_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (id) DO UPDATE SET volunteer_id = EXCLUDED.volunteer_id, sentinel_id = EXCLUDED.sentinel_id,
           grid_ids = EXCLUDED.grid_ids, status = EXCLUDED.status, deleted = EXCLUDED.deleted, version_at = EXCLUDED.version_at
         WHERE roster_pairing.version_at <= EXCLUDED.version_at`,
        [x.id, x.volunteerId, x.sentinelId, x.gridIds, x.status, p.deleted, event.occurredAt],
      );
    }
  }
}
