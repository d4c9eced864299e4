import type { Principal } from '@outpost/platform';
import { ACTIONS, allowedActions, evaluate, TRANSITIONS, type LeadFacts } from './transition-table';

const who = (userId: string, roles: Principal['roles'], extra: Partial<Principal> = {}): Principal => ({
  userId,
  name: userId,
  roles,
  canCertify: false,
  scope: { district: false, streetCodes: [], gridIds: ['G-440106001-C01'] },
  ...extra,
});
const district = (userId: string, roles: Principal['roles'], canCertify = false) =>
  who(userId, roles, { canCertify, scope: { district: true, streetCodes: [], gridIds: [] } });
const lead = (f: Partial<LeadFacts> = {}): LeadFacts => ({
  status: 'ASSIGNED',
  assigneeId: 'v1',
  opinionAuthorId: null,
  askedOf: [],
  streetCode: '440106001',
  gridIds: ['G-440106001-C01'],
  ...f,
});

describe('transition table', () => {
  it('has exactly one row per action', () => {
    expect(TRANSITIONS.map((t) => t.action).sort()).toEqual([...ACTIONS].sort());
  });

  it('lets the assignee claim, and refuses another volunteer with NOT_ASSIGNEE', () => {
    expect(evaluate('claim', who('v1', ['VOLUNTEER']), lead())).toMatchObject({
      ok: true,
      role: 'VOLUNTEER',
      transition: { to: 'IN_REVIEW' },
    });
    expect(evaluate('claim', who('v3', ['VOLUNTEER']), lead())).toMatchObject({
      ok: false,
      status: 403,
      code: 'NOT_ASSIGNEE',
    });
  });

  it('refuses a lead outside the grid scope, except for district roles', () => {
    const other = lead({ streetCode: '440106005', gridIds: ['G-440106005-C01'], assigneeId: null, status: 'TRIAGED' });
    expect(evaluate('claim', who('v1', ['VOLUNTEER']), other)).toMatchObject({
      ok: false,
      status: 403,
      code: 'OUT_OF_SCOPE',
    });
    expect(evaluate('claim', district('s1', ['SUPERVISOR']), other)).toMatchObject({ ok: true });
  });

  it('lets the assignee and a sentinel asked to verify act on a lead outside their grids (a head handed it over)', () => {
    const handed = lead({
      streetCode: '440106005',
      gridIds: ['G-440106005-C01'],
      assigneeId: 'v1',
      status: 'ASSIGNED',
    });
    expect(evaluate('claim', who('v1', ['VOLUNTEER']), handed)).toMatchObject({ ok: true, role: 'VOLUNTEER' });
    expect(evaluate('claim', who('v3', ['VOLUNTEER']), handed)).toMatchObject({ code: 'OUT_OF_SCOPE' });
    const asked = lead({
      streetCode: '440106005',
      gridIds: ['G-440106005-C01'],
      assigneeId: 'v1',
      status: 'VERIFYING',
      askedOf: ['sen9'],
    });
    expect(evaluate('answer-verification', who('sen9', ['SENTINEL']), asked)).toMatchObject({ ok: true });
    expect(evaluate('answer-verification', who('sen8', ['SENTINEL']), asked)).toMatchObject({ code: 'OUT_OF_SCOPE' });
  });

  it('refuses an action in the wrong state with 409 and a Chinese reason naming both states', () => {
    const v = evaluate('decide', district('o1', ['OFFICER'], true), lead({ status: 'IN_REVIEW' }));
    expect(v).toMatchObject({ ok: false, status: 409, code: 'TRANSITION_NOT_ALLOWED' });
    if (!v.ok) expect(v.reason).toContain('研判中');
  });

  it('refuses a role the action does not accept with ROLE_NOT_ALLOWED', () => {
    expect(evaluate('submit-opinion', who('sen', ['SENTINEL']), lead({ status: 'IN_REVIEW' }))).toMatchObject({
      ok: false,
      status: 403,
      code: 'ROLE_NOT_ALLOWED',
    });
  });

  it('lets only a certifying officer decide, and never the opinion author', () => {
    const submitted = lead({ status: 'OPINION_SUBMITTED', opinionAuthorId: 'o1' });
    expect(evaluate('decide', district('o2', ['OFFICER'], false), submitted)).toMatchObject({
      ok: false,
      code: 'ROLE_NOT_ALLOWED',
    });
    expect(evaluate('decide', district('o1', ['OFFICER'], true), submitted)).toMatchObject({
      ok: false,
      status: 403,
      code: 'SEPARATION_OF_DUTIES',
    });
    expect(evaluate('decide', district('o3', ['OFFICER'], true), submitted)).toMatchObject({
      ok: true,
      transition: { to: 'DECIDED' },
    });
    expect(evaluate('decide', district('sup', ['SUPERVISOR']), submitted)).toMatchObject({
      ok: false,
      code: 'ROLE_NOT_ALLOWED',
    });
  });

  it('lets only the asked sentinel answer a verification', () => {
    const verifying = lead({ status: 'VERIFYING', askedOf: ['sen1'] });
    expect(evaluate('answer-verification', who('sen1', ['SENTINEL']), verifying)).toMatchObject({
      ok: true,
      transition: { to: 'IN_REVIEW' },
    });
    expect(evaluate('answer-verification', who('sen2', ['SENTINEL']), verifying)).toMatchObject({
      ok: false,
      code: 'NOT_ASKED',
    });
  });

  it('lists the allowed actions of the caller from the same table', () => {
    expect(
      allowedActions(who('v1', ['VOLUNTEER']), lead({ status: 'IN_REVIEW' }))
        .map((a) => a.action)
        .sort(),
    ).toEqual(['release', 'request-verification', 'submit-opinion']);
    expect(allowedActions(district('sup', ['SUPERVISOR']), lead({ status: 'DECIDED' })).map((a) => a.action)).toEqual([
      'reopen',
    ]);
  });
});
