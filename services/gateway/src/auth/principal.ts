import type { Role } from '@outpost/contracts';
import type { Principal } from '@outpost/platform';

/** District-wide staff see every lead (ARCHITECTURE.md: sentinel grids, volunteer pairings, street staff streets). */
export const DISTRICT_ROLES: readonly Role[] = ['OFFICER', 'SUPERVISOR', 'OPERATOR', 'ADMIN'];

export interface RosterPersonRow {
  id: string;
  name: string;
  roles: Role[];
  can_certify: boolean;
  unit: string | null;
  institution: string | null;
  street_codes: string[];
  grid_ids: string[];
  phone: string | null;
  email: string | null;
  active: boolean;
  deleted: boolean;
}

export interface PairingRow {
  id: string;
  volunteer_id: string;
  sentinel_id: string;
  grid_ids: string[];
  status: string;
}

/** The signed-in person as every /api route sees it. */
export interface AuthUser {
  principal: Principal;
  personId: string;
  login: string;
  /** Refresh-token family of this session (logout revokes it, and with it the access token). */
  sessionId: string;
  /** Signed in with a password an administrator issued: nothing but changing it is allowed until then. */
  mustChangePassword: boolean;
}

/**
 * Builds the principal from the roster copy. Volunteers work in their pairings' grids (结对), so active pairings add
 * grids; the person's own grids and streets always count.
 */
export function principalFor(person: RosterPersonRow, pairings: PairingRow[]): Principal {
  const grids = new Set(person.grid_ids);
  if (person.roles.includes('VOLUNTEER')) {
    for (const p of pairings)
      if (p.status === 'ACTIVE' && p.volunteer_id === person.id) p.grid_ids.forEach((g) => grids.add(g));
  }
  return {
    userId: person.id,
    name: person.name,
    roles: person.roles,
    canCertify: person.can_certify,
    scope: {
      district: person.roles.some((r) => DISTRICT_ROLES.includes(r)),
      streetCodes: person.roles.includes('STREET_RESPONSIBLE') ? [...person.street_codes] : [],
      gridIds: [...grids].sort(),
    },
  };
}

/**
 * SQL condition (over lead_view) for "this user may see the lead": in scope by grid or street, or the user filed it or
 * is its assignee. Appends its parameters to `params`.
 */
export function visibilitySql(p: Principal, params: unknown[]): string {
  if (p.scope.district) return 'TRUE';
  params.push(p.scope.streetCodes, p.scope.gridIds, p.userId);
  const n = params.length;
  return `(street_code = ANY($${n - 2}::text[]) OR grid_ids && $${n - 1}::text[] OR assignee_id = $${n} OR filed_by = $${n})`;
}

/** The same rule in memory (live updates). */
export function canSee(
  p: Principal,
  lead: { streetCode: string | null; gridIds: string[]; assigneeId: string | null; filedBy: string | null },
): boolean {
  if (p.scope.district) return true;
  if (lead.streetCode && p.scope.streetCodes.includes(lead.streetCode)) return true;
  if (lead.gridIds.some((g) => p.scope.gridIds.includes(g))) return true;
  return lead.assigneeId === p.userId || lead.filedBy === p.userId;
}
