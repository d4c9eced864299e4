/**
 * Overall status of a lead, derived by read models from the stage owners' events (ARCHITECTURE.md "A lead's trip").
 * Renaming a value is a migration of every read model, not a refactor.
 */
export const LEAD_STATUSES = [
  'REPORTED',
  'LINKED',
  'TRIAGED',
  'ASSIGNED',
  'IN_REVIEW',
  'VERIFYING',
  'OPINION_SUBMITTED',
  'DECIDED',
  'DISPOSING',
  'MONITORING',
  'REOPENED',
  'CLOSED',
] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];

/** Stage that owns the lead at a given status. */
export type LeadStage = 'intake' | 'assessment' | 'escalation' | 'closed';

export function stageOf(status: LeadStatus): LeadStage {
  switch (status) {
    case 'REPORTED':
    case 'LINKED':
      return 'intake';
    case 'TRIAGED':
    case 'ASSIGNED':
    case 'IN_REVIEW':
    case 'VERIFYING':
    case 'OPINION_SUBMITTED':
    case 'REOPENED':
      return 'assessment';
    case 'DECIDED':
    case 'DISPOSING':
    case 'MONITORING':
      return 'escalation';
    case 'CLOSED':
      return 'closed';
  }
}

/** Risk bands, mirroring 金鹰's three colours (DOMAIN.md §5); `none` when nothing was hit. */
export const BANDS = ['red', 'orange', 'yellow', 'none'] as const;
export type Band = (typeof BANDS)[number];

/** 专业意见 recommendations and officer decisions (DOMAIN.md §6.6, §7). */
export const RECOMMENDATIONS = [
  'CLOSE_NOT_ILLEGAL',
  'MONITOR',
  'WARNING_INTERVIEW',
  'TRANSFER_AUTHORITY',
  'REFER_POLICE',
  'FILE_ADMIN_CASE',
] as const;
export type Recommendation = (typeof RECOMMENDATIONS)[number];

/** Primary categories (DOMAIN.md §4). */
export const CATEGORIES = [
  'IF',
  'IF-XS',
  'IF-ZP',
  'IF-FX',
  'IF-SM',
  'IF-YL',
  'IF-AD',
  'FD',
  'ZF',
  'ZQ',
  'QH',
  'WH',
  'HJ',
  'XN',
  'BX',
  'CX',
  'ZJ',
  'DZ',
  'OT',
] as const;
export type Category = (typeof CATEGORIES)[number];

/**
 * How a disposal case ends (办结), set by escalation's close command and carried as `outcome` by
 * escalation.lead-closed.v1 (which types it as a string: a lead closed before a code existed keeps its old one).
 */
export const CLOSE_OUTCOMES = [
  'NOT_ILLEGAL',
  'RECTIFIED',
  'TRANSFERRED',
  'POLICE_FILED',
  'PENALIZED',
  'NO_PENALTY',
  'MONITORING_ENDED',
  'OTHER',
] as const;
export type CloseOutcome = (typeof CLOSE_OUTCOMES)[number];

/**
 * The external systems escalation reports to and hands over to (docs/connectors.md); the code travels as `system` on
 * escalation.reported-upstream.v1 and escalation.upstream-acknowledged.v1. Endpoints and display names are escalation's
 * config.
 */
export const EXTERNAL_SYSTEMS = [
  'SUISUIAN',
  'POLICE',
  'MARKET_REGULATION',
  'FINANCIAL_REGULATOR',
  'LEAD_DEPARTMENT',
] as const;
export type ExternalSystem = (typeof EXTERNAL_SYSTEMS)[number];

/** Lead source channels (DOMAIN.md §6.4). */
export const SOURCE_CHANNELS = [
  'PATROL',
  'BANK_MONITOR',
  'PUBLIC_REPORT',
  'SYSTEM_ALERT',
  'MEDIA',
  'REFERRAL',
] as const;
export type SourceChannel = (typeof SOURCE_CHANNELS)[number];

/** The four characteristics of illegal fundraising (SPC Art. 1): 非法性, 公开性, 利诱性, 社会性. */
export const ANCHORS = ['I', 'P', 'Ind', 'S'] as const;
export type Anchor = (typeof ANCHORS)[number];
export type ChecklistLevel = 'none' | 'suspected' | 'evidenced';
