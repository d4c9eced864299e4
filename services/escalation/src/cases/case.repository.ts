import { Injectable } from '@nestjs/common';
import type { Category, LeadDecidedV1, Recommendation } from '@outpost/contracts';
import { DataSource, type EntityManager } from 'typeorm';
import { CASE_ITEMS, type CaseItem, type CaseState } from './transition-table';

export interface Investigator {
  personId: string;
  name: string;
  /** 执法证号 (Reg. Art. 21: investigators show their enforcement certificates). */
  badgeNo: string;
}

/** The decision a case was opened (or last re-routed) with: the parts escalation needs, no reporter identity. */
export type CaseDecision = Pick<
  LeadDecidedV1,
  | 'assessmentId'
  | 'decidedBy'
  | 'decision'
  | 'category'
  | 'band'
  | 'legalBasis'
  | 'reasoning'
  | 'feedback'
  | 'gridIds'
  | 'streetCode'
  | 'subjectRegisteredAddress'
>;

export interface CaseRow {
  id: string;
  caseNo: string;
  primaryLeadId: string;
  path: Recommendation;
  state: CaseState;
  jurisdiction: 'LEAD' | 'ASSISTING';
  category: Category;
  band: string;
  authority: string | null;
  authorityLabel: string | null;
  handlerId: string | null;
  decidedBy: string;
  decision: CaseDecision;
  openedAt: Date;
  filedAt: Date | null;
  closedAt: Date | null;
  outcome: string | null;
  summary: string | null;
  reporterFeedback: string | null;
  cycle: number;
  investigators: Investigator[];
  mergedInto: string | null;
}

export interface CaseLeadRow {
  leadId: string;
  caseId: string;
  relation: 'PRIMARY' | 'MERGED' | 'LINKED';
  streetCode: string | null;
  gridIds: string[];
  addedAt: Date;
}

interface RawCase {
  id: string;
  case_no: string;
  primary_lead_id: string;
  path: Recommendation;
  state: CaseState;
  jurisdiction: 'LEAD' | 'ASSISTING';
  category: Category;
  band: string;
  authority: string | null;
  authority_label: string | null;
  handler_id: string | null;
  decided_by: string;
  decision: CaseDecision;
  opened_at: Date;
  filed_at: Date | null;
  closed_at: Date | null;
  outcome: string | null;
  summary: string | null;
  reporter_feedback: string | null;
  cycle: number;
  investigators: Investigator[];
  merged_into: string | null;
}

const toCase = (r: RawCase): CaseRow => ({
  id: r.id,
  caseNo: r.case_no,
  primaryLeadId: r.primary_lead_id,
  path: r.path,
  state: r.state,
  jurisdiction: r.jurisdiction,
  category: r.category,
  band: r.band,
  authority: r.authority,
  authorityLabel: r.authority_label,
  handlerId: r.handler_id,
  decidedBy: r.decided_by,
  decision: r.decision,
  openedAt: new Date(r.opened_at),
  filedAt: r.filed_at ? new Date(r.filed_at) : null,
  closedAt: r.closed_at ? new Date(r.closed_at) : null,
  outcome: r.outcome,
  summary: r.summary,
  reporterFeedback: r.reporter_feedback,
  cycle: Number(r.cycle),
  investigators: r.investigators ?? [],
  mergedInto: r.merged_into,
});

type Db = DataSource | EntityManager;

