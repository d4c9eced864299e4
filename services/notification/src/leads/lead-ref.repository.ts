import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { LeadRef } from '../rules/rule.types';

interface LeadRow {
  lead_id: string;
  reference: string | null;
  source_id: string | null;
  source_channel: string | null;
  street_code: string | null;
  grid_ids: string[];
  band: string | null;
  assignee_id: string | null;
  partner_id: string | null;
  filed_by: string | null;
  reporter_contactable: boolean;
  status: string | null;
}

const COLUMNS: Record<keyof Omit<LeadRef, 'leadId'>, string> = {
  reference: 'reference',
  sourceId: 'source_id',
  sourceChannel: 'source_channel',
  streetCode: 'street_code',
  gridIds: 'grid_ids',
  band: 'band',
  assigneeId: 'assignee_id',
  partnerId: 'partner_id',
  filedBy: 'filed_by',
  reporterContactable: 'reporter_contactable',
  status: 'status',
};

/** Routing facts about each lead, folded from the events (registration, triage, assignment, status changes). */
@Injectable()
export class LeadRefRepository {
  async get(tx: EntityManager, leadId: string): Promise<LeadRef | null> {
    const rows: LeadRow[] = await tx.query(`SELECT * FROM lead_ref WHERE lead_id = $1`, [leadId]);
    const r = rows[0];
    if (!r) return null;
    return {
      leadId: r.lead_id,
      reference: r.reference,
      sourceId: r.source_id,
      sourceChannel: r.source_channel,
      streetCode: r.street_code,
      gridIds: r.grid_ids,
      band: r.band,
      assigneeId: r.assignee_id,
      partnerId: r.partner_id,
      filedBy: r.filed_by,
      reporterContactable: r.reporter_contactable,
      status: r.status,
    };
  }

  /** Sets the given fields (others untouched), creating the row when it is the first event seen for the lead. */
  async merge(tx: EntityManager, leadId: string, patch: Partial<Omit<LeadRef, 'leadId'>>): Promise<LeadRef> {
    const entries = Object.entries(patch).filter(([, v]) => v !== undefined) as Array<[keyof typeof COLUMNS, unknown]>;
    const cols = entries.map(([k]) => COLUMNS[k]);
    const values = entries.map(([, v]) => v);
    const insertCols = ['lead_id', ...cols].join(', ');
    const params = ['$1', ...cols.map((_, i) => `$${i + 2}`)].join(', ');
    const updates = [...cols.map((c) => `${c} = EXCLUDED.${c}`), 'updated_at = now()'].join(', ');
    await tx.query(
      `INSERT INTO lead_ref (${insertCols}) VALUES (${params}) ON CONFLICT (lead_id) DO UPDATE SET ${updates}`,
      [leadId, ...values],
    );
    return (await this.get(tx, leadId))!;
  }
}
