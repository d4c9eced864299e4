import { Injectable } from '@nestjs/common';
import type { Estimates, LeadStatus, ReportFacts, ScreeningResult } from '@outpost/contracts';
import { HandleEvent, type EventEnvelope } from '@outpost/messaging';
import { preparedQuery } from '@outpost/platform';
import type { EntityManager } from 'typeorm';

/** NOTIFY channel: the lead id of every committed read-model change (delivered at commit, so SSE never runs ahead). */
export const LEAD_CHANGED_CHANNEL = 'gateway_lead_changed';

/**
 * Builds lead_view from every lead event. Topics are not ordered among themselves (only one topic's events of one
 * lead are), so every handler upserts the row, and status only moves to a newer event's status (status_at guard).
 * Each handler runs in the inbox transaction: a redelivered event changes nothing. Every change of one lead is ONE
 * statement (`apply`: its fields, the guarded status, `updated_at` and the NOTIFY), plus the insert of the empty row
 * the first time a lead is seen.
 */
@Injectable()
export class ReadModelConsumer {
  // ── intake ────────────────────────────────────────────────────────────────────────────────────────────────────
  @HandleEvent('intake.lead-registered.v1')
  async onRegistered(e: EventEnvelope<'intake.lead-registered.v1'>, tx: EntityManager): Promise<void> {
    const p = e.payload;
    await writeReport(tx, p.leadId, p.reference, p, p, { status: 'REPORTED', at: e.occurredAt });
  }

  @HandleEvent('intake.lead-linked.v1')
  async onLinked(e: EventEnvelope<'intake.lead-linked.v1'>, tx: EntityManager): Promise<void> {
    const p = e.payload;
    await append(tx, p.leadId, 'linkedReports', {
      linkedLeadId: p.linkedLeadId,
      linkedReference: p.linkedReference,
      matchedOn: p.matchedOn,
      reportCount: p.reportCount,
      newHits: p.newHits,
      estimates: p.estimates,
      at: e.occurredAt,
    });
    const linked = { status: 'LINKED', at: e.occurredAt } as const;
    // The linked report's own row: what it said (events published before its facts travelled carry only the link).
    if (p.report) await writeReport(tx, p.linkedLeadId, p.linkedReference, p.report, p, linked, { linkedTo: p.leadId });
    else
      await apply(
        tx,
        `linked_to = $2::text, reference = COALESCE(reference, $3::text)`,
        [p.linkedLeadId, p.leadId, p.linkedReference],
        linked,
      );
  }

  @HandleEvent('intake.evidence-added.v1')
  async onEvidence(e: EventEnvelope<'intake.evidence-added.v1'>, tx: EntityManager): Promise<void> {
    const p = e.payload;
    await apply(tx, `evidence = evidence || $2::jsonb`, [
      p.leadId,
      JSON.stringify([
        {
          evidenceId: p.evidenceId,
          type: p.type,
          sha256: p.sha256,
          mediaType: p.mediaType,
          sizeBytes: p.sizeBytes,
          addedAt: e.occurredAt,
          addedBy: e.actor,
        },
      ]),
    ]);
  }

  // ── assessment ────────────────────────────────────────────────────────────────────────────────────────────────
  @HandleEvent('assessment.lead-triaged.v1')
  async onTriaged(e: EventEnvelope<'assessment.lead-triaged.v1'>, tx: EntityManager): Promise<void> {
    const p = e.payload;
    await apply(
      tx,
      // A decision published later carries the band the officer decided on: a triage that arrives after it (topics
      // are not ordered among themselves) must not overwrite it.
      `score = $2,
         band = CASE WHEN (facts->'decision'->>'at')::timestamptz > $7::timestamptz THEN band ELSE $3 END,
         grid_ids = $4, street_code = COALESCE($5, street_code),
         facts = facts || jsonb_build_object('triage', $6::jsonb)`,
      [
        p.leadId,
        p.score,
        p.band,
        p.gridIds,
        p.streetCode,
        JSON.stringify({
          assessmentId: p.assessmentId,
          checklist: p.checklist,
          explanation: p.explanation,
          previousBand: p.previousBand,
          at: e.occurredAt,
        }),
        e.occurredAt,
      ],
      { status: p.status, at: e.occurredAt },
    );
  }

