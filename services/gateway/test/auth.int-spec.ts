import { eventually } from '@outpost/testing';
import { GatewayHarness, demoRoster } from './support/gateway-harness';

describe('gateway auth', () => {
  let h: GatewayHarness;

  beforeAll(async () => {
    // Roster withheld at first: the ROSTER_PENDING case comes before it.
    h = await GatewayHarness.start({ roster: false });
  });
  afterAll(async () => h?.stop());

  it('refuses a demo account whose roster event has not arrived yet, with a clear reason', async () => {
    const res = await h.login('officer1');
    expect(res.statusCode).toBe(403);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ code: 'ROSTER_PENDING' });
    expect((res.json() as { detail: string }).detail).toContain('花名册');
  });

  it("copies roles, canCertify and scope from roster events (pairings add a volunteer's grids)", async () => {
    await h.publishRoster();
    const token = await h.token('officer1');
    const me = await h.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({
      personId: 'p-officer-1',
      roles: ['OFFICER'],
      canCertify: true,
      scope: { district: true },
      unit: '区打非联办',
    });

    const vol = await h.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${await h.token('volunteer1')}` },
    });
    expect(vol.json()).toMatchObject({
      roles: ['VOLUNTEER'],
      scope: { district: false, gridIds: ['G-440106001-C01'] },
    });

    const street = await h.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${await h.token('street1')}` },
    });
    expect(street.json()).toMatchObject({
      roles: ['STREET_RESPONSIBLE'],
      scope: { district: false, streetCodes: ['440106001'] },
    });
  });

  it('applies a later roster change (and ignores a redelivered older one)', async () => {
    const officer2 = demoRoster().people.find((p) => p.id === 'p-officer-2')!;
    await h.produce(
      'assessment.roster-changed.v1',
      { entity: 'person', person: { ...officer2, canCertify: true }, deleted: false },
      { leadId: null, key: officer2.id, occurredAt: new Date(Date.now() + 1000) },
    );
    await h.produce(
      'assessment.roster-changed.v1',
      { entity: 'person', person: officer2, deleted: false },
      { leadId: null, key: officer2.id, occurredAt: new Date(Date.now() - 60_000) },
    );
    const token = await h.token('officer2');
    await eventually(async () => {
      const me = await h.app.inject({
        method: 'GET',
        url: '/api/v1/me',
        headers: { authorization: `Bearer ${token}` },
      });
      return (me.json() as { canCertify: boolean }).canCertify === true ? true : undefined;
    });
    await new Promise((r) => setTimeout(r, 1000)); // give the older event time to arrive: it must not win
    const rows = await h.query<{ can_certify: boolean }>(
      `SELECT can_certify FROM roster_person WHERE id = 'p-officer-2'`,
    );
    expect(rows[0]!.can_certify).toBe(true);
  });

  it('stores only an argon2id hash of the password', async () => {
    const rows = await h.query<{ password_hash: string }>(`SELECT password_hash FROM account WHERE login = 'officer1'`);
    expect(rows[0]!.password_hash).toMatch(/^\$argon2id\$/);
    expect(rows[0]!.password_hash).not.toContain('Outpost@2026');
  });

  it('rejects a wrong password and an unknown login the same way', async () => {
    const wrong = await h.login('supervisor1', 'nope');
    const unknown = await h.login('nobody', 'nope');
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect(unknown.json()).toMatchObject({ code: 'INVALID_CREDENTIALS' });
  });

  it('locks an account after 5 failures for 15 minutes, even for the right password', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await h.login('sentinel2', 'wrong-password')).statusCode);
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    const locked = await h.login('sentinel2');
    expect(locked.statusCode).toBe(429);
    expect(locked.json()).toMatchObject({ code: 'ACCOUNT_LOCKED' });
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(14 * 60);
    const rows = await h.query<{ minutes: number }>(
      `SELECT round(extract(epoch FROM locked_until - now()) / 60) AS minutes FROM account WHERE login = 'sentinel2'`,
    );
    expect(Number(rows[0]!.minutes)).toBe(15);
  });

  it('refuses a disabled account', async () => {
    await h.query(`UPDATE account SET disabled = true WHERE login = 'admin1'`);
    const res = await h.login('admin1');
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'ACCOUNT_DISABLED' });
    await h.query(`UPDATE account SET disabled = false WHERE login = 'admin1'`);
  });

  it('rotates refresh tokens; reusing an old one ends the whole session', async () => {
    const login = (await h.login('supervisor1')).json() as {
      accessToken: string;
      refreshToken: string;
      expiresIn: number;
    };
    expect(login.expiresIn).toBe(900);
    const first = await h.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: login.refreshToken },
    });
    expect(first.statusCode).toBe(200);
    const rotated = first.json() as { accessToken: string; refreshToken: string };
    expect(rotated.refreshToken).not.toBe(login.refreshToken);
    const stored = await h.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM refresh_token WHERE token_hash = encode(sha256($1::bytea), 'hex')`,
      [rotated.refreshToken],
    );
    expect(stored[0]!.n).toBe(1);

    const reuse = await h.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: login.refreshToken },
    });
    expect(reuse.statusCode).toBe(401);
    expect(reuse.json()).toMatchObject({ code: 'REFRESH_TOKEN_REUSED' });
    // The thief's reuse revoked the family: the newest refresh token and the access token are dead too.
    const after = await h.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: rotated.refreshToken },
    });
    expect(after.statusCode).toBe(401);
    const me = await h.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${rotated.accessToken}` },
    });
    expect(me.statusCode).toBe(401);
  });

  it('accepts the refresh token from the cookie it set', async () => {
    const login = await h.login('operator1');
    const cookies = ([] as string[]).concat(login.headers['set-cookie'] ?? []);
    const rt = cookies.find((c) => c.startsWith('outpost_rt='))!;
    expect(rt).toContain('HttpOnly');
    expect(rt).toContain('SameSite=Strict');
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      headers: { cookie: rt.split(';')[0]! },
    });
    expect(res.statusCode).toBe(200);
  });

  it('logout revokes the session: refresh and access tokens stop working', async () => {
    const login = (await h.login('street1')).json() as { accessToken: string; refreshToken: string };
    const out = await h.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      payload: { refreshToken: login.refreshToken },
    });
    expect(out.statusCode).toBe(204);
    expect(
      (
        await h.app.inject({
          method: 'POST',
          url: '/api/v1/auth/refresh',
          payload: { refreshToken: login.refreshToken },
        })
      ).statusCode,
    ).toBe(401);
    expect(
      (
        await h.app.inject({
          method: 'GET',
          url: '/api/v1/me',
          headers: { authorization: `Bearer ${login.accessToken}` },
        })
      ).statusCode,
    ).toBe(401);
  });

  it('never accepts an internal service token as a browser token', async () => {
    const { bearer, principal } = await import('@outpost/testing');
    const res = await h.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: await bearer(principal({ userId: 'p-admin-1', roles: ['ADMIN'] })) },
    });
    expect(res.statusCode).toBe(401);
  });
});
