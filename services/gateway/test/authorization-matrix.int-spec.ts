import type { Role } from '@outpost/contracts';
import { eventually } from '@outpost/testing';
import { randomUUID } from 'node:crypto';
import { registeredRoutes } from '../src/web/route-table';
import { GatewayHarness, registered } from './support/gateway-harness';

/**
 * Calls EVERY route the gateway registered (read from Fastify's route table, so a new route cannot be forgotten) as
 * anonymous and as every demo account, and checks that nobody outside a route's policy gets a success. The policy is
 * restated here independently of src/auth/access-policy.ts; a route missing from it fails the test.
 */
type Identity = { login: string | null; roles: Role[]; canCertify: boolean; inScope: boolean };
const IDENTITIES: Identity[] = [
  { login: null, roles: [], canCertify: false, inScope: false },
  { login: 'sentinel1', roles: ['SENTINEL'], canCertify: false, inScope: true },
  { login: 'volunteer1', roles: ['VOLUNTEER'], canCertify: false, inScope: true },
  { login: 'volunteer3', roles: ['VOLUNTEER'], canCertify: false, inScope: true },
  { login: 'sentinel2', roles: ['SENTINEL'], canCertify: false, inScope: false },
  { login: 'volunteer2', roles: ['VOLUNTEER'], canCertify: false, inScope: false },
  { login: 'street1', roles: ['STREET_RESPONSIBLE'], canCertify: false, inScope: true },
  { login: 'officer1', roles: ['OFFICER'], canCertify: true, inScope: true },
  { login: 'officer2', roles: ['OFFICER'], canCertify: false, inScope: true },
  { login: 'supervisor1', roles: ['SUPERVISOR'], canCertify: false, inScope: true },
  { login: 'operator1', roles: ['OPERATOR'], canCertify: false, inScope: true },
  { login: 'admin1', roles: ['ADMIN'], canCertify: false, inScope: true },
];

const READERS: Role[] = ['SENTINEL', 'VOLUNTEER', 'STREET_RESPONSIBLE', 'OFFICER', 'SUPERVISOR', 'ADMIN'];
const ANYONE: Role[] = [...READERS, 'OPERATOR'];
const OPS: Role[] = ['OPERATOR', 'ADMIN'];
const FILERS: Role[] = ['SENTINEL', 'VOLUNTEER', 'STREET_RESPONSIBLE', 'OFFICER'];

type Policy =
  | { kind: 'public' }
  | { kind: 'nobody' } // internal-token routes: no browser identity may succeed
  | { kind: 'roles'; roles: Role[]; scoped?: boolean; certify?: boolean };

const roles = (r: Role[], o: { scoped?: boolean; certify?: boolean } = {}): Policy => ({
  kind: 'roles',
  roles: r,
  ...o,
});
const ACTION_POLICY: Record<string, Role[]> = {
  decide: ['OFFICER'],
  claim: ['VOLUNTEER', 'STREET_RESPONSIBLE', 'OFFICER'],
  close: ['OFFICER'],
  'answer-verification': ['SENTINEL', 'VOLUNTEER', 'STREET_RESPONSIBLE', 'OFFICER'],
};

function policyOf(method: string, url: string, action?: string): Policy | null {
  if (url.startsWith('/ops/queues')) return roles(OPS);
  if (url === '/*' || url.startsWith('/docs') || url.startsWith('/health/')) return { kind: 'public' };
  // Service-internal routes (audit, messaging ops) take only gateway-signed internal tokens, never a browser token.
  if (url.startsWith('/v1/audit/') || url.startsWith('/v1/ops/') || url === '/metrics') return { kind: 'nobody' };
  const key = `${method} ${url}`;
  switch (key) {
    case 'POST /api/v1/auth/login':
    case 'POST /api/v1/auth/refresh':
    case 'POST /api/v1/auth/logout':
      return { kind: 'public' };
    case 'GET /api/v1/me':
    case 'POST /api/v1/me/password':
    case 'GET /api/v1/transitions':
    // Everyone signed in reads their own inbox (notification answers for the token's user only) and gets their own
    // live stream (lead events in it only for readers, by scope: read-model.int-spec and inbox.int-spec).
    case 'GET /api/v1/events/stream':
    case 'GET /api/v1/inbox':
    case 'GET /api/v1/inbox/unread-count':
    case 'POST /api/v1/inbox/read-all':
    case 'POST /api/v1/inbox/:id/read':
      return roles(ANYONE);
    case 'GET /api/v1/leads':
    case 'GET /api/v1/leads/export':
    case 'GET /api/v1/dashboard':
    case 'GET /api/v1/dashboard/export':
      return roles(READERS);
    case 'GET /api/v1/leads/:id':
    case 'GET /api/v1/leads/:id/allowed-actions':
    case 'GET /api/v1/leads/:id/case':
      return roles(READERS, { scoped: true });
    case 'POST /api/v1/leads/:id/commands/:action':
      return roles(ACTION_POLICY[action!]!, { scoped: true });
    case 'GET /api/v1/directory':
      return roles(['STREET_RESPONSIBLE', 'OFFICER', 'SUPERVISOR']);
    case 'POST /api/v1/leads':
      return roles(FILERS);
    case 'POST /api/v1/leads/:id/evidence':
      return roles(FILERS, { scoped: true });
    case 'GET /api/v1/accounts':
    case 'POST /api/v1/accounts':
    case 'POST /api/v1/accounts/:personId/:action':
      return roles(['ADMIN']);
    case 'POST /api/v1/leads/:id/reveal':
      return roles(['OFFICER', 'SUPERVISOR'], { scoped: true, certify: true });
    default:
      if (url.startsWith('/api/v1/ops/')) return roles(OPS);
      if (url.startsWith('/api/v1/roster/')) return roles(['ADMIN', 'SUPERVISOR']);
      return null;
  }
}

