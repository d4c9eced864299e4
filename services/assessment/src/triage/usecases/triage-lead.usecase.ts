import { Injectable, Logger } from '@nestjs/common';
import { TRIAGE_ACTOR } from '../../shared/actor';
import { BAND_LABELS, labelOf, type LeadLinkedV1, type LeadRegisteredV1 } from '@outpost/contracts';
import { ScreeningEngine } from '@outpost/screening';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { LeadJournal } from '../../shared/lead-journal';
import { SlaService } from '../../sla/sla.service';
import { AssessmentRepository, type Assessment } from '../../workflow/assessment.repository';
import { RoutingService } from '../routing.service';
import { BAND_RANK, mergeEstimates, mergeHits, raiseOnly, scoreLead } from '../scoring';

const CLOSED_FOR_RESCORE = new Set(['DECIDED']);

/** Triage: score (catalogue), checklist, band and explanation; then route. Runs in the consumer's inbox transaction. */
@Injectable()
export class TriageLeadUsecase {
  private readonly logger = new Logger('Triage');

  constructor(
    private readonly engine: ScreeningEngine,
    private readonly assessments: AssessmentRepository,
    private readonly routing: RoutingService,
    private readonly sla: SlaService,
    private readonly journal: LeadJournal,
  ) {}

  async registered(tx: EntityManager, lead: LeadRegisteredV1): Promise<void> {
    const hits = lead.screening.hits;
    const result = scoreLead(this.engine, hits, lead.estimates);
    const now = this.sla.now();
    const a = await this.assessments.insertIfAbsent(
      tx,
      {
        leadId: lead.leadId,
        id: uuidv7(),
        reference: lead.reference,
        title: lead.title,
        status: 'TRIAGED',
        score: result.score,
        band: result.band,
        checklist: result.checklist,
        explanation: result.explanation,
        hits,
        facts: lead.estimates,
        gridIds: lead.placement.gridIds,
        streetCode: lead.placement.streetCode,
        subjectRegisteredAddress: lead.subjects.find((s) => s.registeredAddress)?.registeredAddress ?? null,
        suggestedCategory: lead.suggestedCategory,
        linkedLeadIds: [],
        reportCount: 1,
        pool: null,
        priority: false,
        assigneeId: null,
        assigneeName: null,
        pairingId: null,
        partnerId: null,
        assignedAt: null,
        opinion: null,
        previousOpinions: [],
        decision: null,
        cycle: 1,
      },
      now,
    );
    // The inbox already drops a redelivered event; a second registration of the same lead id is ignored as well.
    if (!a) {
      this.logger.warn(`lead ${lead.leadId} is already triaged; registration ignored`);
      return;
    }
    await this.journal.record(tx, {
      leadId: a.leadId,
      actor: TRIAGE_ACTOR,
      action: 'lead.triaged',
      from: 'REPORTED',
      to: 'TRIAGED',
      reason: `评分 ${a.score}，${labelOf(BAND_LABELS, a.band)}档`,
      payload: { score: a.score, band: a.band, checklist: a.checklist, explanation: a.explanation },
      events: [{ topic: 'assessment.lead-triaged.v1', payload: this.triagedPayload(a, null) }],
    });
    await this.routing.routeAtBatchEnd(tx, a, 'ROUTED', TRIAGE_ACTOR);
  }

  /** A new report about the subject of an open lead: re-score it; the band may rise, never fall. */
  async linked(tx: EntityManager, link: LeadLinkedV1): Promise<void> {
    const a = await this.assessments.find(tx, link.leadId, true);
    if (!a) throw new Error(`lead-linked for ${link.leadId}, which assessment has not triaged`);
    if (a.linkedLeadIds.includes(link.linkedLeadId)) return;
    const hits = mergeHits(a.hits, [...link.screening.hits, ...link.newHits]);
    const facts = mergeEstimates(a.facts, link.estimates);
    const reportCount = Math.max(a.reportCount + 1, link.reportCount);
    const linkedLeadIds = [...a.linkedLeadIds, link.linkedLeadId];
    if (CLOSED_FOR_RESCORE.has(a.status)) {
      // Decided leads keep their decision; the link is recorded, reopening is a person's call (or escalation's).
      await this.assessments.update(tx, a.leadId, { linkedLeadIds, reportCount, hits, facts }, this.sla.now());
      await this.journal.record(tx, {
        leadId: a.leadId,
        actor: TRIAGE_ACTOR,
        action: 'lead.linked',
        from: a.status,
        to: a.status,
        reason: `关联线索 ${link.linkedReference}（已认定，不自动重评）`,
        events: [],
      });
      return;
    }
    const result = scoreLead(this.engine, hits, facts, reportCount);
    const band = raiseOnly(a.band, result.band);
    const updated = await this.assessments.update(
      tx,
      a.leadId,
      {
        score: result.score,
        band,
        checklist: result.checklist,
        explanation: result.explanation,
        hits,
        facts,
        reportCount,
        linkedLeadIds,
        priority: a.priority || band === 'red',
      },
      this.sla.now(),
    );
    const rose = BAND_RANK[band] > BAND_RANK[a.band];
    await this.journal.record(tx, {
      leadId: a.leadId,
      actor: TRIAGE_ACTOR,
      action: 'lead.rescored',
      from: a.status,
      to: a.status,
      reason: `关联线索 ${link.linkedReference}：评分 ${a.score} → ${updated.score}，${labelOf(BAND_LABELS, a.band)} → ${labelOf(BAND_LABELS, band)}${!rose && result.band !== band ? '（自动重评不降档，降档需人工）' : ''}`,
      payload: { score: updated.score, band, computedBand: result.band, explanation: updated.explanation },
      events: [{ topic: 'assessment.lead-triaged.v1', payload: this.triagedPayload(updated, a.band) }],
    });
    if (rose && band === 'red') await this.routing.alertRed(tx, updated, TRIAGE_ACTOR, 'BAND_RAISED');
  }

  private triagedPayload(a: Assessment, previousBand: Assessment['band'] | null) {
    return {
      leadId: a.leadId,
      assessmentId: a.id,
      reference: a.reference,
      status: a.status,
      score: a.score,
      band: a.band,
      previousBand,
      checklist: a.checklist,
      explanation: a.explanation,
      gridIds: a.gridIds,
      streetCode: a.streetCode,
    };
  }
}
