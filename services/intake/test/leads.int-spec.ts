import { parsePayload, TOPICS } from '@outpost/contracts';
import { bearer, eventually, planNodesOf, principal } from '@outpost/testing';
import {
  BANK_KEY,
  collect,
  counts,
  HOTLINE_KEY,
  MEDIA_KEY,
  startIntake,
  SUISUIAN_KEY,
  uscc,
  type IntakeHarness,
} from './intake-fixture';
import { LeadRepository } from '../src/leads/lead.repository';

jest.setTimeout(120_000);

describe('intake: leads over HTTP', () => {
  let h: IntakeHarness;
  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    h.app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: { 'x-api-key': BANK_KEY, ...headers },
      payload: payload as object,
    });

  beforeAll(async () => {
    h = await startIntake('leads');
  });
  afterAll(async () => {
    await h?.close();
  });

  const bankLead = (over: Record<string, unknown> = {}) => ({
    sourceChannel: 'BANK_MONITOR',
    description: '多名老年客户向同一账户小额转账，备注返息；公司宣传保本保息、年化18%。',
    subjects: [{ kind: 'ENTERPRISE', name: '广州某某理财咨询有限公司', uscc: uscc('91440106MA5C00001') }],
    ...over,
  });

  it('registers a lead: 201, reference, status view, stored screening and placement; reporter sealed', async () => {
    const res = await post(
      bankLead({
        sourceRef: 'ICBC-STR-0001',
        reporter: { anonymous: false, name: '王某某', phone: '13800138000' },
        location: { standardAddressCode: 'SA-440106006-0001' },
        estimates: { amountYuan: 3_000_000, participants: 200, elderlyInvolved: true },
      }),
    );
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({ status: 'REPORTED', stage: 'intake', sourceRef: 'ICBC-STR-0001', outcome: null });
    expect(body.reference).toMatch(/^TH-\d{8}-\d{6,}$/);
    expect(res.headers.location).toBe(`/v1/leads/${body.id}`);

    const get = await h.app.inject({ method: 'GET', url: `/v1/leads/${body.id}`, headers: { 'x-api-key': BANK_KEY } });
    expect(get.statusCode).toBe(200);
    expect(get.json()).toEqual(body);
    expect(JSON.stringify(get.json())).not.toContain('王某某');

    const row = (await h.pg.query(`SELECT * FROM lead WHERE id = $1`, [body.id])).rows[0];
    expect(row.grid_ids).toEqual(['G-440106006-C01', 'G-440106006-B01']);
    expect(row.screening.hits.map((x: { indicator: string }) => x.indicator)).toEqual(
      expect.arrayContaining(['B1', 'A1']),
    );
    expect(row.reporter_sealed).toMatch(/^v1\./);
    expect(JSON.stringify(row)).not.toContain('13800138000');
    expect(JSON.stringify(row)).not.toContain('王某某');
    const outbox = (await h.pg.query(`SELECT value FROM outbox WHERE key = $1`, [body.id])).rows;
    expect(outbox).toHaveLength(1);
    expect(outbox[0].value).not.toContain('13800138000');
    expect(outbox[0].value).not.toContain('王某某');
  });

  it("opens a lead's reporter identity only for a certifying officer or a supervisor within scope (the gateway's reveal)", async () => {
    const filed = await post(
      bankLead({
        reporter: { anonymous: false, name: '李某某', phone: '13700137000', firstReport: true },
        location: { standardAddressCode: 'SA-440106006-0001' },
      }),
    );
    const id = (filed.json() as { id: string }).id;
    const reveal = async (who: Parameters<typeof principal>[0] | null, leadId = id) =>
      h.app.inject({
        method: 'GET',
        url: `/v1/leads/${leadId}/sensitive`,
        headers: who ? { authorization: await bearer(principal(who)) } : { 'x-api-key': BANK_KEY },
      });
    const shahe = { district: false, streetCodes: ['440106006'], gridIds: [] };

    const ok = await reveal({ userId: 'p-officer-1', roles: ['OFFICER'], canCertify: true, scope: shahe });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({
      leadId: id,
      reference: (filed.json() as { reference: string }).reference,
      reporter: {
        anonymous: false,
        contactable: true,
        name: '李某某',
        phone: '13700137000',
        contact: null,
        firstReport: true,
      },
    });
    const supervisor = {
      userId: 'p-supervisor-1',
      roles: ['SUPERVISOR' as const],
      scope: { ...shahe, district: true },
    };
    expect((await reveal(supervisor)).statusCode).toBe(200);
    // No certification, another street, another role, a source's key: refused; an unknown lead: 404.
    const refused = [
      await reveal({ userId: 'p-officer-2', roles: ['OFFICER'], canCertify: false, scope: shahe }),
      await reveal({
        userId: 'p-officer-3',
        roles: ['OFFICER'],
        canCertify: true,
        scope: { district: false, streetCodes: ['440106011'], gridIds: [] },
      }),
      await reveal({ userId: 'p-volunteer-1', roles: ['VOLUNTEER'], scope: shahe }),
      await reveal(null),
    ];
    expect(refused.map((r) => [r.statusCode, (r.json() as { code: string }).code])).toEqual([
      [403, 'CERTIFICATION_REQUIRED'],
      [403, 'OUT_OF_SCOPE'],
      [403, expect.any(String)],
      [401, expect.any(String)],
    ]);
    for (const r of refused) expect(r.body).not.toContain('13700137000');
    expect((await reveal(supervisor, '01890000-0000-7000-8000-000000000000')).statusCode).toBe(404);

    const anonymous = await post(bankLead({ reporter: { anonymous: true } }));
    const none = await reveal(supervisor, (anonymous.json() as { id: string }).id);
    expect((none.json() as { reporter: unknown }).reporter).toEqual({
      anonymous: true,
      contactable: false,
      name: null,
      phone: null,
      contact: null,
      firstReport: null,
    });
  });

  it('other sources cannot see the lead (404), nor an unknown or malformed id', async () => {
    const res = await post(bankLead({ subjects: [] }));
    const id = res.json().id as string;
    expect(
      (await h.app.inject({ method: 'GET', url: `/v1/leads/${id}`, headers: { 'x-api-key': HOTLINE_KEY } })).statusCode,
    ).toBe(404);
    expect(
      (await h.app.inject({ method: 'GET', url: `/v1/leads/not-a-uuid`, headers: { 'x-api-key': BANK_KEY } }))
        .statusCode,
    ).toBe(404);
    expect((await h.app.inject({ method: 'GET', url: `/v1/leads/${id}` })).statusCode).toBe(401);
    expect(
      (
        await h.app.inject({
          method: 'GET',
          url: `/v1/leads/${id}`,
          headers: { 'x-api-key': 'demo-bank-key-icbc-th-2026-WRONG!!' },
        })
      ).statusCode,
    ).toBe(401);
  });

  it('refuses bad input with problem+json listing every field path, and writes nothing', async () => {
    const before = await counts(h.pg);
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const res = await post({
      sourceChannel: 'CARRIER_PIGEON',
      description: 42,
      discoveredAt: future,
      reportedAt: '2026-13-01T00:00:00+08:00',
      subjects: [
        { kind: 'ENTERPRISE', name: '某公司', uscc: '91440106MA5C0000' },
        { kind: 'ALIEN', name: '' },
      ],
      estimates: { participants: 1.5 },
      surprise: 1,
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const paths = (res.json().errors as Array<{ path: string }>).map((e) => e.path).sort();
    expect(paths).toEqual(
      expect.arrayContaining([
        'description',
        'discoveredAt',
        'estimates/participants',
        'reportedAt',
        'sourceChannel',
        'subjects/0/uscc',
        'subjects/1/kind',
        'subjects/1/name',
        'surprise',
      ]),
    );
    // discoveredAt after reportedAt (both valid)
    const order = await post(
      bankLead({ discoveredAt: '2026-03-02T10:00:00+08:00', reportedAt: '2026-03-01T10:00:00+08:00' }),
    );
    expect(order.statusCode).toBe(400);
    expect(order.json().errors.map((e: { path: string }) => e.path)).toEqual(['discoveredAt']);
    // a channel the source may not use
    const channel = await post(bankLead({ sourceChannel: 'MEDIA' }));
    expect([channel.statusCode, channel.json().errors[0].path]).toEqual([400, 'sourceChannel']);
    // malformed JSON, wrong media type, oversize body, JSON that is not an object
    const bad = await h.app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: { 'x-api-key': BANK_KEY, 'content-type': 'application/json' },
      payload: '{"description": ',
    });
    expect([bad.statusCode, bad.json().code]).toEqual([400, 'MALFORMED_JSON']);
    const media = await h.app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: { 'x-api-key': BANK_KEY, 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(media.statusCode).toBe(415);
    const big = await h.app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: { 'x-api-key': BANK_KEY, 'content-type': 'application/json' },
      payload: JSON.stringify(bankLead({ description: '很'.repeat(300_000) })),
    });
    expect([big.statusCode, big.json().code]).toEqual([413, 'BODY_TOO_LARGE']);
    for (const payload of ['null', '[]', '"x"', '123']) {
      const r = await h.app.inject({
        method: 'POST',
        url: '/v1/leads',
        headers: { 'x-api-key': BANK_KEY, 'content-type': 'application/json' },
        payload,
      });
      expect(r.statusCode).toBe(400);
    }
    const badKey = await post(bankLead(), { 'idempotency-key': 'has spaces in it' });
    expect([badKey.statusCode, badKey.json().errors[0].path]).toEqual([400, '(header)/Idempotency-Key']);
    expect(await counts(h.pg)).toEqual(before);
  });

  it('refuses text containing U+0000 with 400 and the field path (Postgres cannot store it), and writes nothing', async () => {
    const before = await counts(h.pg);
    const res = await post(
      bankLead({ description: '保本保息\u0000高额返利', subjects: [{ kind: 'ENTERPRISE', name: 'a\u0000b' }] }),
    );
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().errors.map((e: { path: string }) => e.path)).toEqual(['description', 'subjects[0].name']);
    expect(await counts(h.pg)).toEqual(before);
  });

  it('writes leads that arrive together in shared transactions, linking first reports about one subject to the first', async () => {
    const before = await counts(h.pg);
    const subject = { kind: 'ENTERPRISE', name: '同批到达养老理财服务有限公司' };
    const n = 40;
    // Each request its own correlation id, every third a trace context too: a group is written in one request's
    // context, yet each event carries its own request's.
    const traceparent = (i: number) => `00-${String(i).padStart(32, 'a')}-${'b'.repeat(16)}-01`;
    const responses = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        post(bankLead({ sourceRef: `GROUP-${i}`, subjects: i % 2 === 0 ? [subject] : [] }), {
          'x-correlation-id': `corr-group-${i}`,
          ...(i % 3 === 0 ? { traceparent: traceparent(i) } : {}),
        }),
      ),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(responses.map(() => 201));
    const ids = responses.map((r) => r.json().id as string);
    const envelopes = (
      await h.pg.query(
        `SELECT value::jsonb AS e FROM outbox
          WHERE coalesce(value::jsonb->'payload'->>'linkedLeadId', value::jsonb->'payload'->>'leadId') = ANY($1)`,
        [ids],
      )
    ).rows.map((r: { e: { payload: { leadId: string; linkedLeadId?: string } } & Record<string, unknown> }) => r.e);
    expect(envelopes).toHaveLength(n);
    for (const e of envelopes) {
      const i = ids.indexOf(e.payload.linkedLeadId ?? e.payload.leadId);
      expect({ correlationId: e.correlationId, causationId: e.causationId, traceparent: e.traceparent }).toEqual({
        correlationId: `corr-group-${i}`,
        causationId: null,
        traceparent: i % 3 === 0 ? traceparent(i) : undefined,
      });
    }
    const rows = (
      await h.pg.query(
        `SELECT l.id, l.primary_lead_id, l.report_count, l.received_at, s.status
           FROM lead l JOIN lead_status s ON s.lead_id = l.id WHERE l.id = ANY($1::uuid[])`,
        [ids],
      )
    ).rows as Array<{
      id: string;
      primary_lead_id: string | null;
      report_count: number;
      received_at: Date;
      status: string;
    }>;
    expect(rows).toHaveLength(n);
    // Leads of one transaction share its start time: fewer distinct times than leads means they were grouped.
    expect(new Set(rows.map((r) => r.received_at.getTime())).size).toBeLessThan(n);
    const about = rows.filter((r) => ids.indexOf(r.id) % 2 === 0);
    const primaries = about.filter((r) => r.primary_lead_id === null);
    expect(primaries).toHaveLength(1);
    expect(primaries[0]!.status).toBe('REPORTED');
    expect(primaries[0]!.report_count).toBe(n / 2);
    expect(about.filter((r) => r.primary_lead_id === primaries[0]!.id).map((r) => r.status)).toEqual(
      Array.from({ length: n / 2 - 1 }, () => 'LINKED'),
    );
    // Each link event counts the reports so far: 2, 3, … n/2, each once.
    const linked = (
      await h.pg.query(`SELECT value FROM outbox WHERE topic = 'intake.lead-linked.v1' AND key = $1`, [
        primaries[0]!.id,
      ])
    ).rows.map((r: { value: string }) => JSON.parse(r.value).payload.reportCount as number);
    expect(linked.sort((a, b) => a - b)).toEqual(Array.from({ length: n / 2 - 1 }, (_, i) => i + 2));
    const after = await counts(h.pg);
    expect(after.lead - before.lead).toBe(n);
    expect(after.outbox - before.outbox).toBe(n);
    expect(after.audit_log - before.audit_log).toBe(n + n / 2 - 1); // registered/linked each, report-added per link
    const operator = await bearer(principal({ userId: 'op', roles: ['OPERATOR'] }));
    const verify = await h.app.inject({ method: 'GET', url: '/v1/audit/verify', headers: { authorization: operator } });
    expect(verify.json()).toMatchObject({ ok: true });
  });

  it('a lead the database refuses fails alone: the others of its group are written on their own', async () => {
    // A test-only trigger stands in for any write error (the read found no conflict, so none is expected in use).
    await h.pg.query(`CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.title = 'poison' THEN RAISE EXCEPTION 'poisoned lead'; END IF; RETURN NEW; END $$`);
    await h.pg.query(
      `CREATE TRIGGER refuse_poison BEFORE INSERT ON lead FOR EACH ROW EXECUTE FUNCTION refuse_poison()`,
    );
    try {
      const before = await counts(h.pg);
      const responses = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          post(bankLead({ sourceRef: `POISON-${i}`, title: i === 5 ? 'poison' : `ok ${i}`, subjects: [] })),
        ),
      );
      expect(responses.map((r) => r.statusCode)).toEqual(responses.map((_, i) => (i === 5 ? 500 : 201)));
      const after = await counts(h.pg);
      expect([after.lead - before.lead, after.outbox - before.outbox, after.audit_log - before.audit_log]).toEqual([
        11, 11, 11,
      ]);
    } finally {
      await h.pg.query(`DROP TRIGGER refuse_poison ON lead; DROP FUNCTION refuse_poison()`);
    }
  });

  it('returns the original result to a retry with the same Idempotency-Key, and refuses the key with another body', async () => {
    const lead = bankLead({ subjects: [], description: '幂等测试：推介会宣传高额返利' });
    const first = await post(lead, { 'idempotency-key': 'idem-1' });
    const again = await post(lead, { 'idempotency-key': 'idem-1' });
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    // Scoped to the API key: another source may use the same key value.
    const other = await h.app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: { 'x-api-key': HOTLINE_KEY, 'idempotency-key': 'idem-1' },
      payload: { ...lead, sourceChannel: 'PUBLIC_REPORT' },
    });
    expect(other.statusCode).toBe(201);
    const reuse = await post({ ...lead, description: '另一条内容' }, { 'idempotency-key': 'idem-1' });
    expect([reuse.statusCode, reuse.json().code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
    // (source, sourceRef) is unique too.
    const ref1 = await post(bankLead({ subjects: [], sourceRef: 'REF-77' }));
    const ref2 = await post(bankLead({ subjects: [], sourceRef: 'REF-77' }));
    expect([ref1.statusCode, ref2.statusCode]).toEqual([201, 200]);
    expect(ref2.json().id).toBe(ref1.json().id);
  });

  it('creates exactly one lead from 50 concurrent identical posts', async () => {
    const lead = bankLead({ subjects: [{ kind: 'ENTERPRISE', name: '并发测试投资管理有限公司' }] });
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => post(lead, { 'idempotency-key': 'concurrent-50' })),
    );
    const statuses = responses.map((r) => r.statusCode).sort();
    expect(responses.filter((r) => r.statusCode >= 300).map((r) => r.body)).toEqual([]);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(49);
    expect(new Set(responses.map((r) => r.json().id)).size).toBe(1);
    const rows = await h.pg.query(`SELECT count(*)::int AS n FROM lead WHERE idempotency_key = 'concurrent-50'`);
    expect(rows.rows[0].n).toBe(1);
    const outbox = await h.pg.query(`SELECT count(*)::int AS n FROM outbox WHERE key = $1`, [responses[0]!.json().id]);
    expect(outbox.rows[0].n).toBe(1);
  });

  it('links a lead about a subject with an open lead (same USCC, obfuscated name, phone, URL, WeChat id), also under concurrency', async () => {
    const code = uscc('91440106MA5C00077');
    const primary = await post(
      bankLead({
        subjects: [
          {
            kind: 'ENTERPRISE',
            name: '天河鑫盛財富管理有限公司',
            uscc: code,
            phones: ['020-3888 7777'],
            urls: ['https://www.xinsheng-wealth.cn/app/'],
            wechatIds: ['xinsheng_vip'],
          },
        ],
      }),
    );
    expect(primary.statusCode).toBe(201);
    const primaryId = primary.json().id as string;
    const variants = [
      { kind: 'ENTERPRISE', name: '另一个名字', uscc: code },
      { kind: 'ENTERPRISE', name: '天河 鑫盛 财富管理 有限公司' },
      { kind: 'PERSON', name: '某业务员', phones: ['+86 20 3888 7777'] },
      { kind: 'WEBSITE', name: '某网站', urls: ['http://XINSHENG-WEALTH.cn/app'] },
      { kind: 'CHAT_GROUP', name: '某群', wechatIds: ['XinSheng_VIP'] },
    ];
    const linked = await Promise.all(
      variants.map((s) =>
        h.app.inject({
          method: 'POST',
          url: '/v1/leads',
          headers: { 'x-api-key': HOTLINE_KEY },
          payload: { sourceChannel: 'PUBLIC_REPORT', description: '市民举报', subjects: [s] },
        }),
      ),
    );
    expect(linked.map((r) => r.json().status)).toEqual(variants.map(() => 'LINKED'));
    for (const r of linked) {
      expect(r.statusCode).toBe(201);
      expect(r.json().status).toBe('LINKED');
      expect(r.json().reference).not.toBe(primary.json().reference);
    }
    const p = (await h.pg.query(`SELECT report_count FROM lead WHERE id = $1`, [primaryId])).rows[0];
    expect(p.report_count).toBe(1 + variants.length);
    const linkedRows = (
      await h.pg.query(`SELECT primary_lead_id FROM lead WHERE primary_lead_id IS NOT NULL AND primary_lead_id = $1`, [
        primaryId,
      ])
    ).rows;
    expect(linkedRows).toHaveLength(variants.length);
    const events = (
      await h.pg.query(`SELECT value FROM outbox WHERE topic = 'intake.lead-linked.v1' AND key = $1`, [primaryId])
    ).rows;
    expect(events).toHaveLength(variants.length);
    for (const e of events) {
      const env = JSON.parse(e.value);
      const link = parsePayload('intake.lead-linked.v1', env.payload);
      // The linked report's own facts travel with the link (readers show what it said), its reporter's identity not.
      expect(link.report).toMatchObject({ sourceChannel: 'PUBLIC_REPORT', description: '市民举报', title: '市民举报' });
      expect(variants.map((v) => v.name)).toContain(link.report!.subjects[0]!.name);
      expect(e.value).not.toContain('38887777');
    }

    // Two first reports about a brand-new subject at the same time: one registered, the other linked to it.
    const fresh = { kind: 'ENTERPRISE', name: '同时到达众筹平台有限公司' };
    const pair = await Promise.all(
      [BANK_KEY, SUISUIAN_KEY].map((key, i) =>
        h.app.inject({
          method: 'POST',
          url: '/v1/leads',
          headers: { 'x-api-key': key },
          payload: {
            sourceChannel: i === 0 ? 'BANK_MONITOR' : 'SYSTEM_ALERT',
            description: '并发首报',
            subjects: [fresh],
          },
        }),
      ),
    );
    expect(pair.map((r) => r.json().status).sort()).toEqual(['LINKED', 'REPORTED']);
  });

  it('finds the open leads sharing a key by index probes, with custom and generic plans alike, on a large table', async () => {
    // No table statistics here (autovacuum off, as on every development machine). As plain joins, the registration read
    // then guessed that 5 % of subject_key matched and hash-joined a full scan of `lead`: one scan per duplicate report.
    const read = (h.app.get(LeadRepository) as unknown as { readSql(): string }).readSql();
    await h.pg.query('BEGIN');
    try {
      // 4,000 more leads (and a key each), rolled back at the end: enough for a scan to look cheap only if misjudged.
      await h.pg.query(`
        INSERT INTO lead (id, reference, source_id, request_hash, source_channel, reported_at, title, description,
                          subjects, location, placement, grid_ids, unresolved, estimates, channels, external_refs,
                          confidentiality, reporter_anonymous, reporter_contactable, screening)
        SELECT gen_random_uuid(), 'PLAN-' || g, l.source_id, l.request_hash, l.source_channel, l.reported_at, l.title,
               l.description, l.subjects, l.location, l.placement, l.grid_ids, l.unresolved, l.estimates, l.channels,
               l.external_refs, l.confidentiality, l.reporter_anonymous, l.reporter_contactable, l.screening
          FROM (SELECT * FROM lead LIMIT 1) AS l, generate_series(1, 4000) AS g`);
      await h.pg.query(
        `INSERT INTO subject_key (key, lead_id) SELECT 'plan:' || reference, id FROM lead WHERE reference LIKE 'PLAN-%'`,
      );
      await h.pg.query(`PREPARE registration_read_probe(jsonb) AS ${read}`);
      const doc = JSON.stringify({
        keys: ['plan:PLAN-17', 'plan:PLAN-2048', 'name:没有这个主体'],
        idempotency: [{ scope: 'probe', key: 'k1' }],
        sourceRefs: [{ source: 'demo-bank-icbc-th', ref: 'r1' }],
        references: 1,
      });
      for (const mode of ['force_custom_plan', 'force_generic_plan']) {
        await h.pg.query(`SET LOCAL plan_cache_mode = ${mode}`);
        const scanned = (await planNodesOf(h.pg, `EXECUTE registration_read_probe('${doc}')`))
          .filter((n) => n['Node Type'] === 'Seq Scan' && ['lead', 'subject_key'].includes(n['Relation Name'] ?? ''))
          .map((n) => n['Relation Name']);
        expect({ mode, scanned }).toEqual({ mode, scanned: [] });
      }
    } finally {
      await h.pg.query('ROLLBACK');
      await h.pg.query('DEALLOCATE ALL'); // PREPARE is not undone by ROLLBACK (this is the test's own connection)
    }
  });

  it('files leads from sentinels through the gateway token (gateway source, filedBy, PATROL by default)', async () => {
    const auth = await bearer(
      principal({
        userId: 'p-sentinel-1',
        roles: ['SENTINEL'],
        scope: { district: false, streetCodes: [], gridIds: ['G-440106001-C01'] },
      }),
    );
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: { authorization: auth },
      payload: {
        description: '巡查发现养老项目推介，称稳赚不赔',
        location: { addressText: '沙河街濂泉路12号濂泉大厦' },
      },
    });
    expect(res.statusCode).toBe(201);
    const row = (
      await h.pg.query(`SELECT source_id, filed_by, source_channel, grid_ids FROM lead WHERE id = $1`, [res.json().id])
    ).rows[0];
    expect(row).toEqual({
      source_id: 'gateway',
      filed_by: 'p-sentinel-1',
      source_channel: 'PATROL',
      grid_ids: ['G-440106001-C01'],
    });
    expect(
      (await h.app.inject({ method: 'GET', url: `/v1/leads/${res.json().id}`, headers: { authorization: auth } }))
        .statusCode,
    ).toBe(200);
    const other = await bearer(principal({ userId: 'p-sentinel-2', roles: ['SENTINEL'] }));
    expect(
      (await h.app.inject({ method: 'GET', url: `/v1/leads/${res.json().id}`, headers: { authorization: other } }))
        .statusCode,
    ).toBe(404);
    const operator = await bearer(principal({ userId: 'op', roles: ['OPERATOR'] }));
    expect(
      (
        await h.app.inject({
          method: 'POST',
          url: '/v1/leads',
          headers: { authorization: operator },
          payload: { description: 'x' },
        })
      ).statusCode,
    ).toBe(403);
    // Batch is for source systems only.
    expect(
      (
        await h.app.inject({
          method: 'POST',
          url: '/v1/leads/batch',
          headers: { authorization: auth },
          payload: { leads: [] },
        })
      ).statusCode,
    ).toBe(401);
  });

  it('places leads on each grid type: standard address, point in polygon, address text, unresolved', async () => {
    const place = async (location: Record<string, unknown>) => {
      const r = await post(bankLead({ subjects: [], location }));
      expect(r.statusCode).toBe(201);
      return (await h.pg.query(`SELECT placement, grid_ids, unresolved FROM lead WHERE id = $1`, [r.json().id]))
        .rows[0];
    };
    const byCode = await place({ standardAddressCode: 'SA-440106005-0001' });
    expect(byCode.grid_ids).toEqual(['G-440106005-C01', 'G-440106005-B01', 'G-440106005-P01']);
    expect(byCode.placement.resolvedBy).toBe('STANDARD_ADDRESS');
    const byBuilding = await place({ buildingCode: '440106-0202-0016' });
    expect(byBuilding.grid_ids).toEqual(['G-440106001-C02', 'G-440106001-P01']);
    const byPoint = await place({ lat: 23.1325, lng: 113.3245 });
    expect([byPoint.placement.resolvedBy, byPoint.grid_ids]).toEqual([
      'POINT_IN_POLYGON',
      ['G-440106006-C01', 'G-440106006-B01'],
    ]);
    const byText = await place({ addressText: '五山街华工社区某宿舍楼' });
    expect([byText.placement.resolvedBy, byText.grid_ids]).toEqual([
      'ADDRESS_TEXT',
      ['G-440106002-C01', 'G-440106002-P01'],
    ]);
    const nowhere = await place({ addressText: '深圳市南山区科技园', lat: 22.54, lng: 113.95 });
    expect([nowhere.placement.resolvedBy, nowhere.unresolved, nowhere.grid_ids]).toEqual(['UNRESOLVED', true, []]);
  });

  it('screens obfuscated, licensed-institution and warning-context text through HTTP', async () => {
    const screen = async (description: string, subjects: unknown[] = []) => {
      const r = await post(bankLead({ description, subjects }));
      expect(r.statusCode).toBe(201);
      const row = (await h.pg.query(`SELECT screening FROM lead WHERE id = $1`, [r.json().id])).rows[0];
      return (row.screening.hits as Array<{ indicator: string; term: string }>).map((x) => `${x.indicator}:${x.term}`);
    };
    expect(await screen('本產品保本保息')).toContain('B1:保本保息'); // Traditional
    expect(await screen('本产品ｂａｏ　保 本 保 息')).toContain('B1:保本保息'); // full-width + spaces
    expect(await screen('保\u200b本\u200b保\u200b息，稳·赚·不·赔')).toEqual(
      expect.arrayContaining(['B1:保本保息', 'B1:稳赚不赔']),
    ); // zero-width, punctuation
    expect(await screen('警惕保本保息，凡承诺高额返利的都是骗局')).toEqual([]);
    const bank = await screen('客户在银行办理业务', [
      { kind: 'ENTERPRISE', name: '中国工商银行股份有限公司广州天河支行', businessScope: '吸收公众存款；发放贷款' },
    ]);
    expect(bank.filter((x) => x.startsWith('A1'))).toEqual([]);
    expect(
      await screen('客户在银行办理业务', [{ kind: 'ENTERPRISE', name: '广州天河某某金融信息服务有限公司' }]),
    ).toContain('A1:金融');
  });

  it('registers a batch item by item: accepted, duplicate, rejected', async () => {
    const before = await counts(h.pg);
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/leads/batch',
      headers: { 'x-api-key': BANK_KEY },
      payload: {
        leads: [
          bankLead({ subjects: [], sourceRef: 'B-1' }),
          { sourceChannel: 'BANK_MONITOR', description: '' },
          bankLead({ subjects: [], sourceRef: 'B-1' }),
          bankLead({ subjects: [], sourceRef: 'B-2', location: { addressText: '天河城' } }),
        ],
      },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ accepted: 2, duplicates: 1, rejected: 1 });
    const statuses = body.results.map((r: { status: string }) => r.status);
    // Items 0 and 2 carry the same sourceRef and may be written by two registration groups at once: one is
    // registered, the other answers with it.
    expect([statuses[0], statuses[2]].sort()).toEqual(['accepted', 'duplicate']);
    expect([statuses[1], statuses[3]]).toEqual(['rejected', 'accepted']);
    expect(body.results[1].errors.map((e: { path: string }) => e.path)).toEqual(['description']);
    expect(body.results[2].lead.id).toBe(body.results[0].lead.id);
    expect((await counts(h.pg)).lead).toBe(before.lead + 2);
    const tooMany = await h.app.inject({
      method: 'POST',
      url: '/v1/leads/batch',
      headers: { 'x-api-key': BANK_KEY },
      payload: { leads: Array.from({ length: 1001 }, () => ({})) },
    });
    expect([tooMany.statusCode, tooMany.json().errors[0].path]).toEqual([400, 'leads']);
  });

  it('rate-limits per key with 429 and Retry-After', async () => {
    // The media source allows 120/min: a burst of 20, then 429.
    const results = [];
    for (let i = 0; i < 25; i++)
      results.push(await h.app.inject({ method: 'GET', url: '/v1/indicators', headers: { 'x-api-key': MEDIA_KEY } }));
    const limited = results.filter((r) => r.statusCode === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(results.slice(0, 20).every((r) => r.statusCode === 200)).toBe(true);
    expect(Number(limited[0]!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(limited[0]!.headers['content-type']).toContain('application/problem+json');
    // Other keys are unaffected.
    expect(
      (await h.app.inject({ method: 'GET', url: '/v1/indicators', headers: { 'x-api-key': HOTLINE_KEY } })).statusCode,
    ).toBe(200);
  });

  it('publishes intake.lead-registered.v1 to Kafka (key = lead id) valid against its contract; the audit chain verifies', async () => {
    const res = await post(
      bankLead({
        sourceRef: 'KAFKA-1',
        reporter: { anonymous: false, name: '赵某', phone: '13900139000' },
        subjects: [{ kind: 'ENTERPRISE', name: '卡夫卡测试资产管理有限公司' }],
      }),
    );
    const id = res.json().id as string;
    const consumer = await collect(`${h.topicPrefix}intake.lead-registered.v1`);
    try {
      const msg = await eventually(() => consumer.messages.find((m) => m.key === id), 30_000);
      const envelope = JSON.parse(msg.value);
      expect(envelope).toMatchObject({
        type: 'intake.lead-registered.v1',
        producer: 'intake',
        leadId: id,
        key: id,
        actor: { type: 'source', sourceId: 'demo-bank-icbc-tianhe' },
      });
      const payload = TOPICS['intake.lead-registered.v1'].schema.parse(envelope.payload);
      expect(payload).toMatchObject({
        leadId: id,
        sourceRef: 'KAFKA-1',
        reporter: { anonymous: false, contactable: true },
      });
      expect(msg.value).not.toContain('13900139000');
      expect(msg.value).not.toContain('赵某');
    } finally {
      await consumer.stop();
    }
    const operator = await bearer(principal({ userId: 'op', roles: ['OPERATOR'] }));
    const verify = await h.app.inject({ method: 'GET', url: '/v1/audit/verify', headers: { authorization: operator } });
    expect(verify.statusCode).toBe(200);
    expect(verify.json()).toMatchObject({ ok: true });
    const trail = await h.pg.query(`SELECT action FROM audit_log WHERE lead_id = $1`, [id]);
    expect(trail.rows.map((r) => r.action)).toEqual(['lead.registered']);
  });

  it('serves the OpenAPI document with the intake routes and Chinese examples', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/docs-json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    for (const p of [
      '/v1/leads',
      '/v1/leads/batch',
      '/v1/leads/{id}',
      '/v1/leads/{id}/evidence',
      '/v1/screenings',
      '/v1/indicators',
    ])
      expect(Object.keys(doc.paths)).toContain(p);
    expect(JSON.stringify(doc.paths['/v1/leads'])).toContain('保本保息');
  });
});