/** Raw-SQL access to cases and the leads in them (search_path = the escalation schema). */
@Injectable()
export class CaseRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The case a lead belongs to now (following merges); `lock` takes the case row FOR UPDATE. */
  async byLead(db: Db, leadId: string, lock = false): Promise<CaseRow | null> {
    const rows: RawCase[] = await db.query(
      `SELECT c.* FROM disposal_case c JOIN case_lead l ON l.case_id = c.id WHERE l.lead_id = $1 ${lock ? 'FOR UPDATE OF c' : ''}`,
      [leadId],
    );
    return rows[0] ? toCase(rows[0]) : null;
  }

  /** Every case not closed, oldest first. */
  async open(db: Db): Promise<CaseRow[]> {
    const rows: RawCase[] = await db.query(`SELECT * FROM disposal_case WHERE state <> 'CLOSED' ORDER BY id`);
    return rows.map(toCase);
  }

  async byId(db: Db, caseId: string, lock = false): Promise<CaseRow | null> {
    const rows: RawCase[] = await db.query(`SELECT * FROM disposal_case WHERE id = $1 ${lock ? 'FOR UPDATE' : ''}`, [
      caseId,
    ]);
    return rows[0] ? toCase(rows[0]) : null;
  }

  /**
   * Which kinds of item the case holds that an action could work on now (transition-table CASE_ITEMS), as `userId`
   * sees them: a measure they requested themselves is not theirs to approve. One round trip.
   */
  async itemsHeld(db: Db, caseId: string, userId: string, now: Date): Promise<Set<CaseItem>> {
    const [row]: Array<Record<CaseItem, boolean>> = await db.query(
      `SELECT
         EXISTS (SELECT 1 FROM measure WHERE case_id = $1 AND status = 'REQUESTED' AND requested_by <> $2)
           AS "MEASURE_TO_APPROVE",
         EXISTS (SELECT 1 FROM measure WHERE case_id = $1 AND status = 'ACTIVE' AND measure_type <> 'PRESERVATION')
           AS "MEASURE_TO_RELEASE",
         EXISTS (SELECT 1 FROM measure WHERE case_id = $1 AND status = 'ACTIVE' AND measure_type = 'SEAL_SEIZE'
                   AND NOT extended AND ends_at >= $3) AS "SEIZURE_TO_EXTEND",
         EXISTS (SELECT 1 FROM measure WHERE case_id = $1 AND status = 'ACTIVE' AND measure_type = 'PRESERVATION')
           AS "PRESERVATION_TO_DECIDE",
         EXISTS (SELECT 1 FROM task WHERE case_id = $1 AND status = 'OPEN') AS "OPEN_TASK",
         EXISTS (SELECT 1 FROM external_dispatch WHERE case_id = $1 AND status <> 'ACKNOWLEDGED')
           AS "UNACKNOWLEDGED_DISPATCH"`,
      [caseId, userId, now],
    );
    return new Set(CASE_ITEMS.filter((item) => row![item]));
  }

  async leads(db: Db, caseId: string): Promise<CaseLeadRow[]> {
    const rows: Array<{
      lead_id: string;
      case_id: string;
      relation: CaseLeadRow['relation'];
      street_code: string | null;
      grid_ids: string[];
      added_at: Date;
    }> = await db.query(`SELECT * FROM case_lead WHERE case_id = $1 ORDER BY added_at, lead_id`, [caseId]);
    return rows.map((r) => ({
      leadId: r.lead_id,
      caseId: r.case_id,
      relation: r.relation,
      streetCode: r.street_code,
      gridIds: r.grid_ids ?? [],
      addedAt: new Date(r.added_at),
    }));
  }

  async nextCaseNo(tx: EntityManager, at: Date): Promise<string> {
    const [{ n }]: Array<{ n: string }> = await tx.query(`SELECT nextval('case_no_seq') AS n`);
    return `CZ-${at.getUTCFullYear()}-${String(n).padStart(6, '0')}`;
  }

  async insert(tx: EntityManager, c: CaseRow): Promise<void> {
    await tx.query(
      `INSERT INTO disposal_case (id, case_no, primary_lead_id, path, state, jurisdiction, category, band, authority, authority_label,
         handler_id, decided_by, decision, opened_at, filed_at, cycle)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16)`,
      [
        c.id,
        c.caseNo,
        c.primaryLeadId,
        c.path,
        c.state,
        c.jurisdiction,
        c.category,
        c.band,
        c.authority,
        c.authorityLabel,
        c.handlerId,
        c.decidedBy,
        JSON.stringify(c.decision),
        c.openedAt,
        c.filedAt,
        c.cycle,
      ],
    );
  }

  /** Writes every mutable column of the case (the row is locked by the caller). */
  async save(tx: EntityManager, c: CaseRow): Promise<void> {
    await tx.query(
      `UPDATE disposal_case SET path=$2, state=$3, jurisdiction=$4, category=$5, band=$6, authority=$7, authority_label=$8, handler_id=$9,
         decided_by=$10, decision=$11, opened_at=$12, filed_at=$13, closed_at=$14, outcome=$15, summary=$16, reporter_feedback=$17,
         cycle=$18, investigators=$19, merged_into=$20, updated_at=now()
       WHERE id=$1`,
      [
        c.id,
        c.path,
        c.state,
        c.jurisdiction,
        c.category,
        c.band,
        c.authority,
        c.authorityLabel,
        c.handlerId,
        c.decidedBy,
        JSON.stringify(c.decision),
        c.openedAt,
        c.filedAt,
        c.closedAt,
        c.outcome,
        c.summary,
        c.reporterFeedback,
        c.cycle,
        JSON.stringify(c.investigators),
        c.mergedInto,
      ],
    );
  }

  async addLead(tx: EntityManager, l: CaseLeadRow): Promise<void> {
    await tx.query(
      `INSERT INTO case_lead (lead_id, case_id, relation, street_code, grid_ids, added_at) VALUES ($1,$2,$3,$4,$5,$6)
       ON CONFLICT (lead_id) DO UPDATE SET case_id = EXCLUDED.case_id, relation = EXCLUDED.relation`,
      [l.leadId, l.caseId, l.relation, l.streetCode, l.gridIds, l.addedAt],
    );
  }

  async moveLeads(tx: EntityManager, fromCaseId: string, toCaseId: string): Promise<void> {
    await tx.query(
      `UPDATE case_lead SET case_id = $2, relation = CASE WHEN relation = 'PRIMARY' THEN 'MERGED' ELSE relation END WHERE case_id = $1`,
      [fromCaseId, toCaseId],
    );
  }

  /** Whether any lead of the case came from a reporter who awaits feedback; unknown origin counts as yes. */
  async needsReporterFeedback(db: Db, caseId: string): Promise<boolean> {
    const rows: Array<{ needs: boolean }> = await db.query(
      `SELECT bool_or(coalesce(o.has_reporter, true)) AS needs FROM case_lead l LEFT JOIN lead_origin o ON o.lead_id = l.lead_id WHERE l.case_id = $1`,
      [caseId],
    );
    return rows[0]?.needs ?? true;
  }

  async recordOrigin(
    tx: EntityManager,
    o: { leadId: string; reference: string; sourceChannel: string; hasReporter: boolean; registeredAt: Date },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO lead_origin (lead_id, reference, source_channel, has_reporter, registered_at) VALUES ($1,$2,$3,$4,$5) ON CONFLICT (lead_id) DO NOTHING`,
      [o.leadId, o.reference, o.sourceChannel, o.hasReporter, o.registeredAt],
    );
  }

  get db(): DataSource {
    return this.dataSource;
  }
}
