import { Injectable } from '@nestjs/common';
import type { Actor, LeadAssignedV1, Person, Role } from '@outpost/contracts';
import {
  BatchCollector,
  correlationOf,
  EventConsumer,
  withCorrelation,
  type CorrelationContext,
} from '@outpost/messaging';
import type { EntityManager } from 'typeorm';
import { byLoad, RosterRepository, type PairingLoad } from '../roster/roster.repository';
import { LeadJournal } from '../shared/lead-journal';
import { SlaService } from '../sla/sla.service';
import { AssessmentRepository, type Assessment, type RoutePatch } from '../workflow/assessment.repository';

export type Pool = 'PAIR' | 'STREET' | 'DISTRICT';

export interface RouteRequest {
  a: Assessment;
  reason: LeadAssignedV1['reason'];
  actor: Actor;
  /**
   * The context bound to the transaction when the routing was asked for (the consumed event's, or the request's): the
   * assignment and alert carry it, also when routed later, at the end of a consumer batch.
   */
  correlation: CorrelationContext | undefined;
}

type PeopleReader = (role: Role, streetCode?: string | null) => Promise<Person[]>;

/**
 * Routes a lead to the ACTIVE pairing responsible for its grid (volunteer assesses, sentinel is the field contact),
 * least loaded first; without a pair to the street's pool (its 街道防非负责人), else the district pool. A red lead
 * skips the queue: it is marked priority and, without a pair, goes straight to the district pool; supervisors are
 * alerted at once (see alertRed).
 */
@Injectable()
export class RoutingService {
  /** Leads a consumer batch routes at its end (routeAtBatchEnd). */
  private readonly toRoute: BatchCollector<RouteRequest>;

  constructor(
    private readonly roster: RosterRepository,
    private readonly assessments: AssessmentRepository,
    private readonly sla: SlaService,
    private readonly journal: LeadJournal,
    consumer: EventConsumer,
  ) {
    // Work, not a write: routing journals each assignment, and the journal's batch-end write must include those.
    this.toRoute = new BatchCollector(
      consumer,
      async (tx, routes) => {
        await this.routeMany(tx, routes);
      },
      { stage: 'work' },
    );
  }

  async route(tx: EntityManager, a: Assessment, reason: LeadAssignedV1['reason'], actor: Actor): Promise<Assessment> {
    return (await this.routeMany(tx, [{ a, reason, actor, correlation: correlationOf(tx) }]))[0]!;
  }

  /**
   * route() now, or, in a consumer batch transaction, at the end of the batch together with the batch's other leads:
   * one routing pass for all of them instead of a dozen round trips per lead.
   */
  async routeAtBatchEnd(
    tx: EntityManager,
    a: Assessment,
    reason: LeadAssignedV1['reason'],
    actor: Actor,
  ): Promise<void> {
    await this.toRoute.add(tx, { a, reason, actor, correlation: correlationOf(tx) });
  }

  /**
   * Routes the leads in order, each exactly as route() one after another would: the pairings' loads are read once
   * and every assignment counts in them before the next lead is weighed (the i-th lead's assignment time is the
   * pass's time + i µs, see assignMany). Two leads of one grid routed at once must not both see the same "least
   * loaded" pair: one statement locks every grid of the pass, in sorted order (no deadlock between passes sharing
   * grids).
   */
  async routeMany(tx: EntityManager, routes: RouteRequest[]): Promise<Assessment[]> {
    if (!routes.length) return [];
    const grids = [...new Set(routes.flatMap((r) => r.a.gridIds))];
    if (grids.length)
      await tx.query(
        `SELECT pg_advisory_xact_lock(hashtext('assessment-route:' || g)) FROM unnest($1::text[]) AS g ORDER BY g`,
        [grids],
      );
    const now = this.sla.now();
    const people = this.peopleReader(tx);
    const loads = await this.roster.pairingLoads(tx, grids);
    const picks: Array<PairingLoad | undefined> = [];
    const patches: Array<{ leadId: string } & RoutePatch> = [];
    for (const [i, { a }] of routes.entries()) {
      const red = a.band === 'red';
      const pair = loads.filter((p) => p.gridIds.some((g) => a.gridIds.includes(g))).sort(byLoad)[0];
      picks.push(pair);
      if (pair) {
        pair.open++;
        pair.lastAssignedUs = Math.max(pair.lastAssignedUs ?? -Infinity, now.getTime() * 1000 + i);
        patches.push({
          leadId: a.leadId,
          status: 'ASSIGNED',
          pool: 'PAIR',
          priority: red,
          assigneeId: pair.volunteerId,
          assigneeName: pair.volunteerName,
          pairingId: pair.id,
          partnerId: pair.sentinelId,
        });
      } else {
        const streetPeople = a.streetCode && !red ? await people('STREET_RESPONSIBLE', a.streetCode) : [];
        patches.push({
          leadId: a.leadId,
          status: 'TRIAGED',
          pool: streetPeople.length ? 'STREET' : 'DISTRICT',
          priority: red,
          assigneeId: null,
          assigneeName: null,
          pairingId: null,
          partnerId: null,
        });
      }
    }
    const updated = await this.assessments.assignMany(tx, patches, now);
    const leadIds = routes.map((r) => r.a.leadId);
    await this.sla.closeMany(tx, leadIds, ['CLAIM', 'OPINION', 'VERIFICATION', 'DECISION'], 'CANCELLED');
    const deadlines = await this.sla.startMany(
      tx,
      'CLAIM',
      routes.map((r) => ({ leadId: r.a.leadId, band: r.a.band })),
    );
    for (const [i, { a, reason, actor, correlation }] of routes.entries()) {
      const u = updated[i]!;
      const pair = picks[i];
      const record = async () => {
        await this.journal.record(tx, {
          leadId: a.leadId,
          actor,
          action: 'lead.assigned',
          from: a.status,
          to: u.status,
          reason: pair
            ? `分派给结对志愿者 ${pair.volunteerName}（结对 ${pair.id}）`
            : `无在岗结对，进入${u.pool === 'STREET' ? '街道' : '区级'}队列`,
          events: [
            { topic: 'assessment.lead-assigned.v1', payload: this.assignedPayload(u, reason, deadlines[i]!.dueAt) },
          ],
        });
        if (u.priority) await this.alertRed(tx, u, actor, 'RED_BAND', people);
      };
      await withCorrelation(tx, correlation, record);
    }
    return updated;
  }

  assignedPayload(a: Assessment, reason: LeadAssignedV1['reason'], dueAt: string | null): LeadAssignedV1 {
    return {
      leadId: a.leadId,
      assessmentId: a.id,
      reference: a.reference,
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
  async alertRed(
    tx: EntityManager,
    a: Assessment,
    actor: Actor,
    kind: 'RED_BAND' | 'BAND_RAISED',
    people: PeopleReader = this.peopleReader(tx),
  ): Promise<void> {
    const supervisors = await people('SUPERVISOR');
    const street = a.streetCode ? await people('STREET_RESPONSIBLE', a.streetCode) : [];
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
            reference: a.reference,
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

  /** The roster's active people by role (and street), each read once per routing pass. */
  private peopleReader(tx: EntityManager): PeopleReader {
    const read = new Map<string, Promise<Person[]>>();
    return (role, streetCode) => {
      const key = `${role} ${streetCode ?? ''}`;
      let people = read.get(key);
      if (!people) read.set(key, (people = this.roster.activeWithRole(tx, role, streetCode)));
      return people;
    };
  }
}
