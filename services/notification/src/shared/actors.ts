import type { Actor } from '@outpost/contracts';
import type { Principal } from '@outpost/platform';

export const NOTIFICATION_ACTOR: Actor = { type: 'system', name: 'notification' };

/** The actor of an admin/operator action, with the role that allowed it. */
export function userActor(p: Principal, allowed: string[]): Actor {
  const role = p.roles.find((r) => allowed.includes(r)) ?? p.roles[0]!;
  return { type: 'user', userId: p.userId, role, name: p.name };
}
