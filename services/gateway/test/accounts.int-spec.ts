import { eventually } from '@outpost/testing';
import { passwordProblem } from '../src/auth/auth.service';
import { demoRoster, GatewayHarness } from './support/gateway-harness';

jest.setTimeout(120_000);

interface Listed {
  personId: string;
  login: string | null;
  disabled: boolean;
  lockedUntil: string | null;
  mustChangePassword: boolean;
}

/**
 * Sign-in accounts for the people on the roster, managed by administrators: a new account's one-time password must be
 * changed before anything else works; a reset ends every session; lock-outs can be cleared; accounts can be disabled.
 */
describe('gateway: sign-in accounts managed by administrators', () => {
  let h: GatewayHarness;
  let admin = '';
  const call = (token: string, method: 'GET' | 'POST', url: string, payload?: object) =>
    h.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(payload ? { payload } : {}),
    });
  const listed = async (personId: string) =>
    ((await call(admin, 'GET', '/api/v1/accounts')).json() as { items: Listed[] }).items.find(
      (i) => i.personId === personId,
    );

  beforeAll(async () => {
    h = await GatewayHarness.start();
    admin = await h.token('admin1');
    // A new officer on the roster (assessment's event), without an account yet.
    const template = demoRoster().people.find((p) => p.id === 'p-officer-2')!;
    for (const id of ['p-officer-8', 'p-officer-9'])
      await h.produce(
        'assessment.roster-changed.v1',
        { entity: 'person', person: { ...template, id, name: `新办案员${id.slice(-1)}` }, deleted: false },
        { leadId: null, key: id },
      );
    await eventually(async () => ((await listed('p-officer-9')) ? true : undefined));
  });
  afterAll(async () => h?.stop());

  it('opens an account whose one-time password must be changed before anything else answers', async () => {
    expect(await listed('p-officer-9')).toMatchObject({ login: null, disabled: false });
    const officer = await h.token('officer1');
    expect((await call(officer, 'GET', '/api/v1/accounts')).statusCode).toBe(403);
    expect((await call(officer, 'POST', '/api/v1/accounts', { personId: 'p-officer-9', login: 'x9' })).statusCode).toBe(
      403,
    );
    const bad = await call(admin, 'POST', '/api/v1/accounts', { personId: 'p-officer-9', login: '9x' });
    expect([bad.statusCode, bad.json().errors[0].path]).toEqual([400, 'login']);
    const nobody = await call(admin, 'POST', '/api/v1/accounts', { personId: 'p-nobody', login: 'nobody1' });
    expect([nobody.statusCode, nobody.json().code]).toEqual([404, 'PERSON_NOT_FOUND']);

    const created = await call(admin, 'POST', '/api/v1/accounts', { personId: 'p-officer-9', login: 'officer9' });
    expect(created.statusCode).toBe(201);
    const { temporaryPassword } = created.json() as { temporaryPassword: string };
    expect(passwordProblem(temporaryPassword, 'officer9')).toBeNull();
    const taken = await call(admin, 'POST', '/api/v1/accounts', { personId: 'p-officer-8', login: 'OFFICER9' });
    expect([taken.statusCode, taken.json().code]).toEqual([409, 'ACCOUNT_EXISTS']);
    expect(await listed('p-officer-9')).toMatchObject({ login: 'officer9', mustChangePassword: true });
    const [hash] = await h.query<{ password_hash: string }>(
      `SELECT password_hash FROM account WHERE person_id = 'p-officer-9'`,
    );
    expect(hash!.password_hash).toMatch(/^\$argon2id\$/);

    const first = await h.login('officer9', temporaryPassword);
    expect(first.statusCode).toBe(200);
    const token = (first.json() as { accessToken: string }).accessToken;
    expect(first.json()).toMatchObject({ user: { login: 'officer9', mustChangePassword: true } });
    const blocked = await call(token, 'GET', '/api/v1/leads');
    expect([blocked.statusCode, blocked.json().code]).toEqual([403, 'PASSWORD_CHANGE_REQUIRED']);
    expect((await call(token, 'GET', '/api/v1/me')).statusCode).toBe(200);

    const change = (currentPassword: string, newPassword: string) =>
      call(token, 'POST', '/api/v1/me/password', { currentPassword, newPassword });
    const refusals = [
      await change('wrong-password-1', 'Tianhe2026pass'),
      await change(temporaryPassword, 'short1'),
      await change(temporaryPassword, 'onlyletterspassword'),
      await change(temporaryPassword, 'officer9-2026x'),
      await change(temporaryPassword, temporaryPassword),
    ];
    expect(
      refusals.map((r) => [r.statusCode, (r.json() as { errors: Array<{ path: string }> }).errors[0]!.path]),
    ).toEqual([
      [400, 'currentPassword'],
      [400, 'newPassword'],
      [400, 'newPassword'],
      [400, 'newPassword'],
      [400, 'newPassword'],
    ]);
    expect((await change(temporaryPassword, 'Tianhe2026pass')).statusCode).toBe(204);
    expect((await call(token, 'GET', '/api/v1/leads')).statusCode).toBe(200);
    expect((await h.login('officer9', temporaryPassword)).statusCode).toBe(401);
    expect((await h.login('officer9', 'Tianhe2026pass')).json()).toMatchObject({ user: { mustChangePassword: false } });

    const audit = await h.query<{ action: string; actor: { userId: string } }>(
      `SELECT action, actor FROM audit_log WHERE action LIKE 'account.%' AND payload_digest IS NOT NULL ORDER BY seq`,
    );
    expect(audit.map((a) => [a.action, a.actor.userId])).toEqual([
      ['account.created', 'p-admin-1'],
      ['account.password-changed', 'p-officer-9'],
    ]);
  });

  it('a reset ends every session with a new one-time password; lock-outs are cleared; accounts are disabled and enabled', async () => {
    const before = (await h.login('officer9', 'Tianhe2026pass')).json() as { accessToken: string };
    const reset = await call(admin, 'POST', '/api/v1/accounts/p-officer-9/reset-password');
    expect(reset.statusCode).toBe(200);
    const { temporaryPassword } = reset.json() as { temporaryPassword: string };
    expect((await call(before.accessToken, 'GET', '/api/v1/me')).statusCode).toBe(401);
    expect((await h.login('officer9', temporaryPassword)).json()).toMatchObject({ user: { mustChangePassword: true } });

    for (let i = 0; i < 5; i++) await h.login('officer9', 'not-the-password-1');
    expect((await h.login('officer9', temporaryPassword)).statusCode).toBe(429);
    expect((await listed('p-officer-9'))!.lockedUntil).not.toBeNull();
    expect((await call(admin, 'POST', '/api/v1/accounts/p-officer-9/unlock')).statusCode).toBe(200);
    expect((await h.login('officer9', temporaryPassword)).statusCode).toBe(200);

    expect((await call(admin, 'POST', '/api/v1/accounts/p-officer-9/disable')).statusCode).toBe(200);
    const refused = await h.login('officer9', temporaryPassword);
    expect([refused.statusCode, refused.json().code]).toEqual([403, 'ACCOUNT_DISABLED']);
    expect(await listed('p-officer-9')).toMatchObject({ disabled: true });
    expect((await call(admin, 'POST', '/api/v1/accounts/p-admin-1/disable')).statusCode).toBe(409);
    expect((await call(admin, 'POST', '/api/v1/accounts/p-officer-9/enable')).statusCode).toBe(200);
    expect((await h.login('officer9', temporaryPassword)).statusCode).toBe(200);
    expect((await call(admin, 'POST', '/api/v1/accounts/p-officer-8/unlock')).statusCode).toBe(404);
    expect((await call(admin, 'POST', '/api/v1/accounts/p-officer-9/delete')).statusCode).toBe(400);
  });
});
