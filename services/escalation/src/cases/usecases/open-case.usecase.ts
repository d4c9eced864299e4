import { Inject, Injectable } from '@nestjs/common';
import { categoryText, labelOf, RECOMMENDATION_LABELS, type Actor, type LeadDecidedV1 } from '@outpost/contracts';
import { dueAt, parsePeriod, TimerService } from '@outpost/clock';
import { SERVICE_CONFIG } from '@outpost/platform';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { EscalationConfig } from '../../config/escalation.config';
import { LegalClocks } from '../../clocks/legal-clocks.service';
import {
  AUTHORITY_BY_CATEGORY,
  jurisdictionOf,
  REGISTRATION_PLACE_AUTHORITY,
  type AuthorityRoute,
} from '../../connectors/authority-routing';
import { DispatchService } from '../../connectors/dispatch.service';
import { CaseRepository, type CaseRow } from '../case.repository';
import { CaseWriter, type AnyPublish } from '../case-writer';
import { leadStatusOf, type CaseState } from '../transition-table';
import { closeEvents } from './close-case.usecase';

export const REVISIT_TIMER = 'escalation.revisit';
export const revisitTimerId = (caseId: string, cycle: number) => `revisit.${caseId}.c${cycle}`;

/** Standard reply when a CLOSE_NOT_ILLEGAL decision carries no feedback text of its own. */
export const DEFAULT_NOT_ILLEGAL_FEEDBACK =
  '您反映的线索已经核查，暂未发现非法集资等非法金融活动。感谢您的关注和支持，如发现新情况欢迎继续反映。';

/** A WARNING_INTERVIEW case starts with one interview task due in this many working days [SLA, UNSOURCED]. */
const INTERVIEW_TASK_PERIOD = '10wd';

/**
 * Opens (or, after a reopen or a new decision, re-routes) the disposal case of a decided lead, in the consumer's
 * transaction: the inbox row written with it makes a redelivered decision a no-op.
 */
@Injectable()
export class OpenCaseUseCase {
  constructor(
    private readonly cases: CaseRepository,
    private readonly writer: CaseWriter,
    private readonly clocks: LegalClocks,
    private readonly timers: TimerService,
    private readonly dispatches: DispatchService,
    @Inject(SERVICE_CONFIG) private readonly config: EscalationConfig,
  ) {}

  async execute(tx: EntityManager, d: LeadDecidedV1, actor: Actor, decidedAt: Date): Promise<CaseRow> {
    const jurisdiction = jurisdictionOf(d.subjectRegisteredAddress, {
      code: this.config.DISTRICT_CODE,
      name: this.config.DISTRICT_NAME,
    });
    const route: AuthorityRoute | null =
      d.decision === 'TRANSFER_AUTHORITY' || d.decision === 'FILE_ADMIN_CASE'
        ? jurisdiction === 'ASSISTING'
          ? REGISTRATION_PLACE_AUTHORITY
          : d.decision === 'TRANSFER_AUTHORITY'
            ? AUTHORITY_BY_CATEGORY[d.category]
            : null
        : null;
    const decision = {
      assessmentId: d.assessmentId,
      decidedBy: d.decidedBy,
      decision: d.decision,
      category: d.category,
      band: d.band,
      legalBasis: d.legalBasis,
      reasoning: d.reasoning,
      feedback: d.feedback,
      gridIds: d.gridIds,
      streetCode: d.streetCode,
      subjectRegisteredAddress: d.subjectRegisteredAddress,
    };

    // What a decision sets on its case, whether the case is new or a reopened lead's case starting its next cycle.
    const opening = {
      path: d.decision,
      jurisdiction,
      category: d.category,
      band: d.band,
      authority: route?.system ?? null,
      authorityLabel: route?.agency ?? null,
      decidedBy: d.decidedBy,
      handlerId: d.decidedBy,
      decision,
      openedAt: decidedAt,
      filedAt: null,
      closedAt: null,
      outcome: null,
      summary: null,
      reporterFeedback: null,
    };

    let c = await this.cases.byLead(tx, d.leadId, true);
    const from: CaseState | null = c?.state ?? null;
    if (c) {
      // A new decision on a lead that already has a case (after a reopen): same case, next cycle, old clocks stop.
      await this.clocks.stop(tx, c.id, 'ALL', 'CANCELLED');
      await this.timers.cancelForSubject(tx, c.id, [REVISIT_TIMER]);
      Object.assign(c, { ...opening, cycle: c.cycle + 1 });
    } else {
      c = {
        id: uuidv7(),
        caseNo: await this.cases.nextCaseNo(tx, decidedAt),
        primaryLeadId: d.leadId,
        state: 'REOPENED',
        ...opening,
        cycle: 1,
        investigators: [],
        mergedInto: null,
      };
      await this.cases.insert(tx, c);
      await this.cases.addLead(tx, {
        leadId: d.leadId,
        caseId: c.id,
        relation: 'PRIMARY',
        streetCode: d.streetCode,
        gridIds: d.gridIds,
        addedAt: decidedAt,
      });
    }

    const to = await this.route(tx, c, d, decidedAt, route);
    const opened: AnyPublish = {
      topic: 'escalation.case-opened.v1',
      leadId: c.primaryLeadId,
      actor,
      payload: {
        leadId: c.primaryLeadId,
        caseId: c.id,
        caseNo: c.caseNo,
        status: leadStatusOf(to),
        path: d.decision,
        leadIds: (await this.cases.leads(tx, c.id)).map((l) => l.leadId),
        handlerId: c.handlerId,
      },
    };
    const events: AnyPublish[] = [opened];
    if (to === 'CLOSED') {
      c.closedAt = decidedAt;
      c.outcome = 'NOT_ILLEGAL';
      c.summary = d.reasoning;
      c.reporterFeedback =
        d.feedback ?? ((await this.cases.needsReporterFeedback(tx, c.id)) ? DEFAULT_NOT_ILLEGAL_FEEDBACK : null);
      events.push(...(await closeEvents(this.cases, tx, c, actor)));
    }
    await this.writer.apply(tx, c, {
      action: from === null ? 'case-opened' : 'case-rerouted',
      pendingApprovalsBefore: 0, // a decision's requests (a referral) are new to the heads
      actor,
      from,
      to,
      at: decidedAt,
      events,
      reason: `处置决定：${labelOf(RECOMMENDATION_LABELS, d.decision)}，${categoryText(d.category)}${jurisdiction === 'ASSISTING' ? '；主体登记地不在本区，本区配合（条例第20条）' : ''}`,
      detail: {
        path: d.decision,
        category: d.category,
        jurisdiction,
        authority: route?.agency ?? null,
        cycle: c.cycle,
        legalBasis: d.legalBasis,
      },
    });
    return c;
  }