function allowed(p: Policy, who: Identity): boolean {
  if (p.kind === 'public') return true;
  if (p.kind === 'nobody') return false;
  if (!who.roles.some((r) => p.roles.includes(r))) return false;
  if (p.scoped && !who.inScope) return false;
  if (p.certify && who.roles.includes('OFFICER') && !who.roles.includes('SUPERVISOR') && !who.canCertify) return false;
  return true;
}

describe('gateway authorisation matrix', () => {
  let h: GatewayHarness;
  const leadId = `lead-${randomUUID()}`;
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    h = await GatewayHarness.start();
    await h.produce('intake.lead-registered.v1', registered(leadId));
    await h.produce(
      'assessment.lead-triaged.v1',
      {
        leadId,
        assessmentId: 'a',
        status: 'TRIAGED',
        score: 10,
        band: 'yellow',
        previousBand: null,
        checklist: { I: 'none', P: 'none', Ind: 'none', S: 'none' },
        explanation: [],
        gridIds: ['G-440106001-C01'],
        streetCode: '440106001',
      },
      { occurredAt: new Date(Date.now() + 1000) },
    );
    for (const who of IDENTITIES) if (who.login) tokens.set(who.login, await h.token(who.login));
    await eventually(async () =>
      (await h.query(`SELECT 1 FROM lead_view WHERE id = $1 AND status = 'TRIAGED'`, [leadId])).length
        ? true
        : undefined,
    );
  });
  afterAll(async () => h?.stop());

  it("lets nobody succeed outside a route's policy, on every registered route", async () => {
    const fastify = h.app.getHttpAdapter().getInstance();
    const routes = registeredRoutes(fastify).filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS');
    expect(routes.length).toBeGreaterThan(25);
    const unclassified = routes
      .filter((r) => policyOf(r.method, r.url, 'decide') === null)
      .map((r) => `${r.method} ${r.url}`);
    expect(unclassified).toEqual([]);

    const violations: string[] = [];
    const deniedAllowed: string[] = [];
    let calls = 0;
    for (const route of routes) {
      const actions = route.url.includes(':action') ? Object.keys(ACTION_POLICY) : [undefined];
      for (const action of actions) {
        const policy = policyOf(route.method, route.url, action)!;
        const url = route.url
          .replace(':id', route.url.startsWith('/api/v1/ops/') ? randomUUID() : leadId)
          .replace(':leadId', leadId)
          .replace(':action', action ?? '')
          .replace(':service', 'assessment')
          .replace(':kind', 'people')
          .replace('*', 'some/page');
        for (const who of IDENTITIES) {
          const ok = allowed(policy, who);
          // An allowed SSE stream never ends; its refusal path is what matters here.
          if (ok && route.url === '/api/v1/events/stream') continue;
          const headers: Record<string, string> = who.login ? { authorization: `Bearer ${tokens.get(who.login)}` } : {};
          const res = await h.app.inject({
            method: route.method as 'GET',
            url,
            headers,
            ...(route.method === 'GET' ? {} : { payload: { reason: '矩阵测试', note: 'x' } }),
          });
          calls++;
          const label = `${route.method} ${url} as ${who.login ?? 'anonymous'} → ${res.statusCode}`;
          if (!ok && res.statusCode < 400) violations.push(label);
          if (!ok && policy.kind !== 'nobody' && ![401, 403, 404].includes(res.statusCode))
            violations.push(`${label} (expected 401/403/404)`);
          if (ok && policy.kind === 'roles' && [401, 403].includes(res.statusCode))
            deniedAllowed.push(`${label}: ${res.body.slice(0, 160)}`);
          if (ok && policy.kind === 'roles' && policy.scoped && res.statusCode === 404)
            deniedAllowed.push(`${label} (in scope but 404)`);
        }
      }
    }
    expect(violations).toEqual([]);
    expect(deniedAllowed).toEqual([]);
    expect(calls).toBeGreaterThan(300);
  });
});
