export type Role = 'SENTINEL' | 'VOLUNTEER' | 'STREET_RESPONSIBLE' | 'OFFICER' | 'SUPERVISOR' | 'OPERATOR' | 'ADMIN';
export type Band = 'red' | 'orange' | 'yellow' | 'none';
export type Stage = 'intake' | 'assessment' | 'escalation' | 'closed';
export type Level = 'none' | 'suspected' | 'evidenced';

export const STAGES: Stage[] = ['intake', 'assessment', 'escalation', 'closed'];
export const BANDS: Band[] = ['red', 'orange', 'yellow', 'none'];
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
export const RECOMMENDATIONS = [
  'CLOSE_NOT_ILLEGAL',
  'MONITOR',
  'WARNING_INTERVIEW',
  'TRANSFER_AUTHORITY',
  'REFER_POLICE',
  'FILE_ADMIN_CASE',
] as const;
export const ANCHORS = ['I', 'P', 'Ind', 'S'] as const;
export const TASK_TYPES = ['INTERVIEW', 'RECTIFICATION_ORDER', 'SITE_VISIT', 'PUBLICITY', 'REVISIT', 'OTHER'] as const;
export const OUTCOMES = [
  'NOT_ILLEGAL',
  'RECTIFIED',
  'TRANSFERRED',
  'POLICE_FILED',
  'PENALIZED',
  'NO_PENALTY',
  'MONITORING_ENDED',
  'OTHER',
] as const;
export const REFERRAL_MATERIALS = [
  'TRANSFER_LETTER',
  'INVESTIGATION_REPORT',
  'ITEM_LIST',
  'INSPECTION_REPORT',
  'OTHER',
] as const;
export const POLICE_DECISIONS = ['FILED', 'DECLINED', 'MATERIALS_INCOMPLETE'] as const;
/** Investigation and enforcement measures (escalation's MEASURE_TYPES; 条例第21–24条). */
export const MEASURE_TYPES = [
  'ENTER_PREMISES',
  'QUESTION',
  'COPY_SEAL_DOCS',
  'ACCOUNT_QUERY',
  'SEAL_SEIZE',
  'SUSPEND_FUNDRAISING',
  'SUSPEND_REGISTRATION',
] as const;
export const PENALTY_RESULTS = ['PENALTY', 'NO_PENALTY_MINOR', 'NO_PENALTY_UNPROVEN'] as const;
export const EVIDENCE_TYPES = [
  'PHOTO',
  'LEAFLET',
  'CONTRACT',
  'RECEIPT',
  'CHAT_SCREENSHOT',
  'URL_SNAPSHOT',
  'AUDIO',
  'VIDEO',
  'OTHER',
] as const;
export const SUBJECT_KINDS = [
  'ENTERPRISE',
  'INDIVIDUAL_BUSINESS',
  'PERSON',
  'PLATFORM',
  'APP',
  'WEBSITE',
  'CHAT_GROUP',
] as const;
export const LEAD_CHANNELS = [
  'OFFLINE_VENUE',
  'WECHAT_GROUP',
  'APP',
  'WEBSITE',
  'LIVESTREAM',
  'SMS',
  'PHONE',
  'LEAFLET',
  'SEMINAR',
  'OTHER',
] as const;
export const ROLES: Role[] = [
  'SENTINEL',
  'VOLUNTEER',
  'STREET_RESPONSIBLE',
  'OFFICER',
  'SUPERVISOR',
  'OPERATOR',
  'ADMIN',
];

export interface Me {
  personId: string;
  login: string;
  /** Signed in with an administrator's one-time password: only 修改密码 until it is changed. */
  mustChangePassword: boolean;
  name: string;
  roles: Role[];
  canCertify: boolean;
  scope: { district: boolean; streetCodes: string[]; gridIds: string[] };
  unit: string | null;
  institution: string | null;
  pairings: Array<{ id: string; volunteerId: string; sentinelId: string; gridIds: string[]; status: string }>;
}

export interface LoginAnswer {
  accessToken: string;
  expiresIn: number;
  user: Me;
}

export interface LeadSummary {
  id: string;
  reference: string | null;
  title: string | null;
  status: string | null;
  stage: Stage | null;
  band: Band | null;
  score: number | null;
  category: string | null;
  streetCode: string | null;
  streetName: string | null;
  gridIds: string[];
  /** Who was assigned the assessment (the paired volunteer or sentinel). */
  assignee: { id: string; name: string | null } | null;
  /** Who holds the lead now: the disposal case's handler after the decision, else the assignee. */
  holder: { id: string; name: string | null } | null;
  dueAt: string | null;
  overdue: boolean;
  breachCount: number;
  caseNo: string | null;
  reportedAt: string | null;
  closedAt: string | null;
  updatedAt: string;
}

export interface Page<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
}

export interface TimelineItem {
  at: string;
  service: string;
  actor: { type: string; userId?: string; role?: string; name?: string };
  action: string;
  from: string | null;
  to: string | null;
  reason: string | null;
}

export interface ScoreLine {
  indicator: string;
  label: string;
  anchor: string | null;
  weight: number;
  confidence: number;
  points: number;
  evidence: string;
}