  @HandleEvent('assessment.lead-assigned.v1')
  async onAssigned(e: EventEnvelope<'assessment.lead-assigned.v1'>, tx: EntityManager): Promise<void> {
    const p = e.payload;
    // Assignment changes travel only on this topic (ordered per lead), so the latest event is the current one.
    await apply(
      tx,
      `assignee_id = $2, assignee_name = $3, ${dueSet('$4', '$6')}, facts = facts || jsonb_build_object('assignment', $5::jsonb)`,
      [
        p.leadId,
        p.assigneeId,
        p.assigneeName,
        p.dueAt,
        JSON.stringify({
          pool: p.pool,
          reason: p.reason,
          pairingId: p.pairingId,
          partnerId: p.partnerId,
          at: e.occurredAt,
        }),
        e.occurredAt,
      ],
      { status: p.status, at: e.occurredAt },
    );
  }

  @HandleEvent('assessment.verification-requested.v1')
  async onVerificationRequested(
    e: EventEnvelope<'assessment.verification-requested.v1'>,
    tx: EntityManager,
  ): Promise<void> {
    const p = e.payload;
    await append(
      tx,
      p.leadId,
      'verifications',
      {
        requestId: p.requestId,
        askedOf: p.askedOf,
        question: p.question,
        dueAt: p.dueAt,
        at: e.occurredAt,
      },
      { status: p.status, at: e.occurredAt },
    );
  }

  @HandleEvent('assessment.verification-answered.v1')
  async onVerificationAnswered(
    e: EventEnvelope<'assessment.verification-answered.v1'>,
    tx: EntityManager,
  ): Promise<void> {
    const p = e.payload;
    await append(
      tx,
      p.leadId,
      'verificationAnswers',
      {
        requestId: p.requestId,
        answeredBy: p.answeredBy,
        answer: p.answer,
        evidenceIds: p.evidenceIds,
        at: e.occurredAt,
      },
      { status: p.status, at: e.occurredAt },
    );
  }

  @HandleEvent('assessment.opinion-submitted.v1')
  async onOpinion(e: EventEnvelope<'assessment.opinion-submitted.v1'>, tx: EntityManager): Promise<void> {
    const p = e.payload;
    await apply(
      tx,
      `category = $2, facts = facts || jsonb_build_object('opinion', $3::jsonb)`,
      [
        p.leadId,
        p.category,
        JSON.stringify({
          authorId: p.authorId,
          recommendation: p.recommendation,
          category: p.category,
          legalBasis: p.legalBasis,
          reasoning: p.reasoning,
          at: e.occurredAt,
        }),
      ],
      { status: p.status, at: e.occurredAt },
    );
  }

  @HandleEvent('assessment.lead-decided.v1')
  async onDecided(e: EventEnvelope<'assessment.lead-decided.v1'>, tx: EntityManager): Promise<void> {
    const p = e.payload;
    await apply(
      tx,
      // The decision meets the assessment deadline: the case's clocks give the lead's next one.
      `decision = $2, category = $3, band = $4, grid_ids = $5, street_code = COALESCE($6, street_code),
         ${dueSet('NULL', '$8')}, facts = facts || jsonb_build_object('decision', $7::jsonb)`,
      [
        p.leadId,
        p.decision,
        p.category,
        p.band,
        p.gridIds,
        p.streetCode,
        JSON.stringify({
          decidedBy: p.decidedBy,
          decision: p.decision,
          category: p.category,
          legalBasis: p.legalBasis,
          reasoning: p.reasoning,
          feedback: p.feedback,
          subjectRegisteredAddress: p.subjectRegisteredAddress,
          at: e.occurredAt,
        }),
        e.occurredAt,
      ],
      { status: p.status, at: e.occurredAt },
    );
  }

