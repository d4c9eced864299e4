import ExcelJS from 'exceljs';
import { eventually } from '@outpost/testing';
import { randomUUID } from 'node:crypto';
import { closeEventStreams, openEventStream } from './support/event-stream';
import { assigned, GatewayHarness, registered, WUSHAN_GRID } from './support/gateway-harness';

const auth = (t: string) => ({ authorization: `Bearer ${t}` });
/** An instant as a Beijing wall clock, "2026-12-03 23:59:59" (computed by ICU, independently of the export's code). */
const beijing = (iso: string) => {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Asia/Shanghai',
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(new Date(iso))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
};

describe('gateway read model, scope, commands and exports', () => {
  let h: GatewayHarness;
  let officer: string;
  let sentinel1: string;
  let sentinel2: string;
  let volunteer1: string;
  let volunteer2: string;
  let street1: string;
  const shaheLead = `lead-${randomUUID()}`;
  const wushanLead = `lead-${randomUUID()}`;
  const decidedLead = `lead-${randomUUID()}`;

  beforeAll(async () => {
    h = await GatewayHarness.start();
    [officer, sentinel1, sentinel2, volunteer1, volunteer2, street1] = await Promise.all(
      ['officer1', 'sentinel1', 'sentinel2', 'volunteer1', 'volunteer2', 'street1'].map((l) => h.token(l)),
    );
    const triagedAt = new Date(Date.now() + 1000);
    // Triage produced before registration on purpose: topics are not ordered among themselves.
    await h.produce(
      'assessment.lead-triaged.v1',
      {
        leadId: shaheLead,
        assessmentId: 'as-1',
        status: 'TRIAGED',
        score: 71,
        band: 'red',
        previousBand: 'orange',
        checklist: { I: 'suspected', P: 'evidenced', Ind: 'evidenced', S: 'suspected' },
        explanation: [
          {
            indicator: 'B3',
            label: '承诺保本保息',
            anchor: 'Ind',
            weight: 20,
            confidence: 1,
            points: 20,
            evidence: '保本保息',
          },
        ],
        gridIds: ['G-440106001-C01'],
        streetCode: '440106001',
      },
      { occurredAt: triagedAt },
    );
    await h.produce('intake.lead-registered.v1', registered(shaheLead, { title: '鑫汇财富高息揽储' }));
    await h.produce(
      'assessment.lead-assigned.v1',
      assigned(shaheLead, { assessmentId: 'as-1', dueAt: new Date(Date.now() - 3600_000).toISOString() }),
      { occurredAt: new Date(Date.now() + 2000) },
    );
    await h.produce('intake.evidence-added.v1', {
      leadId: shaheLead,
      evidenceId: 'ev-1',
      type: 'PHOTO',
      sha256: 'a'.repeat(64),
      mediaType: 'image/jpeg',
      sizeBytes: 1234,
    });
    await h.produce('assessment.deadline-breached.v1', {
      leadId: shaheLead,
      deadlineId: 'dl-1',
      kind: 'ASSESSMENT_SLA',
      dueAt: new Date().toISOString(),
      step: 1,
      notify: [],
      legalBasis: null,
    });

    await h.produce(
      'intake.lead-registered.v1',
      registered(wushanLead, {
        grid: WUSHAN_GRID,
        title: '五山街某平台养老投资',
        subjects: [
          { kind: 'PLATFORM', name: '康乐养老平台', uscc: null, registeredAddress: null, businessScope: null },
        ],
        screening: { catalogVersion: 't', score: 12, band: 'yellow', hits: [] },
      }),
    );

    await h.produce('intake.lead-registered.v1', registered(decidedLead, { title: '某私募违规募集' }));
    await h.produce(
      'assessment.lead-decided.v1',
      {
        leadId: decidedLead,
        assessmentId: 'as-3',
        status: 'DECIDED',
        decidedBy: 'p-officer-1',
        decision: 'REFER_POLICE',
        category: 'IF-SM',
        band: 'red',
        legalBasis: ['条例第23条'],
        reasoning: '涉嫌犯罪',
        feedback: null,
        gridIds: ['G-440106001-C01'],
        streetCode: '440106001',
        subjectRegisteredAddress: null,
      },
      { occurredAt: new Date(Date.now() + 1000) },
    );
    await h.produce(
      'escalation.case-opened.v1',
      {
        leadId: decidedLead,
        caseId: 'case-1',
        caseNo: '天打非〔2026〕1号',
        status: 'DISPOSING',
        path: 'REFER_POLICE',
        leadIds: [decidedLead],
        handlerId: 'p-officer-1',
      },
      { occurredAt: new Date(Date.now() + 2000) },
    );

    await eventually(async () => {
      const rows = await h.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM lead_view WHERE reference IS NOT NULL AND status IS NOT NULL`,
      );
      const [sh] = await h.query<{ assignee_id: string | null; status: string; case_no: string | null }>(
        `SELECT assignee_id, status FROM lead_view WHERE id = $1`,
        [shaheLead],
      );
      const [dc] = await h.query<{ case_no: string | null }>(`SELECT case_no FROM lead_view WHERE id = $1`, [
        decidedLead,
      ]);
      return rows[0]!.n === 3 && sh?.status === 'ASSIGNED' && dc?.case_no ? true : undefined;
    }, 40000).catch(async (err: unknown) => {
      // Say why: a dead-lettered handler error is the usual cause.
      const dead = await h.query<{ topic: string; error: string }>(`SELECT topic, error FROM dead_letter`);
      const rows = await h.query(`SELECT id, reference, status, case_no, assignee_id FROM lead_view`);
      throw new Error(`${String(err)}\ndead letters: ${JSON.stringify(dead)}\nrows: ${JSON.stringify(rows)}`);
    });
  });
  afterEach(closeEventStreams);
  afterAll(async () => h?.stop());

  it('builds the list from the events, newest status winning whatever the topic order', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/api/v1/leads', headers: auth(officer) });
    expect(res.statusCode).toBe(200);
    const body = res.json() as {
      total: number;
      items: Array<{
        id: string;
        status: string;
        band: string;
        score: number;
        stage: string;
        overdue: boolean;
        assignee: unknown;
      }>;
    };
    expect(body.total).toBe(3);
    const sh = body.items.find((i) => i.id === shaheLead)!;
    expect(sh).toMatchObject({
      status: 'ASSIGNED',
      stage: 'assessment',
      band: 'red',
      score: 71,
      overdue: true,
      assignee: { id: 'p-volunteer-1', name: '李志愿' },
    });
    expect(body.items.find((i) => i.id === decidedLead)).toMatchObject({ status: 'DISPOSING', stage: 'escalation' });
  });

  it('filters by stage, band, grid, street, assignee, overdue and text', async () => {
    const ids = async (qs: string) =>
      (
        (await h.app.inject({ method: 'GET', url: `/api/v1/leads?${qs}`, headers: auth(officer) })).json() as {
          items: Array<{ id: string }>;
        }
      ).items
        .map((i) => i.id)
        .sort();
    expect(await ids('stage=escalation')).toEqual([decidedLead]);
    expect(await ids('stage=intake')).toEqual([wushanLead]);
    expect(await ids('band=red')).toEqual([decidedLead, shaheLead].sort());
    expect(await ids(`grid=${WUSHAN_GRID}`)).toEqual([wushanLead]);
    expect(await ids('street=440106001')).toEqual([decidedLead, shaheLead].sort());
    expect(await ids(`street=${encodeURIComponent('沙河')}`)).toEqual([decidedLead, shaheLead].sort()); // by name
    expect(await ids(`street=${encodeURIComponent('沙%')}`)).toEqual([]); // LIKE characters are literal
    expect(await ids('assignee=p-volunteer-1')).toEqual([shaheLead]);
    expect(await ids('overdue=true')).toEqual([shaheLead]);
    expect(await ids(`q=${encodeURIComponent('康乐养老')}`)).toEqual([wushanLead]);
    expect(await ids(`q=${encodeURIComponent('揽储')}`)).toEqual([shaheLead]);
    expect(await ids(`q=${encodeURIComponent('鑫汇')}`)).toEqual([decidedLead, shaheLead].sort()); // subject name
    expect(await ids('category=IF-SM')).toEqual([decidedLead]);
    const bad = await h.app.inject({ method: 'GET', url: '/api/v1/leads?band=purple', headers: auth(officer) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('returns the detail with the merged timeline of every service', async () => {
    h.stubs.on((c) =>
      c.path === `/v1/audit/leads/${shaheLead}`
        ? {
            status: 200,
            body: {
              leadId: shaheLead,
              entries: [
                {
                  chain: 0,
                  seq: 1,
                  leadId: shaheLead,
                  actor: { type: 'system' },
                  action: `${c.service}.step`,
                  fromState: null,
                  toState: c.service === 'intake' ? 'REPORTED' : 'TRIAGED',
                  reason: null,
                  payloadDigest: null,
                  at: c.service === 'intake' ? '2026-03-02T01:00:00.000Z' : '2026-03-02T02:00:00.000Z',
                  prevHash: '0',
                  hash: '1',
                },
              ],
            },
          }
        : undefined,
    );
    const res = await h.app.inject({ method: 'GET', url: `/api/v1/leads/${shaheLead}`, headers: auth(volunteer1) });
    expect(res.statusCode).toBe(200);
    const d = res.json() as Record<string, unknown> & { timeline: Array<{ service: string; at: string; to: string }> };
    expect(d).toMatchObject({
      id: shaheLead,
      reference: expect.any(String),
      status: 'ASSIGNED',
      stage: 'assessment',
      band: 'red',
      score: 71,
      assignee: { id: 'p-volunteer-1' },
      dueAt: expect.any(String),
    });
    expect(d.timeline[0]).toMatchObject({
      service: 'intake',
      to: 'REPORTED',
      from: null,
      reason: null,
      action: 'intake.step',
    });
    expect(d.timeline.map((t) => t.service)).toEqual(['intake', 'assessment', 'escalation', 'notification']);
    expect(d.checklist).toMatchObject({ P: 'evidenced' });
    expect((d.explanation as unknown[]).length).toBe(1);
    expect((d.evidence as unknown[]).length).toBe(1);
    expect((d.subjects as Array<{ name: string }>)[0]!.name).toBe('广州鑫汇财富投资咨询有限公司');
    expect(d.breaches).toHaveLength(1);
    // The audit trails were read with a signed internal token.
    const auditCalls = h.stubs.calls.filter((c) => c.path.startsWith('/v1/audit/leads/'));
    expect(auditCalls.length).toBeGreaterThanOrEqual(4);
    expect(auditCalls.every((c) => c.principal !== null && c.tokenError === null)).toBe(true);
    h.stubs.reset();
  });

  it('keeps a user of another grid out: not in the list, 404 on detail, commands and evidence', async () => {
    for (const token of [sentinel2, volunteer2]) {
      const list = (await h.app.inject({ method: 'GET', url: '/api/v1/leads', headers: auth(token) })).json() as {
        items: Array<{ id: string }>;
        total: number;
      };
      expect(list.items.map((i) => i.id)).toEqual([wushanLead]);
      expect(list.total).toBe(1);
      expect(
        (await h.app.inject({ method: 'GET', url: `/api/v1/leads/${shaheLead}`, headers: auth(token) })).statusCode,
      ).toBe(404);
      expect(
        (
          await h.app.inject({
            method: 'POST',
            url: `/api/v1/leads/${shaheLead}/commands/answer-verification`,
            headers: auth(token),
            payload: {},
          })
        ).statusCode,
      ).toBe(404);
      expect(
        (await h.app.inject({ method: 'GET', url: `/api/v1/leads/${shaheLead}/allowed-actions`, headers: auth(token) }))
          .statusCode,
      ).toBe(404);
    }
    // Street staff see their street; sentinel1 and volunteer1 (pairing) see 沙河 grid C01 only.
    const streetList = (await h.app.inject({ method: 'GET', url: '/api/v1/leads', headers: auth(street1) })).json() as {
      total: number;
    };
    expect(streetList.total).toBe(2);
    const s1 = (await h.app.inject({ method: 'GET', url: '/api/v1/leads', headers: auth(sentinel1) })).json() as {
      total: number;
    };
    expect(s1.total).toBe(2);
    expect(h.stubs.calls.filter((c) => c.path.includes('/commands/'))).toHaveLength(0);
  });

  it('counts the dashboard over the visible leads', async () => {
    const all = (await h.app.inject({ method: 'GET', url: '/api/v1/dashboard', headers: auth(officer) })).json() as {
      totals: { total: number; overdue: number; breached: number };
      byStage: Array<{ key: string; count: number }>;
      byGrid: Array<{ key: string; count: number }>;
      byBand: Array<{ key: string; count: number }>;
      byStreet: Array<{ key: string; count: number }>;
      trend: Array<{ week: string; reported: number; breaches: number }>;
    };
    expect(all.totals).toMatchObject({ total: 3, overdue: 1, breached: 1 });
    expect(all.byStage).toEqual(
      expect.arrayContaining([
        { key: 'intake', count: 1 },
        { key: 'assessment', count: 1 },
        { key: 'escalation', count: 1 },
      ]),
    );
    expect(all.byGrid).toEqual(
      expect.arrayContaining([
        { key: 'G-440106001-C01', count: 2 },
        { key: WUSHAN_GRID, count: 1 },
      ]),
    );
    expect(all.byBand).toEqual(
      expect.arrayContaining([
        { key: 'red', count: 2 },
        { key: 'yellow', count: 1 },
      ]),
    );
    expect(all.trend).toHaveLength(12);
    expect(all.trend.at(-1)).toMatchObject({ reported: 3, breaches: 1 });
    expect(all.trend.at(-1)!.week).toMatch(/^\d{4}-W\d{2}$/);
    const mine = (await h.app.inject({ method: 'GET', url: '/api/v1/dashboard', headers: auth(sentinel2) })).json() as {
      totals: { total: number };
    };
    expect(mine.totals.total).toBe(1);
  });

  it('forwards a command to the owning service with a valid internal token and passes problem+json through', async () => {
    h.stubs.on((c) =>
      c.path === `/v1/leads/${shaheLead}/commands/decide`
        ? {
            status: 409,
            contentType: 'application/problem+json',
            body: {
              type: 'x',
              title: 'Conflict',
              status: 409,
              code: 'TRANSITION_NOT_ALLOWED',
              detail: '线索当前状态为「已分派」，尚未提交研判意见，不能作出决定。',
            },
          }
        : c.path === `/v1/leads/${shaheLead}/commands/claim`
          ? { status: 200, body: { leadId: shaheLead, status: 'IN_REVIEW' } }
          : undefined,
    );
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const ok = await h.app.inject({
      method: 'POST',
      url: `/api/v1/leads/${shaheLead}/commands/claim`,
      headers: { ...auth(volunteer1), 'idempotency-key': 'k-1', 'x-correlation-id': 'corr-gw-claim', traceparent },
      payload: { note: '认领' },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ leadId: shaheLead, status: 'IN_REVIEW' });
    const call = h.stubs.calls.find((c) => c.path.endsWith('/commands/claim'))!;
    expect(call.service).toBe('assessment');
    expect(call.tokenError).toBeNull();
    expect(call.principal).toMatchObject({
      userId: 'p-volunteer-1',
      roles: ['VOLUNTEER'],
      canCertify: false,
      scope: { district: false, gridIds: ['G-440106001-C01'] },
    });
    expect(JSON.parse(call.body.toString())).toEqual({ note: '认领' });
    expect(call.headers['idempotency-key']).toBe('k-1');
    // The service stamps what the command writes with these (its own tests follow them to the events).
    expect([call.headers['x-correlation-id'], call.headers.traceparent]).toEqual(['corr-gw-claim', traceparent]);

    const refused = await h.app.inject({
      method: 'POST',
      url: `/api/v1/leads/${shaheLead}/commands/decide`,
      headers: { ...auth(officer), traceparent: 'not-a-trace-context' },
      payload: { decision: 'MONITOR', reasoning: 'x' },
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.json()).toMatchObject({
      code: 'TRANSITION_NOT_ALLOWED',
      detail: '线索当前状态为「已分派」，尚未提交研判意见，不能作出决定。',
    });
    // A malformed trace context is not passed on; the gateway's own request id is.
    const decideCall = h.stubs.calls.find((c) => c.path.endsWith('/commands/decide'))!;
    expect(decideCall.headers.traceparent).toBeUndefined();
    expect(decideCall.headers['x-correlation-id']).toEqual(expect.any(String));

    // Escalation-stage lead → escalation service.
    await h.app.inject({
      method: 'POST',
      url: `/api/v1/leads/${decidedLead}/commands/record-action`,
      headers: auth(officer),
      payload: { actionType: 'INTERVIEW', summary: '约谈' },
    });
    expect(h.stubs.calls.find((c) => c.path.endsWith('/commands/record-action'))!.service).toBe('escalation');

    // Role × action at the gateway: a volunteer cannot decide; nothing is forwarded.
    const before = h.stubs.calls.length;
    const denied = await h.app.inject({
      method: 'POST',
      url: `/api/v1/leads/${shaheLead}/commands/decide`,
      headers: auth(volunteer1),
      payload: {},
    });
    expect(denied.statusCode).toBe(403);
    expect(h.stubs.calls.length).toBe(before);
    h.stubs.reset();
  });

  it("shows a lead's disposal case from escalation with the names of the people it mentions, within scope", async () => {
    h.stubs.on((c) =>
      c.path === `/v1/cases/by-lead/${decidedLead}`
        ? {
            status: 200,
            body: {
              caseNo: '天打非〔2026〕1号',
              state: 'ADMIN_CASE_FILED',
              handlerId: 'p-officer-1',
              decidedBy: 'p-officer-1',
              clocks: [{ kind: 'PENALTY_DECISION', dueAt: '2026-06-15T15:59:59.999Z', status: 'RUNNING' }],
              measures: [{ id: 'm-1', status: 'REQUESTED', requestedBy: 'p-officer-2', approvedBy: null }],
              tasks: [{ id: 't-1', assigneeId: 'p-street-1' }],
            },
          }
        : c.path === `/v1/cases/by-lead/${shaheLead}`
          ? {
              status: 404,
              contentType: 'application/problem+json',
              body: { status: 404, code: 'CASE_NOT_FOUND', detail: '线索尚无处置案件。' },
            }
          : undefined,
    );
    const file = await h.app.inject({
      method: 'GET',
      url: `/api/v1/leads/${decidedLead}/case`,
      headers: auth(officer),
    });
    expect(file.statusCode).toBe(200);
    expect(file.json()).toMatchObject({
      state: 'ADMIN_CASE_FILED',
      clocks: [{ kind: 'PENALTY_DECISION', status: 'RUNNING' }],
      names: { 'p-officer-1': '钱办案', 'p-officer-2': '吴监管', 'p-street-1': '孙街道' },
    });
    const call = h.stubs.calls.find((c) => c.path.startsWith('/v1/cases/'))!;
    expect([call.service, call.principal?.userId]).toEqual(['escalation', 'p-officer-1']);
    // No case yet: escalation's answer; out of scope: 404 without asking escalation.
    const none = await h.app.inject({ method: 'GET', url: `/api/v1/leads/${shaheLead}/case`, headers: auth(officer) });
    expect([none.statusCode, none.json().code]).toEqual([404, 'CASE_NOT_FOUND']);
    const before = h.stubs.calls.length;
    const outside = await h.app.inject({
      method: 'GET',
      url: `/api/v1/leads/${decidedLead}/case`,
      headers: auth(volunteer2),
    });
    expect([outside.statusCode, h.stubs.calls.length]).toEqual([404, before]);
    h.stubs.reset();
  });

  it('lists the people a workflow form can name, by role, without their contacts', async () => {
    const res = await h.app.inject({
      method: 'GET',
      url: '/api/v1/directory?role=OFFICER,SUPERVISOR',
      headers: auth(officer),
    });
    expect(res.statusCode).toBe(200);
    const items = (res.json() as { items: Array<Record<string, unknown>> }).items;
    expect(items.map((p) => p.id).sort()).toEqual(['p-officer-1', 'p-officer-2', 'p-supervisor-1']);
    expect(items.find((p) => p.id === 'p-officer-2')).toEqual({
      id: 'p-officer-2',
      name: '吴监管',
      roles: ['OFFICER'],
      unit: '金融监管支局',
      institution: null,
    });
    const bad = await h.app.inject({ method: 'GET', url: '/api/v1/directory?role=BOSS', headers: auth(officer) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ errors: [expect.objectContaining({ path: 'role/0' })] });
    // Operators and administrators are named in no workflow command: not listed (least privilege).
    const admins = await h.app.inject({
      method: 'GET',
      url: '/api/v1/directory?role=OFFICER,ADMIN',
      headers: auth(officer),
    });
    expect([admins.statusCode, admins.json().errors[0].path]).toEqual([400, 'role/1']);
  });

  /** The gateway's allowed actions for `token` while the owning service answers this problem. */
  const allowedWhileOwnerAnswers = async (status: number, code: string, detail: string, token: string) => {
    h.stubs.on((c) =>
      c.path.endsWith('/allowed-actions')
        ? { status, contentType: 'application/problem+json', body: { status, code, detail } }
        : undefined,
    );
    try {
      return await h.app.inject({
        method: 'GET',
        url: `/api/v1/leads/${shaheLead}/allowed-actions`,
        headers: auth(token),
      });
    } finally {
      h.stubs.reset();
    }
  };

  it("offers the gateway's own actions when the owning service allows this user no workflow step here", async () => {
    const res = await allowedWhileOwnerAnswers(403, 'OUT_OF_SCOPE', '该线索不在您负责的网格或街道范围内', sentinel1);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      actions: [],
      gatewayActions: [expect.objectContaining({ action: 'add-evidence' })],
    });
  });

  it('answers 502 in Chinese when the owning service is down', async () => {
    const res = await allowedWhileOwnerAnswers(503, 'DATABASE_UNAVAILABLE', '数据库暂不可用', volunteer1);
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
  });

  it('audits a reveal of reporter identity and allows it only to certifying officers and supervisors', async () => {
    h.stubs.on((c) =>
      c.path === `/v1/leads/${shaheLead}/sensitive`
        ? {
            status: 200,
            body: {
              leadId: shaheLead,
              reference: 'TH-20260301-000001',
              reporter: {
                anonymous: false,
                contactable: true,
                name: '张某',
                phone: '13800000000',
                contact: null,
                firstReport: null,
              },
            },
          }
        : undefined,
    );
    const officer2 = await h.token('officer2');
    expect(
      (
        await h.app.inject({
          method: 'POST',
          url: `/api/v1/leads/${shaheLead}/reveal`,
          headers: auth(officer2),
          payload: { reason: '核实' },
        })
      ).statusCode,
    ).toBe(403);
    expect(
      (
        await h.app.inject({
          method: 'POST',
          url: `/api/v1/leads/${shaheLead}/reveal`,
          headers: auth(volunteer1),
          payload: { reason: '核实' },
        })
      ).statusCode,
    ).toBe(403);
    const res = await h.app.inject({
      method: 'POST',
      url: `/api/v1/leads/${shaheLead}/reveal`,
      headers: auth(officer),
      payload: { reason: '需联系举报人核实' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ data: { reporter: { name: '张某' } } });
    const audit = await h.query<{ action: string; reason: string; actor: { userId: string } }>(
      `SELECT action, reason, actor FROM audit_log WHERE lead_id = $1`,
      [shaheLead],
    );
    expect(audit).toEqual([
      expect.objectContaining({
        action: 'sensitive.revealed',
        reason: '需联系举报人核实',
        actor: expect.objectContaining({ userId: 'p-officer-1' }),
      }),
    ]);
    h.stubs.reset();
  });

  it('files a lead and uploads evidence through intake with the internal token', async () => {
    h.stubs.on((c) =>
      c.service === 'intake' && c.path === '/v1/leads'
        ? { status: 201, body: { leadId: 'new-1', reference: 'TH-1' } }
        : undefined,
    );
    const filed = await h.app.inject({
      method: 'POST',
      url: '/api/v1/leads',
      headers: auth(sentinel1),
      payload: { title: '小区门口派发高息理财传单', description: '年化 18%' },
    });
    expect(filed.statusCode).toBe(201);
    expect(h.stubs.calls.find((c) => c.path === '/v1/leads')!.principal).toMatchObject({ userId: 'p-sentinel-1' });

    const boundary = '----outpost';
    const payload = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="type"\r\n\r\nPHOTO\r\n`),
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
      ),
      Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const up = await h.app.inject({
      method: 'POST',
      url: `/api/v1/leads/${shaheLead}/evidence`,
      headers: { ...auth(sentinel1), 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload,
    });
    expect(up.statusCode).toBe(200);
    const call = h.stubs.calls.find((c) => c.path === `/v1/leads/${shaheLead}/evidence`)!;
    expect(call.principal).toMatchObject({ userId: 'p-sentinel-1' });
    expect(String(call.headers['content-type'])).toContain('multipart/form-data');
    expect(call.body.includes(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]))).toBe(true);
    expect(call.body.toString('latin1')).toContain('PHOTO');
    h.stubs.reset();
  });

  it('exports the visible leads and dashboard tables as CSV and XLSX', async () => {
    const csv = await h.app.inject({ method: 'GET', url: '/api/v1/leads/export?format=csv', headers: auth(sentinel2) });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const text = csv.rawPayload.toString('utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const lines = text.trim().split('\r\n');
    expect(lines[0]).toContain('编号');
    expect(lines).toHaveLength(2); // header + the one 五山 lead
    expect(lines[1]).toContain('五山街某平台养老投资');
    // Codes in their Chinese words, the category code kept, times in Beijing time as the UI shows them.
    const headers = lines[0]!.replace(/^\ufeff/, '').split(',');
    const wushan = Object.fromEntries(lines[1]!.split(',').map((v, i) => [headers[i]!, v]));
    const listed = async (id: string, token: string) =>
      (
        (await h.app.inject({ method: 'GET', url: '/api/v1/leads', headers: auth(token) })).json() as {
          items: Array<{ id: string; dueAt: string | null; reportedAt: string | null }>;
        }
      ).items.find((i) => i.id === id)!;
    expect(wushan).toMatchObject({
      状态: '已上报',
      阶段: '受理',
      风险等级: '黄色',
      类别: '非法集资（IF）',
      来源渠道: '巡查发现',
      上报时间: beijing((await listed(wushanLead, sentinel2)).reportedAt!),
    });
    expect(wushan['上报时间']).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(lines[1]).not.toMatch(/REPORTED|intake|yellow|PATROL|\d{2}T\d{2}:/);

    const xlsx = await h.app.inject({
      method: 'GET',
      url: '/api/v1/leads/export?format=xlsx&band=red',
      headers: auth(officer),
    });
    expect(xlsx.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    expect(ws.rowCount).toBe(3);
    expect(ws.getRow(1).getCell(1).value).toBe('编号');
    const xlsxRows = [2, 3].map((n) => {
      const row: Record<string, unknown> = {};
      ws.getRow(1).eachCell((c, i) => (row[String(c.value)] = ws.getRow(n).getCell(i).value));
      return row;
    });
    expect(xlsxRows.find((r) => r['线索ID'] === decidedLead)).toMatchObject({
      状态: '处置中',
      阶段: '处置',
      风险等级: '红色',
      类别: '非法私募（IF-SM）',
      处置决定: '移送公安机关',
      案件号: '天打非〔2026〕1号',
    });
    expect(xlsxRows.find((r) => r['线索ID'] === shaheLead)).toMatchObject({
      状态: '已分派',
      阶段: '研判',
      期限: beijing((await listed(shaheLead, officer)).dueAt!),
      是否超期: '是',
    });

    const dash = await h.app.inject({
      method: 'GET',
      url: '/api/v1/dashboard/export?format=xlsx',
      headers: auth(officer),
    });
    const wb2 = new ExcelJS.Workbook();
    await wb2.xlsx.load(dash.rawPayload as unknown as ArrayBuffer);
    expect(wb2.worksheets.map((w) => w.name)).toEqual(expect.arrayContaining(['按阶段', '按街道', '按网格', '周趋势']));
    const dcsv = await h.app.inject({
      method: 'GET',
      url: '/api/v1/dashboard/export?format=csv&table=byGrid',
      headers: auth(officer),
    });
    expect(dcsv.rawPayload.toString('utf8')).toContain('G-440106001-C01,2');
    // Coded keys keep their code and get their name beside it.
    const byStage = await h.app.inject({
      method: 'GET',
      url: '/api/v1/dashboard/export?format=csv&table=byStage',
      headers: auth(officer),
    });
    const stageLines = byStage.rawPayload
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .trim()
      .split(/\r?\n/);
    expect(stageLines[0]).toBe('阶段,名称,数量');
    expect(stageLines).toEqual(expect.arrayContaining([expect.stringMatching(/^escalation,处置,\d+$/)]));
    const byBand = await h.app.inject({
      method: 'GET',
      url: '/api/v1/dashboard/export?format=csv&table=byBand',
      headers: auth(officer),
    });
    expect(byBand.rawPayload.toString('utf8')).toMatch(/\nred,红色,\d+/);
  });

  it('pushes a read-model change over SSE only to users who may see the lead', async () => {
    const port = await h.listen();
    const mine = await openEventStream(port, volunteer1);
    expect(mine.headers.get('content-type')).toContain('text/event-stream');
    const other = await openEventStream(port, sentinel2);
    expect(other.headers.get('content-type')).toContain('text/event-stream');
    await eventually(() => (mine.text().includes('event: ready') ? true : undefined));
    await h.produce(
      'assessment.lead-transitioned.v1',
      { leadId: shaheLead, status: 'IN_REVIEW', from: 'ASSIGNED', action: 'claim', reason: null },
      { occurredAt: new Date(Date.now() + 5000) },
    );
    const got = await eventually(() => (mine.text().includes('event: lead') ? mine.text() : undefined), 20000);
    expect(got).toContain(`"id":"${shaheLead}"`);
    expect(got).toContain('"status":"IN_REVIEW"');
    await new Promise((r) => setTimeout(r, 500));
    expect(other.text()).toContain('event: ready');
    expect(other.text()).not.toContain(shaheLead);
    mine.close();
    other.close();
    const unauth = await fetch(`http://127.0.0.1:${port}/api/v1/events/stream`);
    expect(unauth.status).toBe(401);
  });
});
