import type { LeadAssignedV1, LeadRegisteredV1, Person, Placement } from '@outpost/contracts';

/**
 * A valid intake.lead-registered.v1 payload for consumer tests: a patrol lead on the 沙河 street grid, red band, no
 * subjects, anonymous reporter. Tests override what they are about (source, channel, reporter, time…).
 */
export function leadRegisteredPayload(leadId: string, overrides: Partial<LeadRegisteredV1> = {}): LeadRegisteredV1 {
  return {
    leadId,
    reference: `TH-20260316-${leadId.slice(-6)}`,
    sourceId: 'src-patrol',
    sourceName: '巡查系统',
    sourceChannel: 'PATROL',
    sourceRef: null,
    discoveredAt: null,
    reportedAt: new Date().toISOString(),
    title: '某公司承诺高额返利',
    description: '巡查发现',
    suggestedCategory: 'IF-XS',
    subjects: [],
    placement: placementOn('G-440106001-C01', { streetName: '沙河', addressText: null }),
    estimates: { promisedYieldPct: 18, amountYuan: null, participants: null, lossYuan: null, elderlyInvolved: null },
    channels: [],
    screening: { catalogVersion: '1', score: 70, band: 'red', hits: [] },
    reporter: { anonymous: true, contactable: false },
    confidentiality: 'NORMAL',
    filedBy: null,
    ...overrides,
  };
}

/** A lead placed on one grid by its address text; the street is the grid id's (G-<street code>-…). */
export function placementOn(gridId: string, o: { streetName: string | null; addressText: string | null }): Placement {
  return {
    addressText: o.addressText,
    standardAddressCode: null,
    lat: null,
    lng: null,
    streetCode: gridId.slice(2, 11),
    streetName: o.streetName,
    communityCode: null,
    gridIds: [gridId],
    resolvedBy: 'ADDRESS_TEXT',
    unresolved: false,
  };
}

/** A valid assessment.lead-assigned.v1 payload: routed to pair-1, assignee p-sentinel-1, no partner, no deadline. */
export function leadAssignedPayload(leadId: string, overrides: Partial<LeadAssignedV1> = {}): LeadAssignedV1 {
  return {
    leadId,
    assessmentId: `as-${leadId}`,
    status: 'ASSIGNED',
    assigneeId: 'p-sentinel-1',
    assigneeName: '陈一',
    pairingId: 'pair-1',
    partnerId: null,
    pool: 'PAIR',
    reason: 'ROUTED',
    dueAt: null,
    ...overrides,
  };
}

/** A roster person as assessment.roster-changed.v1 carries them: active, no unit, grids or contacts unless given. */
export function rosterPerson(id: string, name: string, roles: Person['roles'], extra: Partial<Person> = {}): Person {
  return {
    id,
    name,
    roles,
    canCertify: false,
    unit: null,
    institution: null,
    volunteerRoles: [],
    streetCodes: [],
    gridIds: [],
    phone: null,
    email: null,
    active: true,
    ...extra,
  };
}
