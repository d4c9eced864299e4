import { Injectable } from '@nestjs/common';
import { stageOf, type Actor } from '@outpost/contracts';
import { AuditLog, type AuditEntry } from '@outpost/audit';
import type { Principal } from '@outpost/platform';
import { DataSource } from 'typeorm';
import { DOWNSTREAM_SERVICES, type DownstreamService } from '../config/gateway.config';
import { DownstreamClient, type DownstreamRequest } from '../commands/downstream.client';
import type { LeadViewRow } from './lead-view.repository';

export interface TimelineItem {
  at: string;
  service: DownstreamService | 'gateway';
  actor: Actor;
  action: string;
  from: string | null;
  to: string | null;
  reason: string | null;
}

/**
 * Who the gateway is when it reads audit trails: it has already checked that the user may see the lead, and the
 * services' audit endpoints are for supervisors/operators, so it asks as itself (signed, district-wide, read-only use).
 */
export const TIMELINE_READER: Principal = {
  userId: 'system:gateway-timeline',
  name: '前哨网关（时间线）',
  roles: ['SUPERVISOR', 'OPERATOR'],
  canCertify: false,
  scope: { district: true, streetCodes: [], gridIds: [] },
};

@Injectable()
export class LeadDetailService {
  constructor(
    private readonly downstream: DownstreamClient,
    private readonly audit: AuditLog,
    private readonly db: DataSource,
  ) {}

  /** Merges every service's audit trail of the lead (plus the gateway's own reveals), oldest first. */
  async timeline(
    leadId: string,
    request?: DownstreamRequest['request'],
  ): Promise<{ items: TimelineItem[]; missing: Array<{ service: string; reason: string }> }> {
    const missing: Array<{ service: string; reason: string }> = [];
    const path = `/v1/audit/leads/${encodeURIComponent(leadId)}`;
    const fromServices = await Promise.all(
      DOWNSTREAM_SERVICES.map(async (service) => {
        try {
          const res = await this.downstream.json<{ entries: AuditEntry[] }>(service, {
            method: 'GET',
            path,
            principal: TIMELINE_READER,
            request,
            timeoutMs: 3000,
          });
          return res.entries.map((e) => toItem(service, e));
        } catch (err) {
          missing.push({ service, reason: (err as Error).message });
          return [];
        }
      }),
    );
    const own = (await this.audit.trail(this.db, leadId)).map((e) => toItem('gateway', e));
    const items = [...fromServices.flat(), ...own].sort(
      (a, b) => a.at.localeCompare(b.at) || a.service.localeCompare(b.service),
    );
    return { items, missing };
  }

  /**
   * The lead's disposal case as escalation keeps it (state, legal clocks, measures, investigators, tasks, reports),
   * asked for the user, with the names of the people it mentions (from the gateway's roster copy). A lead without a
   * case gets escalation's 404 CASE_NOT_FOUND.
   */
  async caseFile(leadId: string, principal: Principal, request?: DownstreamRequest['request']) {
    const file = await this.downstream.json<CaseFile>('escalation', {
      method: 'GET',
      path: `/v1/cases/by-lead/${encodeURIComponent(leadId)}`,
      principal,
      request,
    });
    const ids = new Set<string>();
    const add = (id: unknown) => typeof id === 'string' && ids.add(id);
    [file.handlerId, file.decidedBy].forEach(add);
    (file.measures ?? []).forEach((m) => [m.requestedBy, m.approvedBy].forEach(add));
    (file.tasks ?? []).forEach((t) => add(t.assigneeId));
    const people: Array<{ id: string; name: string }> = ids.size
      ? await this.db.query(`SELECT id, name FROM roster_person WHERE id = ANY($1::text[])`, [[...ids]])
      : [];
    return { ...file, names: Object.fromEntries(people.map((p) => [p.id, p.name])) };
  }

  async detail(row: LeadViewRow, request?: DownstreamRequest['request']) {
    const f = row.facts as Record<string, unknown> & { triage?: { checklist?: unknown; explanation?: unknown } };
    const { items, missing } = await this.timeline(row.id, request);
    return {
      id: row.id,
      reference: row.reference,
      status: row.status,
      stage: row.status ? stageOf(row.status) : null,
      band: row.band,
      score: row.score === null ? null : Number(row.score),
      assignee: row.assignee_id ? { id: row.assignee_id, name: row.assignee_name } : null,
      handler: row.handler_id ? { id: row.handler_id, name: row.handler_name } : null,
      holder: row.holder_id ? { id: row.holder_id, name: row.holder_name } : null,
      dueAt: row.due_at?.toISOString() ?? null,
      timeline: items,
      /** Services whose audit trail could not be read just now (the timeline is then incomplete). */
      timelineMissing: missing,
      title: row.title,
      description: row.description,
      category: row.category,
      overdue: row.overdue,
      breachCount: row.breach_count,
      source: { channel: row.source_channel, name: row.source_name, ref: f.sourceRef ?? null },
      confidentiality: row.confidentiality,
      /** Only whether a reporter exists; identity through POST /api/v1/leads/{id}/reveal. */
      reporter: f.reporter ?? null,
      placement: f.placement ?? { streetCode: row.street_code, streetName: row.street_name, gridIds: row.grid_ids },
      streetCode: row.street_code,
      gridIds: row.grid_ids,
      subjects: f.subjects ?? [],
      estimates: f.estimates ?? null,
      channels: f.channels ?? [],
      screening: f.screening ?? null,
      explanation: f.triage?.explanation ?? [],
      checklist: f.triage?.checklist ?? null,
      assignment: f.assignment ?? null,
      verifications: f.verifications ?? [],
      verificationAnswers: f.verificationAnswers ?? [],
      opinion: f.opinion ?? null,
      decision: f.decision ?? null,
      case: f.case ?? null,
      actions: f.actions ?? [],
      upstream: f.upstream ?? [],
      breaches: f.breaches ?? [],
      closure: f.closure ?? null,
      reopenings: f.reopenings ?? [],
      evidence: row.evidence,
      linkedTo: row.linked_to,
      linkedReports: f.linkedReports ?? [],
      filedBy: row.filed_by,
      reportedAt: row.reported_at?.toISOString() ?? null,
      closedAt: row.closed_at?.toISOString() ?? null,
      updatedAt: row.updated_at.toISOString(),
    };
  }
}

/** The parts of escalation's case view (GET /v1/cases/{id}) that name people; the rest is passed on as it is. */
interface CaseFile {
  handlerId?: string | null;
  decidedBy?: string | null;
  measures?: Array<{ requestedBy: string | null; approvedBy: string | null }>;
  tasks?: Array<{ assigneeId: string | null }>;
}

function toItem(service: TimelineItem['service'], e: AuditEntry): TimelineItem {
  return { at: e.at, service, actor: e.actor, action: e.action, from: e.fromState, to: e.toState, reason: e.reason };
}
