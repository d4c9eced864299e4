import type { Role } from '@outpost/contracts';

/**
 * Role × action at the gateway (coarse gate; the owning service enforces role × state × action and scope again).
 * One place, so the authorisation matrix test and the OpenAPI descriptions read the same table.
 */
export const ROLE_GROUPS = {
  /** Read leads, the dashboard, exports and live updates (each filtered by grid scope). */
  leadReaders: ['SENTINEL', 'VOLUNTEER', 'STREET_RESPONSIBLE', 'OFFICER', 'SUPERVISOR', 'ADMIN'],
  /** File a lead from the field (mobile form). */
  leadFilers: ['SENTINEL', 'VOLUNTEER', 'STREET_RESPONSIBLE', 'OFFICER'],
  /** Add evidence to a lead in scope. */
  evidenceAdders: ['SENTINEL', 'VOLUNTEER', 'STREET_RESPONSIBLE', 'OFFICER'],
  /** Drive the workflow (each action further restricted below and by the service). */
  workflow: ['SENTINEL', 'VOLUNTEER', 'STREET_RESPONSIBLE', 'OFFICER', 'SUPERVISOR'],
  /** See reporter identity and bank-sensitive fields (OFFICER only with canCertify; checked separately). */
  revealers: ['OFFICER', 'SUPERVISOR'],
  /** Name people in workflow forms (reassign, task assignee, investigators, case handler): those who give such commands. */
  directoryReaders: ['STREET_RESPONSIBLE', 'OFFICER', 'SUPERVISOR'],
  /** Roster and pairings (assessment enforces the same: ADMIN, SUPERVISOR). */
  rosterManagers: ['ADMIN', 'SUPERVISOR'],
  /** Sign-in accounts: create, reset a password, unlock, disable. */
  accountManagers: ['ADMIN'],
  /** Operator console. */
  operators: ['OPERATOR', 'ADMIN'],
  /** Anyone signed in. */
  anyone: ['SENTINEL', 'VOLUNTEER', 'STREET_RESPONSIBLE', 'OFFICER', 'SUPERVISOR', 'OPERATOR', 'ADMIN'],
} as const satisfies Record<string, readonly Role[]>;

/** Who may ask for a workflow action at all (docs/SHARED-FACTS.md "Command API shape"). */
export const ACTION_ROLES: Record<string, readonly Role[]> = {
  // assessment
  claim: ['VOLUNTEER', 'STREET_RESPONSIBLE', 'OFFICER'],
  release: ['VOLUNTEER', 'STREET_RESPONSIBLE', 'OFFICER'],
  reassign: ['STREET_RESPONSIBLE', 'OFFICER', 'SUPERVISOR'],
  'request-verification': ['VOLUNTEER', 'STREET_RESPONSIBLE', 'OFFICER'],
  'answer-verification': ['SENTINEL', 'VOLUNTEER', 'STREET_RESPONSIBLE', 'OFFICER'],
  'submit-opinion': ['VOLUNTEER', 'STREET_RESPONSIBLE', 'OFFICER'],
  decide: ['OFFICER'],
  return: ['OFFICER', 'SUPERVISOR'],
  reopen: ['OFFICER', 'SUPERVISOR'],
  // escalation (roles as in escalation's transition table)
  'record-action': ['STREET_RESPONSIBLE', 'OFFICER'],
  'complete-task': ['STREET_RESPONSIBLE', 'OFFICER'],
  // 负责人 approvals are the SUPERVISOR's in escalation's table (HEADS); the gateway must not block them.
  'approve-referral': ['SUPERVISOR'],
  'refuse-referral': ['SUPERVISOR'],
  'approve-measure': ['SUPERVISOR'],
  'refuse-measure': ['SUPERVISOR'],
  'extend-measure': ['SUPERVISOR'],
  'assign-handler': ['SUPERVISOR'],
  'send-referral': ['OFFICER'],
  'record-police-decision': ['OFFICER'],
  close: ['OFFICER'],
  merge: ['OFFICER'],
};

/** Escalation has more referral/disposal steps than listed above; those are for district officers only. */
export const UNLISTED_ACTION_ROLES: readonly Role[] = ['OFFICER'];

export const ACTION_NAME = /^[a-z][a-z0-9-]{1,48}$/;

export function rolesForAction(action: string): readonly Role[] {
  return ACTION_ROLES[action] ?? UNLISTED_ACTION_ROLES;
}

export function hasAnyRole(roles: readonly Role[], allowed: readonly Role[]): boolean {
  return roles.some((r) => allowed.includes(r));
}