  @HandleEvent('assessment.lead-transitioned.v1')
  async onTransitioned(e: EventEnvelope<'assessment.lead-transitioned.v1'>, tx: EntityManager): Promise<void> {
    const p = e.payload;
    await apply(tx, null, [p.leadId], { status: p.status, at: e.occurredAt });
  }

  @HandleEvent('assessment.deadline-reminder.v1')
  async onReminder(e: EventEnvelope<'assessment.deadline-reminder.v1'>, tx: EntityManager): Promise<void> {
    const p = e.payload;
    await apply(tx, `facts = facts || jsonb_build_object('lastReminder', $2::jsonb)`, [
      p.leadId,
      JSON.stringify({ deadlineId: p.deadlineId, kind: p.kind, dueAt: p.dueAt, step: p.step, at: e.occurredAt }),
    ]);
  }

  @HandleEvent('assessment.deadline-breached.v1')
  async onAssessmentBreach(e: EventEnvelope<'assessment.deadline-breached.v1'>, tx: EntityManager): Promise<void> {
    await breach(tx, e.payload, 'assessment', e.occurredAt);
  }

  // ── escalation ────────────────────────────────────────────────────────────────────────────────────────────────
  @HandleEvent('escalation.case-opened.v1')
  async onCaseOpened(e: EventEnvelope<'escalation.case-opened.v1'>, tx: EntityManager): Promise<void> {
    const p = e.payload;
    await apply(
      tx,
      `case_id = $2, case_no = $3, facts = facts || jsonb_build_object('case', $4::jsonb)`,
      [
        p.leadId,
        p.caseId,
        p.caseNo,
        JSON.stringify({
          caseId: p.caseId,
          caseNo: p.caseNo,
          path: p.path,
          leadIds: p.leadIds,
          handlerId: p.handlerId,
          openedAt: e.occurredAt,
        }),
      ],
      { status: p.status, at: e.occurredAt },
    );
  }

  @HandleEvent('escalation.action-recorded.v1')
  async onAction(e: EventEnvelope<'escalation.action-recorded.v1'>, tx: EntityManager): Promise<void> {
    const p = e.payload;
    await append(
      tx,
      p.leadId,
      'actions',
      {
        actionId: p.actionId,
        caseId: p.caseId,
        actionType: p.actionType,
        summary: p.summary,
        dueAt: p.dueAt,
        legalBasis: p.legalBasis,
        at: e.occurredAt,
        actor: e.actor,
      },
      { status: p.status, at: e.occurredAt },
    );
  }

  @HandleEvent('escalation.reported-upstream.v1')
  async onReportedUpstream(e: EventEnvelope<'escalation.reported-upstream.v1'>, tx: EntityManager): Promise<void> {
    const p = e.payload;
    await append(
      tx,
      p.leadId,
      'upstream',
      {
        kind: 'REPORTED',
        reportId: p.reportId,
        system: p.system,
        externalRef: p.externalRef,
        at: e.occurredAt,
      },
      { status: p.status, at: e.occurredAt },
    );
  }

  @HandleEvent('escalation.upstream-acknowledged.v1')
  async onUpstreamAck(e: EventEnvelope<'escalation.upstream-acknowledged.v1'>, tx: EntityManager): Promise<void> {
    const p = e.payload;
    await append(
      tx,
      p.leadId,
      'upstream',
      {
        kind: 'ACKNOWLEDGED',
        reportId: p.reportId,
        system: p.system,
        externalRef: p.externalRef,
        externalStatus: p.externalStatus,
        at: e.occurredAt,
      },
      { status: p.status, at: e.occurredAt },
    );
  }

  @HandleEvent('escalation.deadline-breached.v1')
  async onEscalationBreach(e: EventEnvelope<'escalation.deadline-breached.v1'>, tx: EntityManager): Promise<void> {
    await breach(tx, e.payload, 'escalation', e.occurredAt);
  }

