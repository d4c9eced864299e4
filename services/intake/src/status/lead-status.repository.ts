import { Injectable } from '@nestjs/common';
import { preparedQuery } from '@outpost/platform';
import type { EntityManager } from 'typeorm';
import { stageOf, type LeadStatus } from '@outpost/contracts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The status view sources read. Events of one lead arrive on several topics, so their relative order is not
 * guaranteed: an update applies only if its event is not older than the last one applied.
 */
@Injectable()
export class LeadStatusRepository {
  async apply(tx: EntityManager, leadId: string, status: LeadStatus, occurredAt: string): Promise<void> {
    if (!UUID.test(leadId)) return; // not one of ours
    await preparedQuery(
      tx,
      `UPDATE lead_status SET status = $2, stage = $3, last_event_at = $4, updated_at = now()
        WHERE lead_id = $1 AND (last_event_at IS NULL OR last_event_at <= $4)`,
      [leadId, status, stageOf(status), occurredAt],
    );
  }

  /** Closes the lead and every lead linked to it, with the outcome and the reply for the reporter. */
  async close(
    tx: EntityManager,
    leadId: string,
    linkedLeadIds: string[],
    outcome: string,
    feedback: string | null,
    occurredAt: string,
  ): Promise<void> {
    const ids = [leadId, ...linkedLeadIds].filter((id) => UUID.test(id));
    if (ids.length === 0) return;
    await tx.query(
      `WITH targets AS (
         SELECT id FROM lead WHERE id = ANY($1::uuid[]) OR primary_lead_id = ANY($1::uuid[])
       ), closed AS (
         UPDATE lead SET open = false WHERE id IN (SELECT id FROM targets) AND open
       )
       UPDATE lead_status SET status = 'CLOSED', stage = 'closed', outcome = $2, reporter_feedback = $3, last_event_at = $4, updated_at = now()
        WHERE lead_id IN (SELECT id FROM targets) AND (last_event_at IS NULL OR last_event_at <= $4)`,
      [ids, outcome, feedback, occurredAt],
    );
  }

  /** Reopens the lead (it attracts links again); its linked leads go back to LINKED. */
  async reopen(tx: EntityManager, leadId: string, occurredAt: string): Promise<void> {
    if (!UUID.test(leadId)) return;
    await tx.query(
      `WITH re AS (UPDATE lead SET open = true WHERE id = $1 OR primary_lead_id = $1)
       UPDATE lead_status s SET status = CASE WHEN s.lead_id = $1 THEN 'REOPENED' ELSE 'LINKED' END,
              stage = CASE WHEN s.lead_id = $1 THEN 'assessment' ELSE 'intake' END,
              outcome = NULL, reporter_feedback = NULL, reporter_notified_at = NULL, last_event_at = $2, updated_at = now()
        FROM lead l WHERE l.id = s.lead_id AND (l.id = $1 OR l.primary_lead_id = $1)
          AND (s.last_event_at IS NULL OR s.last_event_at <= $2)`,
      [leadId, occurredAt],
    );
  }
}
