import type { Actor, Role } from '@outpost/contracts';
import type { Principal } from '@outpost/platform';

/** The acting user as events and audit entries name them, with the role used for this action. */
export function userActor(p: Principal, role: Role): Actor {
  return { type: 'user', userId: p.userId, role, name: p.name };
}

/** The first of the principal's roles that the action accepts (the role "used" for it). */
export function roleUsed(p: Principal, accepted: readonly Role[]): Role | null {
  return p.roles.find((r) => accepted.includes(r)) ?? null;
}

export const SLA_ACTOR: Actor = { type: 'system', name: 'sla-timer' };
export const TRIAGE_ACTOR: Actor = { type: 'system', name: 'triage' };
export const SEED_ACTOR: Actor = { type: 'system', name: 'demo-seed' };