  @HandleEvent('escalation.lead-closed.v1')
  async onClosed(e: EventEnvelope<'escalation.lead-closed.v1'>, tx: EntityManager): Promise<void> {
    const p = e.payload;
    const closure = JSON.stringify({
      outcome: p.outcome,
      summary: p.summary,
      reporterFeedback: p.reporterFeedback,
      caseId: p.caseId,
      closedAt: e.occurredAt,
    });
    // Leads linked into this one share its outcome.
    for (const id of [p.leadId, ...p.linkedLeadIds]) {
      await apply(
        tx,
        `outcome = $2, facts = facts || jsonb_build_object('closure', $3::jsonb)`,
        [id, p.outcome, closure],
        {
          status: 'CLOSED',
          at: e.occurredAt,
        },
      );
    }
  }

  @HandleEvent('escalation.case-state-changed.v1')
  async onCaseStateChanged(e: EventEnvelope<'escalation.case-state-changed.v1'>, tx: EntityManager): Promise<void> {
    const p = e.payload;
    // One topic, keyed by the case's primary lead: a case's steps arrive in the order they happened, so the handler
    // and the pending approvals they carry are the current ones. Events published before these travelled keep the
    // handler as it was, and count the referral's approval from the state.
    const pending = p.pendingApprovals ?? (p.to === 'REFERRAL_PENDING_APPROVAL' ? 1 : 0);
    const due = p.dueAt === undefined ? '' : `, ${dueSet('$6', '$7')}`;
    await apply(
      tx,
      `case_state = $2::text, pending_approvals = $3::int,
         handler_id = CASE WHEN $4::boolean THEN $5::text ELSE handler_id END,
         handler_name = CASE WHEN $4::boolean THEN (SELECT name FROM roster_person WHERE id = $5::text) ELSE handler_name END${due}`,
      [
        p.leadId,
        p.to,
        pending,
        p.handlerId !== undefined,
        p.handlerId ?? null,
        ...(p.dueAt === undefined ? [] : [p.dueAt, e.occurredAt]),
      ],
      { status: p.status, at: e.occurredAt },
    );
  }

  @HandleEvent('escalation.lead-reopened.v1')
  async onReopened(e: EventEnvelope<'escalation.lead-reopened.v1'>, tx: EntityManager): Promise<void> {
    const p = e.payload;
    await append(
      tx,
      p.leadId,
      'reopenings',
      { reason: p.reason, caseId: p.caseId, at: e.occurredAt },
      { status: 'REOPENED', at: e.occurredAt },
    );
  }
}

/**
 * SQL assignments setting the lead's 办理期限 to the parameter `due` (a timestamptz or null) as of the event time `at`
 * (both parameter references such as `$4`): the assignment's deadline, the decision that meets it and the case's
 * clocks travel on different topics, so only the newest event's due time stands.
 */
function dueSet(due: string, at: string): string {
  return newerOnly('due_set_at', `${at}::timestamptz`, { due_at: `${due}::timestamptz` }).join(', ');
}

/**
 * SQL assignments for columns only an event not older than the one that last set them may change: each of `set`
 * (column → value), and `stamp` (that event's time) → `at`. They all read the row as it was, so they agree.
 */
function newerOnly(stamp: string, at: string, set: Record<string, string>): string[] {
  const newer = `(${stamp} IS NULL OR ${stamp} <= ${at})`;
  return [...Object.entries(set), [stamp, at]].map(
    ([column, value]) => `${column} = CASE WHEN ${newer} THEN ${value} ELSE ${column} END`,
  );
}

/** The status an event moves its lead to, and the event's time (status only moves forward in event time). */
interface StatusChange {
  status: LeadStatus;
  at: string;
}

/** How an event that may create the lead's row inserts it (see apply). */
interface FirstSight {
  /** Columns besides id, status, status_at and updated_at… */
  columns: string;
  /** …and their values, over the same parameters as the SET assignments. */
  values: string;
  /** Another data-modifying statement of the event, run as part of the same statement. */
  also?: string;
}

