import { Injectable } from '@nestjs/common';
import { HandleEvent, type EventEnvelope } from '@outpost/messaging';
import type { EntityManager } from 'typeorm';
import { ContactRepository } from './contact.repository';

/** Keeps the contact copy (name, e-mail, phone, roles, streets, grids, active) and pairings in step with the roster. */
@Injectable()
export class RosterConsumer {
  constructor(private readonly contacts: ContactRepository) {}

  @HandleEvent('assessment.roster-changed.v1')
  async onRosterChanged(e: EventEnvelope<'assessment.roster-changed.v1'>, tx: EntityManager): Promise<void> {
    const p = e.payload;
    if (p.entity === 'person') await this.contacts.upsertPerson(tx, p.person, p.deleted);
    else await this.contacts.upsertPairing(tx, p.pairing, p.deleted);
  }
}
