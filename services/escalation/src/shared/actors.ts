import type { Actor, Role } from '@outpost/contracts';
import type { Principal } from '@outpost/platform';

export const TIMER_ACTOR: Actor = { type: 'system', name: 'sla-timer' };
export const CONNECTOR_ACTOR: Actor = { type: 'system', name: 'connector' };

export function userActor(p: Principal, role: Role): Actor {
  return { type: 'user', userId: p.userId, role, name: p.name };
}

export function sourceActor(system: string, name: string): Actor {
  return { type: 'source', sourceId: `external:${system}`, name };
}