/**
 * A report's own facts on its row (a registered lead, or a report linked to an open one), in one statement: inserted
 * with them the first time the lead is seen, else set on the row. Later stages' events may have arrived first (topics
 * are not ordered among themselves): their placement, band, score and category win.
 */
async function writeReport(
  tx: EntityManager,
  leadId: string,
  reference: string,
  r: ReportFacts,
  screened: { screening: ScreeningResult; estimates: Estimates },
  change: StatusChange,
  link?: { linkedTo: string },
): Promise<void> {
  const subjectNames = r.subjects.map((s) => [s.name, s.uscc].filter(Boolean).join(' ')).join(' ');
  const facts = `jsonb_build_object('subjects', $17::jsonb, 'placement', $18::jsonb, 'estimates', $19::jsonb,
    'screening', $20::jsonb, 'channels', $21::jsonb, 'reporter', $22::jsonb, 'sourceRef', $23::text,
    'discoveredAt', $24::text, 'suggestedCategory', $13::text)`;
  await apply(
    tx,
    `reference = $2::text, title = $3::text, description = $4::text, source_channel = $5::text, source_name = $6::text,
       confidentiality = $7::text, street_code = COALESCE(street_code, $8::text), street_name = $9::text,
       grid_ids = CASE WHEN facts ?| array['triage', 'decision'] THEN grid_ids ELSE $10::text[] END,
       band = CASE WHEN facts ?| array['triage', 'decision'] THEN band ELSE $11::text END,
       score = CASE WHEN facts ? 'triage' THEN score ELSE $12::numeric END,
       category = COALESCE(category, $13::text), subject_names = $14::text, reported_at = $15::timestamptz, filed_by = $16::text,
       linked_to = COALESCE($26::text, linked_to), facts = facts || ${facts}`,
    [
      leadId,
      reference,
      r.title,
      r.description,
      r.sourceChannel,
      r.sourceName,
      r.confidentiality,
      r.placement.streetCode,
      r.placement.streetName,
      r.placement.gridIds,
      screened.screening.band,
      screened.screening.score,
      r.suggestedCategory,
      subjectNames,
      r.reportedAt,
      r.filedBy,
      JSON.stringify(r.subjects),
      JSON.stringify(r.placement),
      JSON.stringify(screened.estimates),
      JSON.stringify(screened.screening),
      JSON.stringify(r.channels),
      JSON.stringify(r.reporter),
      r.sourceRef,
      r.discoveredAt,
      [reference, r.title, r.description, subjectNames, r.sourceName].filter(Boolean).join(' '),
      link?.linkedTo ?? null,
    ],
    change,
    {
      // The usual case, a lead seen for the first time: its whole row in one insert (the same values as above).
      columns: `reference, title, description, source_channel, source_name, confidentiality, street_code, street_name,
        grid_ids, band, score, category, subject_names, reported_at, filed_by, linked_to, facts`,
      values: `$2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::text, $9::text, $10::text[], $11::text,
        $12::numeric, $13::text, $14::text, $15::timestamptz, $16::text, $26::text, ${facts}`,
      // The search text is written once per lead, apart from lead_view (which changes often: see LeadSearchApart).
      also: `INSERT INTO lead_search (id, search_text) VALUES ($1, $25::text)
        ON CONFLICT (id) DO UPDATE SET search_text = EXCLUDED.search_text`,
    },
  );
}

/**
 * One lead's change in one statement: `set` (SQL assignments over $2.., `params[0]` is the lead id), the status if the
 * event is not older than the current one (CLOSED sets closed_at, anything else clears it), `updated_at`, and the
 * NOTIFY of the lead id (delivered at commit). All assignments read the row as it was, so the guard sees the old
 * status_at.
 *
 * A lead seen for the first time has no row. With `first` (registration, nearly always a lead's first event) the
 * statement also inserts the row with the event's values (ON CONFLICT DO NOTHING) and the update, which sees the
 * table as it was before the statement, changes a row only if one existed. Without it the update finds none, the empty
 * row is inserted (or found: another partition's batch may have inserted it meanwhile) and the update runs again.
 */