export interface Subject {
  kind: string;
  name: string;
  uscc?: string | null;
  registeredAddress?: string | null;
}

export interface EvidenceFile {
  evidenceId: string;
  type: string;
  sha256: string;
  mediaType: string;
  sizeBytes: number;
  addedAt: string;
}

export interface LeadDetail extends Omit<LeadSummary, 'streetName'> {
  description: string | null;
  timeline: TimelineItem[];
  timelineMissing: Array<{ service: string; reason: string }>;
  source: { channel: string | null; name: string | null; ref: unknown };
  placement: {
    streetCode?: string | null;
    streetName?: string | null;
    gridIds?: string[];
    addressText?: string | null;
    resolvedBy?: string | null;
  } | null;
  subjects: Subject[];
  estimates: Partial<Record<EstimateKey, number | boolean | null>> | null;
  explanation: ScoreLine[];
  /** Intake's screening at registration (the only score of a report linked into another lead: it is not triaged). */
  screening: {
    score: number;
    band: Band;
    hits: Array<{ indicator: string; term: string; field: string; anchor: string | null; weight: number }>;
  } | null;
  checklist: Record<string, string> | null;
  verifications: Array<{ requestId: string; question: string; askedOf?: string; dueAt?: string; at?: string }>;
  verificationAnswers: Array<{ requestId: string; answer: string; answeredBy: string; at?: string }>;
  opinion: Record<string, unknown> | null;
  decision: Record<string, unknown> | null;
  case: Record<string, unknown> | null;
  closure: Record<string, unknown> | null;
  evidence: EvidenceFile[];
  /** The open lead this report was linked into (same subject), if it was. */
  linkedTo: string | null;
  /** Later reports about the same subject, linked into this lead. */
  linkedReports: LinkedReport[];
}

export type EstimateKey = 'promisedYieldPct' | 'amountYuan' | 'participants' | 'lossYuan' | 'elderlyInvolved';

export interface LinkedReport {
  linkedLeadId: string;
  linkedReference: string;
  matchedOn: Array<{ key: 'uscc' | 'name' | 'phone' | 'url' | 'wechat'; value: string }>;
  reportCount: number;
  at: string;
}

export interface AllowedActions {
  leadId: string;
  status: string | null;
  stage: Stage | null;
  service: string | null;
  actions: Array<{ action: string; label: { zh: string; en: string } }>;
  gatewayActions: Array<{ action: string; label: { zh: string; en: string } }>;
}

export interface KeyCount {
  key: string | null;
  count: number;
  name?: string | null;
  service?: string;
}

export interface Dashboard {
  totals: {
    total: number;
    /** Not closed and not linked into another lead. */
    open: number;
    /** Reports merged into an open lead about the same subject (handled through it). */
    linked: number;
    closed: number;
    overdue: number;
    breached: number;
    breaches: number;
    slaCompliancePct: number;
  };
  byStage: KeyCount[];
  byStatus: KeyCount[];
  byStreet: KeyCount[];
  byGrid: KeyCount[];
  byCategory: KeyCount[];
  byBand: KeyCount[];
  sla: { breachedLeads: number; breaches: number; overdue: number; byKind: KeyCount[] };
  trend: Array<{ week: string; reported: number; closed: number; breaches: number }>;
}

/** A lead's disposal case as escalation keeps it (GET /api/v1/leads/{id}/case), with the names of the people in it. */
export interface CaseFile {
  caseId: string;
  caseNo: string;
  /** Shown through the dictionary (caseState.*), like the clocks' kinds (clock.*). */
  state: string;
  path: string;
  jurisdiction: 'LEAD' | 'ASSISTING';
  authority: { system: string; agency: string | null } | null;
  handlerId: string | null;
  decidedBy: string | null;
  openedAt: string;
  investigators: Array<{ personId: string; name: string; badgeNo: string }>;
  clocks: Array<{
    id: string;
    kind: string;
    legalBasis: string | null;
    startedAt: string;
    dueAt: string;
    status: 'RUNNING' | 'MET' | 'BREACHED' | 'LAPSED' | 'CANCELLED';
    breachStep: number;
    subjectRef: string | null;
  }>;
  measures: CaseMeasure[];
  tasks: Array<{
    id: string;
    actionType: string;
    summary: string;
    assigneeId: string | null;
    dueAt: string | null;
    status: 'OPEN' | 'DONE';
  }>;
  reports: Array<{
    id: string;
    system: string;
    purpose: string;
    to: string | null;
    status: string;
    externalRef: string | null;
    sentAt: string | null;
  }>;
  names: Record<string, string>;
}

export interface CaseMeasure {
  id: string;
  measureType: string;
  description: string;
  requiresApproval: boolean;
  status: 'REQUESTED' | 'ACTIVE' | 'RELEASED' | 'DECIDED' | 'REFUSED';
  requestedBy: string;
  approvedBy: string | null;
  extended: boolean;
  endsAt: string | null;
}

/** One person a workflow form may name (GET /api/v1/directory). */
export interface DirectoryPerson {
  id: string;
  name: string;
  roles: Role[];
  unit: string | null;
  institution: string | null;
}