  /** The first state of each disposal path, with its clocks, tasks and outbound dispatches. */
  private async route(
    tx: EntityManager,
    c: CaseRow,
    d: LeadDecidedV1,
    at: Date,
    route: AuthorityRoute | null,
  ): Promise<CaseState> {
    const content = {
      category: d.category,
      band: d.band,
      path: d.decision,
      jurisdiction: c.jurisdiction,
      streetCode: d.streetCode,
      gridIds: d.gridIds,
      legalBasis: d.legalBasis,
      summary: d.reasoning,
      decidedAt: at.toISOString(),
    };
    if (this.config.UPSTREAM_REPORT_PATHS.includes(d.decision)) {
      await this.dispatches.create(tx, {
        caseId: c.id,
        caseNo: c.caseNo,
        leadId: c.primaryLeadId,
        system: 'SUISUIAN',
        purpose: 'REPORT',
        authorityLabel: this.config.EXTERNAL_SYSTEMS.SUISUIAN.name,
        content,
      });
    }
    if (
      c.jurisdiction === 'ASSISTING' &&
      d.decision !== 'CLOSE_NOT_ILLEGAL' &&
      d.decision !== 'MONITOR' &&
      route?.system !== 'LEAD_DEPARTMENT'
    ) {
      // Art. 20: the registration place leads; we tell it and assist whatever we do locally.
      await this.dispatches.create(tx, {
        caseId: c.id,
        caseNo: c.caseNo,
        leadId: c.primaryLeadId,
        system: 'LEAD_DEPARTMENT',
        purpose: 'HANDOVER',
        authorityLabel: REGISTRATION_PLACE_AUTHORITY.agency,
        content,
      });
    }
    switch (d.decision) {
      case 'CLOSE_NOT_ILLEGAL':
        return 'CLOSED';
      case 'MONITOR':
        await this.timers.schedule(tx, {
          id: revisitTimerId(c.id, c.cycle),
          kind: REVISIT_TIMER,
          subjectId: c.id,
          fireAt: dueAt(at, parsePeriod(this.config.MONITOR_REVISIT_PERIOD), this.clocks.calendar),
          payload: { caseId: c.id, cycle: c.cycle },
        });
        return 'MONITORING';
      case 'WARNING_INTERVIEW': {
        const taskId = uuidv7();
        const due = dueAt(at, parsePeriod(INTERVIEW_TASK_PERIOD), this.clocks.calendar);
        await tx.query(
          `INSERT INTO task (id, case_id, action_type, summary, assignee_id, due_at, status, created_by, created_at) VALUES ($1,$2,'INTERVIEW',$3,$4,$5,'OPEN',$6,$7)`,
          [taskId, c.id, '组织警示约谈并责令整改（条例第18条）', c.handlerId, due, c.decidedBy, at],
        );
        await this.clocks.start(tx, {
          caseId: c.id,
          leadId: c.primaryLeadId,
          kind: 'TASK_DUE',
          startAt: at,
          subjectRef: taskId,
          due,
        });
        return 'INTERVIEW';
      }
      case 'TRANSFER_AUTHORITY':
      case 'FILE_ADMIN_CASE':
        if (route) {
          await this.dispatches.create(tx, {
            caseId: c.id,
            caseNo: c.caseNo,
            leadId: c.primaryLeadId,
            system: route.system,
            purpose: 'HANDOVER',
            authorityLabel: route.agency,
            content,
          });
          return 'TRANSFERRED';
        }
        c.filedAt = at; // 立案 = the officer's FILE_ADMIN_CASE decision
        await this.clocks.start(tx, { caseId: c.id, leadId: c.primaryLeadId, kind: 'PENALTY_DECISION', startAt: at });
        return 'ADMIN_CASE_FILED';
      case 'REFER_POLICE':
        await this.clocks.start(tx, { caseId: c.id, leadId: c.primaryLeadId, kind: 'REFERRAL_APPROVAL', startAt: at });
        return 'REFERRAL_PENDING_APPROVAL';
    }
  }
}
