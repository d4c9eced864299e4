import { eventually } from '@outpost/testing';
import { v7 as uuidv7 } from 'uuid';
import { ADMIN, Harness, OPERATOR, personPrincipal, referenceOf } from './support/notification.harness';
import { HttpReceiver } from './support/http-receiver';
import { SmtpSink } from './support/smtp-sink';

jest.setTimeout(120_000);

const SOURCE_SECRET = 'patrol-system-shared-secret-0001';

describe('notification: events reach the right people by inbox, e-mail, SMS and signed webhook (real stack)', () => {
  const smtp = new SmtpSink();
  /** The first e-mail to `to` whose subject contains `text`, once it has arrived. */
  const mailWith = (to: string, text: string) =>
    eventually(() => smtp.to(to).find((m) => m.subject.includes(text)), 30_000);
  const sms = new HttpReceiver();
  const source = new HttpReceiver();
  let h: Harness;

  beforeAll(async () => {
    await Promise.all([smtp.start(), sms.start(), source.start()]);
    source.secret = SOURCE_SECRET;
    h = await Harness.start({ smtp, sms });
    await h.addEndpoint('src-patrol', source.url('/outpost/callbacks'), SOURCE_SECRET);
    await h.seedRosterAndWait();
  });

  afterAll(async () => {
    await h?.close();
    await Promise.all([smtp.stop(), sms.stop(), source.stop()]);
  });

  it('copies roster people (name, e-mail, phone, roles, streets, grids, active) into contacts', async () => {
    const [c] = await h.sql(
      `SELECT name, email, phone, roles, street_codes, grid_ids, active, locale FROM contact WHERE person_id = 'p-street-1'`,
    );
    expect(c).toMatchObject({
      name: '沙河街防非负责人 黄三',
      email: 'p-street-1@outpost.test',
      roles: ['STREET_RESPONSIBLE'],
      street_codes: ['440106001'],
      active: true,
      locale: 'zh-CN',
    });
  });

  it('an assignment reaches the assignee inbox and e-mail (Chinese, with the lead reference), the pair partner inbox', async () => {
    const leadId = `lead-${uuidv7()}`;
    await h.registered(leadId);
    const reference = referenceOf(leadId);
    await h.assigned(leadId, { partnerId: null, dueAt: '2026-03-19T10:00:00Z' });

    const mail = await mailWith('p-sentinel-1@outpost.test', reference);
    expect(mail.subject).toBe(`【前哨】新线索 ${reference} 已分派`);
    expect(mail.text).toContain(`线索 ${reference} 已分派，请及时核查处理。办理期限：2026-03-19 18:00。`);
    expect(mail.text).toContain(`线索编号：${reference}`);
    expect(mail.messageId).toMatch(/^<[0-9a-f-]{36}@outpost\.tianhe\.local>$/);

    const sentinel = personPrincipal('p-sentinel-1', ['SENTINEL']);
    const inbox = await eventually(async () => {
      const res = await h.request('GET', '/v1/inbox', sentinel);
      const body = res.json() as { items: Array<{ id: string; title: string; leadId: string }>; unread: number };
      return body.items.some((i) => i.leadId === leadId) ? body : undefined;
    }, 30_000);
    const item = inbox.items.find((i) => i.leadId === leadId)!;
    expect(item.title).toBe(`新线索 ${reference} 已分派`);
    expect(inbox.unread).toBeGreaterThanOrEqual(1);

    const partner = personPrincipal('p-volunteer-1', ['VOLUNTEER']);
    await eventually(
      async () => ((await h.request('GET', '/v1/inbox/unread-count', partner)).json().unread >= 1 ? true : undefined),
      30_000,
    );

    // Mark read, then read-all; someone else cannot mark it.
    expect((await h.request('POST', `/v1/inbox/${item.id}/read`, partner)).statusCode).toBe(404);
    const read = await h.request('POST', `/v1/inbox/${item.id}/read`, sentinel);
    expect(read.statusCode).toBe(200);
    expect(read.json().readAt).toBeTruthy();
    const all = await h.request('POST', '/v1/inbox/read-all', sentinel);
    expect(all.json()).toMatchObject({ unread: 0 });
    expect((await h.request('GET', '/v1/inbox/unread-count', sentinel)).json()).toEqual({ unread: 0 });

    // The delivery log: one row per (event, recipient, channel), each SENT with its history.
    const log = await h.request('GET', `/v1/deliveries?leadId=${leadId}`, OPERATOR);
    const rows = (
      log.json() as { items: Array<{ eventType: string; recipient: string; channel: string; status: string }> }
    ).items.filter((d) => d.eventType === 'assessment.lead-assigned.v1');
    expect(rows.map((r) => `${r.recipient}|${r.channel}`).sort()).toEqual([
      'person:p-sentinel-1|EMAIL',
      'person:p-sentinel-1|INBOX',
      'person:p-volunteer-1|INBOX',
    ]);
    await eventually(async () => {
      const again = (await h.request('GET', `/v1/deliveries?leadId=${leadId}`, OPERATOR)).json() as {
        items: Array<{ id: string; eventType: string; status: string }>;
      };
      const mine = again.items.filter((d) => d.eventType === 'assessment.lead-assigned.v1');
      return mine.every((d) => d.status === 'SENT') ? mine : undefined;
    }, 30_000);
    const detail = await h.request(
      'GET',
      `/v1/deliveries/${(log.json() as { items: Array<{ id: string; channel: string }> }).items.find((d) => d.channel === 'EMAIL')!.id}`,
      OPERATOR,
    );
    expect((detail.json() as { history: Array<{ status: string }> }).history.map((x) => x.status)).toEqual([
      'PENDING',
      'SENDING',
      'SENT',
    ]);
    expect((await h.request('GET', `/v1/deliveries?leadId=${leadId}`, sentinel)).statusCode).toBe(403);
  });

  it('an assignment consumed before its registration is addressed by the reference it carries', async () => {
    // Registration and assignment are on different topics, which Kafka does not order among themselves.
    const leadId = `lead-${uuidv7()}`;
    const reference = referenceOf(leadId);
    await h.assigned(leadId, { partnerId: null, dueAt: '2026-03-19T10:00:00Z' });

    const mail = await mailWith('p-sentinel-1@outpost.test', reference);
    expect(mail.subject).toBe(`【前哨】新线索 ${reference} 已分派`);
    const [lead] = await h.sql<{ reference: string | null }>(`SELECT reference FROM lead_ref WHERE lead_id = $1`, [
      leadId,
    ]);
    expect(lead?.reference).toBe(reference);

    // The registration arriving afterwards changes nothing that was sent, and keeps the reference.
    await h.registeredAndKnown(leadId);
    expect(smtp.to('p-sentinel-1@outpost.test').filter((m) => m.subject.includes(leadId))).toHaveLength(0);
  });

  it('a deadline breach reaches the supervisor by inbox, e-mail and SMS (with the provider idempotency key)', async () => {
    const leadId = `lead-${uuidv7()}`;
    await h.registeredAndKnown(leadId);
    const reference = referenceOf(leadId);
    await h.produce('assessment.deadline-breached.v1', {
      leadId,
      deadlineId: `dl-${leadId}`,
      kind: 'REVIEW',
      dueAt: '2026-03-16T01:00:00Z',
      step: 2,
      notify: [{ personId: 'p-street-1', role: 'STREET_RESPONSIBLE' }],
      legalBasis: null,
    });
    const mail = await mailWith('p-supervisor-1@outpost.test', reference);
    expect(mail.subject).toBe(`【前哨】【超期】线索 ${reference}`);
    const text = await eventually(
      () =>
        sms.requests.find(
          (r) =>
            r.body.includes(reference) && (JSON.parse(r.body) as { to: string }).to === ROSTER_PHONE('p-supervisor-1'),
        ),
      30_000,
    );
    const smsBody = JSON.parse(text.body) as { to: string; text: string; idempotencyKey: string };
    expect(smsBody.text).toContain(`【前哨】线索 ${reference} 已超过办理期限`);
    expect(text.headers['idempotency-key']).toBe(smsBody.idempotencyKey);
    const [row] = await h.sql<{ id: string; status: string }>(
      `SELECT id, status FROM delivery WHERE lead_id = $1 AND recipient = 'person:p-supervisor-1' AND channel = 'SMS'`,
      [leadId],
    );
    expect(smsBody.idempotencyKey).toBe(row!.id);
    const supervisor = personPrincipal('p-supervisor-1', ['SUPERVISOR']);
    await eventually(
      async () =>
        (
          (await h.request('GET', '/v1/inbox', supervisor)).json() as {
            items: Array<{ leadId: string; urgent: boolean }>;
          }
        ).items.find((i) => i.leadId === leadId && i.urgent),
      30_000,
    );
    // The street responsible person named in the ladder hears of it too.
    await mailWith('p-street-1@outpost.test', reference);
  });

  it('a case handed to another officer reaches the new handler; a referral or a measure waiting for approval reaches the heads', async () => {
    const leadId = `lead-${uuidv7()}`;
    await h.registeredAndKnown(leadId);
    const step = (action: string, from: string | null, to: string, handlerId: string, approvalRequested = false) =>
      h.produce('escalation.case-state-changed.v1', {
        leadId,
        caseId: `case-${leadId}`,
        caseNo: 'CZ-2026-000042',
        action,
        from,
        to,
        status: 'DISPOSING',
        handlerId,
        pendingApprovals: approvalRequested ? 1 : 0,
        approvalRequested,
      });
    await step('case-opened', null, 'REFERRAL_PENDING_APPROVAL', 'p-officer-9', true);
    await step('approve-referral', 'REFERRAL_PENDING_APPROVAL', 'REFERRAL_APPROVED', 'p-officer-9');
    await step('assign-handler', 'REFERRAL_APPROVED', 'REFERRAL_APPROVED', 'p-officer-1');
    await step('request-measure', 'ADMIN_CASE_FILED', 'ADMIN_CASE_FILED', 'p-officer-1', true);
    const mail = await mailWith('p-officer-1@outpost.test', 'CZ-2026-000042');
    expect(mail.subject).toBe('【前哨】您已被指定为案件 CZ-2026-000042 的承办人');
    const inbox = async (personId: string, role: 'OFFICER' | 'SUPERVISOR') =>
      (
        (await h.request('GET', '/v1/inbox', personPrincipal(personId, [role]))).json() as {
          items: Array<{ leadId: string; title: string }>;
        }
      ).items
        .filter((i) => i.leadId === leadId)
        .map((i) => i.title);
    expect(await eventually(async () => (await inbox('p-officer-1', 'OFFICER')).at(0), 30_000)).toBe(
      '您已被指定为案件 CZ-2026-000042 的承办人',
    );
    const heads = await eventually(async () => {
      const titles = await inbox('p-supervisor-1', 'SUPERVISOR');
      return titles.length === 2 ? titles.sort() : undefined;
    }, 30_000);
    expect(heads).toEqual(['案件 CZ-2026-000042 申请采取措施，待审批', '案件 CZ-2026-000042 移送公安待审批']);
    // The approval itself is nobody's news by these rules: exactly the deliveries above.
    const rows = await h.sql<{ recipient: string; channel: string }>(
      `SELECT recipient, channel FROM delivery WHERE lead_id = $1 AND event_type = 'escalation.case-state-changed.v1' ORDER BY 1, 2`,
      [leadId],
    );
    expect(rows.map((r) => `${r.recipient} ${r.channel}`)).toEqual([
      'person:p-officer-1 EMAIL',
      'person:p-officer-1 INBOX',
      'person:p-supervisor-1 INBOX',
      'person:p-supervisor-1 INBOX',
    ]);
  });

  it('an outcome reaches the source system webhook with a valid signature, and a contactable reporter is handed to intake', async () => {
    const leadId = `lead-${uuidv7()}`;
    await h.registeredAndKnown(leadId, { contactable: true });
    const reference = referenceOf(leadId);
    const closed = await h.produce('escalation.lead-closed.v1', {
      leadId,
      caseId: 'case-1',
      status: 'CLOSED',
      outcome: 'BANNED',
      summary: '内部：已联合市场监管取缔，涉案人员王某',
      reporterFeedback: '您反映的问题已依法处理，感谢支持。',
      linkedLeadIds: [],
    });
    const hit = await eventually(() => source.requests.find((r) => r.body.includes(closed.id)), 30_000);
    expect(hit.signatureOk).toBe(true);
    expect(hit.headers['x-outpost-key-id']).toBe('k-2026-01');
    expect(hit.headers['idempotency-key']).toBe(`${closed.id}.source:src-patrol`);
    const body = JSON.parse(hit.body) as {
      eventType: string;
      lead: { reference: string; status: string };
      data: { outcome: string; feedback: string };
    };
    expect(body).toMatchObject({
      eventType: 'escalation.lead-closed.v1',
      lead: { reference, status: 'CLOSED' },
      data: { outcome: 'BANNED', feedback: '您反映的问题已依法处理，感谢支持。' },
    });
    expect(hit.body).not.toContain('王某'); // internal summary never leaves
    // The registration produced a status callback too.
    expect(
      source.requests.some(
        (r) => r.body.includes('"eventType":"intake.lead-registered.v1"') && r.body.includes(reference),
      ),
    ).toBe(true);

    const relayed = await eventually(
      async () =>
        (
          await h.sql<{ value: string }>(
            `SELECT value FROM outbox WHERE topic = 'notification.reporter-feedback-requested.v1' AND key = $1`,
            [leadId],
          )
        )[0],
      10_000,
    );
    expect(JSON.parse(relayed.value).payload).toEqual({
      leadId,
      reference,
      sourceEventId: closed.id,
      outcome: 'BANNED',
      feedback: '您反映的问题已依法处理，感谢支持。',
    });
  });

  it('Kafka redelivery of the same envelope 3x → one delivery per (event, recipient, channel), one e-mail', async () => {
    const leadId = `lead-${uuidv7()}`;
    await h.registered(leadId);
    const reference = referenceOf(leadId);
    const env = await h.assigned(leadId, { partnerId: 'p-volunteer-1', dueAt: null });
    await h.produceAgain(env);
    await h.produceAgain(env);
    await mailWith('p-sentinel-1@outpost.test', reference);
    // A later event on the same lead (same partition) proves the repeats were consumed before we count.
    const marker = await h.produce('assessment.lead-transitioned.v1', {
      leadId,
      status: 'IN_REVIEW',
      from: 'ASSIGNED',
      action: 'start-review',
      reason: null,
    });
    await eventually(
      async () => ((await h.sql(`SELECT 1 FROM delivery WHERE event_id = $1`, [marker.id])).length ? true : undefined),
      30_000,
    );
    const rows = await h.sql<{ n: string }>(`SELECT count(*) AS n FROM delivery WHERE event_id = $1`, [env.id]);
    expect(Number(rows[0]!.n)).toBe(3); // sentinel INBOX + EMAIL, volunteer INBOX
    await new Promise((r) => setTimeout(r, 1000));
    expect(smtp.to('p-sentinel-1@outpost.test').filter((m) => m.subject.includes(reference))).toHaveLength(1);
    const inbox = await h.sql(`SELECT 1 FROM inbox_item WHERE event_id = $1`, [env.id]);
    expect(inbox).toHaveLength(2);
  });

  it('rules are data: an admin adds a rule through the API and the next event follows it', async () => {
    const bad = await h.request('POST', '/v1/rules', ADMIN, {
      id: 'x',
      eventType: 'nope.v1',
      audience: 'ROLE',
      channels: ['WEBHOOK'],
    });
    expect(bad.statusCode).toBe(400);
    const created = await h.request('POST', '/v1/rules', ADMIN, {
      id: 'action-officers-now',
      eventType: 'escalation.action-recorded.v1',
      audience: 'ROLE',
      audienceParam: 'OFFICER',
      channels: ['INBOX'],
      description: '处置措施：联办站内信',
    });
    expect(created.statusCode).toBe(201);
    expect(
      (await h.request('GET', '/v1/rules?eventType=escalation.action-recorded.v1', OPERATOR))
        .json()
        .items.map((r: { id: string }) => r.id),
    ).toEqual(['action-officers-now', 'action-street']);
    const leadId = `lead-${uuidv7()}`;
    await h.registeredAndKnown(leadId);
    await h.produce('escalation.action-recorded.v1', {
      leadId,
      caseId: 'c',
      actionId: 'a',
      status: 'DISPOSING',
      actionType: 'WARNING',
      summary: '约谈',
      dueAt: null,
      legalBasis: null,
    });
    await eventually(
      async () =>
        (await h.sql(`SELECT 1 FROM inbox_item WHERE lead_id = $1 AND person_id = 'p-officer-1'`, [leadId]))[0],
      30_000,
    );
    // The street's e-mail for the same event is held for the digest, then sent as one digest e-mail.
    await eventually(
      async () =>
        (
          await h.sql(
            `SELECT 1 FROM delivery WHERE lead_id = $1 AND recipient = 'person:p-street-1' AND channel = 'EMAIL' AND status = 'DIGEST'`,
            [leadId],
          )
        )[0],
      30_000,
    );
    const run = await h.request('POST', '/v1/digest/run', OPERATOR);
    expect(run.json().digests).toBeGreaterThanOrEqual(1);
    const digest = await mailWith('p-street-1@outpost.test', '每日汇总');
    expect(digest.text).toContain(`线索 TH-20260316-${leadId.slice(-6)} 新增处置措施`);
    expect((await h.request('POST', '/v1/digest/run', OPERATOR)).json()).toEqual({ digests: 0, items: 0 });
  });
});

function ROSTER_PHONE(id: string): string {
  const { ROSTER } = jest.requireActual(
    './support/notification.harness',
  ) as typeof import('./support/notification.harness');
  return ROSTER.find((p) => p.id === id)!.phone!;
}
