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

/** A lead's routing facts folded in memory during a batch, and which columns the batch set (see writeMany). */
export interface FoldedLead {
  lead: LeadRef;
  changed: Set<keyof Omit<LeadRef, 'leadId'>>;
}

/** The row a lead without one starts from (the table's defaults). */
export function emptyLeadRef(leadId: string): LeadRef {
  return {
    leadId,
    reference: null,
    sourceId: null,
    sourceChannel: null,
    streetCode: null,
    gridIds: [],
    band: null,
    assigneeId: null,
    partnerId: null,
    filedBy: null,
    reporterContactable: false,
    status: null,
  };
}

/** Routing facts about each lead, folded from the events (registration, triage, assignment, status changes). */
@Injectable()
export class LeadRefRepository {
  /** The rows of many leads in one query (the missing ones are absent from the map). */
  async getMany(tx: EntityManager, leadIds: string[]): Promise<Map<string, LeadRef>> {
    if (!leadIds.length) return new Map();
    const rows: LeadRow[] = await tx.query(`SELECT * FROM lead_ref WHERE lead_id = ANY($1::text[])`, [leadIds]);
    return new Map(rows.map((r) => [r.lead_id, toLeadRef(r)]));
  }

  /**
   * Writes what a batch folded, with the effect of one merge() per event: a new lead is inserted whole; an existing
   * one gets only the columns the batch set (so a concurrent writer's other columns survive). Two statements: the
   * UPDATE must see a row another transaction inserted meanwhile (the INSERT waited for it and skipped).
   */
  async writeMany(tx: EntityManager, folded: FoldedLead[]): Promise<void> {
    if (!folded.length) return;
    const input = JSON.stringify(
      folded.map(({ lead, changed }) => ({
        lead_id: lead.leadId,
        reference: lead.reference,
        source_id: lead.sourceId,
        source_channel: lead.sourceChannel,
        street_code: lead.streetCode,
        grid_ids: lead.gridIds,
        band: lead.band,
        assignee_id: lead.assigneeId,
        partner_id: lead.partnerId,
        filed_by: lead.filedBy,
        reporter_contactable: lead.reporterContactable,
        status: lead.status,
        changed: [...changed].map((k) => COLUMNS[k]),
      })),
    );
    const recordset = `json_to_recordset($1::json) AS x(lead_id text, reference text, source_id text, source_channel text,
      street_code text, grid_ids text[], band text, assignee_id text, partner_id text, filed_by text,
      reporter_contactable boolean, status text, changed text[])`;
    const all = Object.values(COLUMNS);
    const inserted: Array<{ lead_id: string }> = await tx.query(
      `INSERT INTO lead_ref (lead_id, ${all.join(', ')})
       SELECT lead_id, ${all.join(', ')} FROM ${recordset}
       ON CONFLICT (lead_id) DO NOTHING RETURNING lead_id`,
      [input],
    );
    const sets = all.map((c) => `${c} = CASE WHEN '${c}' = ANY(x.changed) THEN x.${c} ELSE l.${c} END`).join(', ');
    await tx.query(
      `UPDATE lead_ref l SET ${sets}, updated_at = now()
       FROM ${recordset}
       WHERE l.lead_id = x.lead_id AND NOT (x.lead_id = ANY($2::text[]))`,
      [input, inserted.map((r) => r.lead_id)],
    );
  }

  async get(tx: EntityManager, leadId: string): Promise<LeadRef | null> {
    const rows: LeadRow[] = await tx.query(`SELECT * FROM lead_ref WHERE lead_id = $1`, [leadId]);
    return rows[0] ? toLeadRef(rows[0]) : null;
  }

  /** Sets the given fields (others untouched), creating the row when it is the first event seen for the lead. */
  async merge(tx: EntityManager, leadId: string, patch: Partial<Omit<LeadRef, 'leadId'>>): Promise<LeadRef> {
    const entries = Object.entries(patch).filter(([, v]) => v !== undefined) as Array<[keyof typeof COLUMNS, unknown]>;
    const cols = entries.map(([k]) => COLUMNS[k]);
    const values = entries.map(([, v]) => v);
    const insertCols = ['lead_id', ...cols].join(', ');
    const params = ['$1', ...cols.map((_, i) => `$${i + 2}`)].join(', ');
    const updates = [...cols.map((c) => `${c} = EXCLUDED.${c}`), 'updated_at = now()'].join(', ');
    // RETURNING: the merged row comes back with the write (one round trip per event, not two).
    const rows: LeadRow[] = await tx.query(
      `INSERT INTO lead_ref (${insertCols}) VALUES (${params}) ON CONFLICT (lead_id) DO UPDATE SET ${updates} RETURNING *`,
      [leadId, ...values],
    );
    return toLeadRef(rows[0]!);
  }
}

function toLeadRef(r: LeadRow): LeadRef {
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
