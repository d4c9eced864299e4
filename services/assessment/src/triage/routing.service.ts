import { Injectable } from '@nestjs/common';
import type { Actor, LeadAssignedV1 } from '@outpost/contracts';
import type { EntityManager } from 'typeorm';
import { RosterRepository } from '../roster/roster.repository';
import { LeadJournal } from '../shared/lead-journal';
import { SlaService } from '../sla/sla.service';
import { AssessmentRepository, type Assessment } from '../workflow/assessment.repository';

export type Pool = 'PAIR' | 'STREET' | 'DISTRICT';

/**
 * Routes a lead to the ACTIVE pairing responsible for its grid (volunteer assesses, sentinel is the field contact),
 * least loaded first; without a pair to the street's pool (its 街道防非负责人), else the district pool. A red lead
 * skips the queue: it is marked priority and, without a pair, goes straight to the district pool; supervisors are
 * alerted at once (see alertRed).
 */
@Injectable()
export class RoutingService {
  constructor(
    private readonly roster: RosterRepository,
    private readonly assessments: AssessmentRepository,
    private readonly sla: SlaService,
    private readonly journal: LeadJournal,
  ) {}

  async route(tx: EntityManager, a: Assessment, reason: LeadAssignedV1['reason'], actor: Actor): Promise<Assessment> {
    // Two leads of one grid routed at once must not both see the same "least loaded" pair. One statement for all
    // the lead's grids, taken in sorted order (no deadlock between two leads sharing grids).
    if (a.gridIds.length)
      await tx.query(
        `SELECT pg_advisory_xact_lock(hashtext('assessment-route:' || g)) FROM unnest($1::text[]) AS g ORDER BY g`,
        [a.gridIds],
      );
    const now = this.sla.now();
    const red = a.band === 'red';
    const [pair] = await this.roster.pairingsByLoad(tx, a.gridIds);
    let patch: Partial<Assessment>;
    if (pair) {
      const volunteer = await this.roster.findPerson(tx, pair.volunteerId);
      patch = {
        status: 'ASSIGNED',
        pool: 'PAIR',
        assigneeId: pair.volunteerId,
        assigneeName: volunteer?.name ?? null,
        pairingId: pair.id,
        partnerId: pair.sentinelId,
      };
    } else {
      const streetPeople =
        a.streetCode && !red ? await this.roster.activeWithRole(tx, 'STREET_RESPONSIBLE', a.streetCode) : [];
      patch = {
        status: 'TRIAGED',
        pool: streetPeople.length ? 'STREET' : 'DISTRICT',
        assigneeId: null,
        assigneeName: null,
        pairingId: null,
        partnerId: null,
      };
    }
    const updated = await this.assessments.update(
      tx,
      a.leadId,
      { ...patch, priority: red, assignedAt: now.toISOString() },
      now,
    );
    await this.sla.close(tx, a.leadId, ['CLAIM', 'OPINION', 'VERIFICATION', 'DECISION'], 'CANCELLED');
    const deadline = await this.sla.start(tx, a.leadId, 'CLAIM', a.band);
    await this.journal.record(tx, {
      leadId: a.leadId,
      actor,
      action: 'lead.assigned',
      from: a.status,
      to: updated.status,
      reason: pair
        ? `分派给结对 ${pair.id} 的志愿者 ${pair.volunteerId}`
        : `无在岗结对，进入${updated.pool === 'STREET' ? '街道' : '区级'}队列`,
      events: [
        { topic: 'assessment.lead-assigned.v1', payload: this.assignedPayload(updated, reason, deadline.dueAt) },
      ],
    });
    if (red) await this.alertRed(tx, updated, actor, 'RED_BAND');
    return updated;
  }

  assignedPayload(a: Assessment, reason: LeadAssignedV1['reason'], dueAt: string | null): LeadAssignedV1 {
    return {
      leadId: a.leadId,
      assessmentId: a.id,
      status: a.status,
      assigneeId: a.assigneeId,
      assigneeName: a.assigneeName,
      pairingId: a.pairingId,
      partnerId: a.partnerId,
      pool: a.pool ?? 'DISTRICT',
      reason,
      dueAt,
      priority: a.priority,
      poolStreetCode: a.pool === 'STREET' ? a.streetCode : null,
    };
  }

  /** Red band: the district supervisors (and the street's responsible person) hear of it at once. */
  async alertRed(tx: EntityManager, a: Assessment, actor: Actor, kind: 'RED_BAND' | 'BAND_RAISED'): Promise<void> {
    const supervisors = await this.roster.activeWithRole(tx, 'SUPERVISOR');
    const street = a.streetCode ? await this.roster.activeWithRole(tx, 'STREET_RESPONSIBLE', a.streetCode) : [];
    const notify = [
      ...supervisors.map((p) => ({ personId: p.id, role: 'SUPERVISOR' as const })),
      ...street.map((p) => ({ personId: p.id, role: 'STREET_RESPONSIBLE' as const })),
    ];
    const reason = `红色预警：评分 ${a.score}，${a.explanation.map((l) => l.indicator).join('、')}`;
    await this.journal.record(tx, {
      leadId: a.leadId,
      actor,
      action: 'lead.alerted',
      from: a.status,
      to: a.status,
      reason,
      events: [
        {
          topic: 'assessment.lead-alerted.v1',
          payload: {
            leadId: a.leadId,
            assessmentId: a.id,
            status: a.status,
            kind,
            band: a.band,
            score: a.score,
            reason,
            notify,
            gridIds: a.gridIds,
            streetCode: a.streetCode,
          },
        },
      ],
    });
  }
}