async function apply(
  tx: EntityManager,
  set: string | null,
  params: unknown[],
  change?: StatusChange,
  first?: FirstSight,
): Promise<void> {
  const values = [...params];
  const assignments = set === null ? [] : [set];
  // The row a first sight inserts: id, the status columns when the event carries a status, then its own columns.
  const insertColumns = ['id'];
  const insertValues = ['$1'];
  if (change) {
    values.push(change.status, change.at);
    const status = `$${values.length - 1}::text`;
    const at = `$${values.length}::timestamptz`;
    assignments.push(
      ...newerOnly('status_at', at, { status, closed_at: `CASE WHEN ${status} = 'CLOSED' THEN ${at} END` }),
    );
    insertColumns.push('status', 'status_at');
    insertValues.push(status, at);
  }
  values.push(LEAD_CHANGED_CHANNEL);
  const channel = `$${values.length}::text`;
  assignments.push('updated_at = now()');
  const changed = `changed AS (UPDATE lead_view SET ${assignments.join(', ')} WHERE id = $1 RETURNING id)`;
  const notifyChanged = `SELECT pg_notify(${channel}, id) FROM changed`;
  const also = first?.also ? `also AS (${first.also}), ` : '';
  // The update alone (with `also`): the whole statement without a first sight, and the retry after one.
  const updateSql = `WITH ${also}${changed} ${notifyChanged}`;
  if (first) {
    insertColumns.push(first.columns);
    insertValues.push(first.values);
    const rows = await preparedQuery(
      tx,
      `WITH ${also}inserted AS (INSERT INTO lead_view (${insertColumns.join(', ')}) VALUES (${insertValues.join(', ')})
           ON CONFLICT (id) DO NOTHING RETURNING id),
         ${changed}
       SELECT pg_notify(${channel}, id) FROM inserted UNION ALL ${notifyChanged}`,
      values,
    );
    if (rows.length === 1) return;
    // Another transaction (a batch of another topic) inserted the row after this statement's snapshot was taken: the
    // insert waited for it and did nothing, the update did not see it. A new statement does (with `also`, which is
    // repeatable and uses parameters of its own).
  } else {
    if ((await preparedQuery(tx, updateSql, values)).length > 0) return;
    // No row yet: the empty row is inserted (or found: another partition's batch may have inserted it meanwhile).
    await tx.query(`INSERT INTO lead_view (id) VALUES ($1) ON CONFLICT (id) DO NOTHING`, [params[0]]);
  }
  const again = await preparedQuery(tx, updateSql, values);
  if (again.length !== 1) throw new Error(`lead_view row ${String(params[0])} missing after insert`);
}

/** Appends `item` to the array `facts[key]` (created if absent). */
async function append(
  tx: EntityManager,
  leadId: string,
  key: string,
  item: unknown,
  change?: StatusChange,
  set?: string,
): Promise<void> {
  const facts = `facts = jsonb_set(facts, ARRAY[$2::text], COALESCE(facts -> $2, '[]'::jsonb) || $3::jsonb)`;
  await apply(tx, set === undefined ? facts : `${set}, ${facts}`, [leadId, key, JSON.stringify([item])], change);
}

async function breach(
  tx: EntityManager,
  p: {
    leadId: string;
    deadlineId: string;
    kind: string;
    dueAt: string;
    step: number;
    legalBasis: string | null;
    caseId?: string | null;
  },
  service: string,
  at: string,
): Promise<void> {
  await append(
    tx,
    p.leadId,
    'breaches',
    {
      service,
      deadlineId: p.deadlineId,
      kind: p.kind,
      dueAt: p.dueAt,
      step: p.step,
      legalBasis: p.legalBasis,
      caseId: p.caseId ?? null,
      at,
    },
    undefined,
    'breach_count = breach_count + 1',
  );
}
