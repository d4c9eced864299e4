import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Outbox, envelopeHeaders } from '@outpost/messaging';
import type { PayloadOf, Topic } from '@outpost/contracts';
import { bearer, eventually, principal, TEST_INFRA } from '@outpost/testing';
import { BANK_KEY, counts, HOTLINE_KEY, startIntake, SUISUIAN_KEY, uscc, type IntakeHarness } from './intake-fixture';

jest.setTimeout(120_000);

const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('fake png body 传单照片'),
]);

function multipart(parts: Array<{ name: string; value: string | Buffer; filename?: string; type?: string }>) {
  const boundary = '----outpost' + Math.random().toString(16).slice(2);
  const chunks: Buffer[] = [];
  for (const p of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"`;
    if (p.filename) head += `; filename="${p.filename}"\r\nContent-Type: ${p.type ?? 'application/octet-stream'}`;
    chunks.push(
      Buffer.from(head + '\r\n\r\n'),
      Buffer.isBuffer(p.value) ? p.value : Buffer.from(p.value),
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

describe('intake: screenings, evidence and the status view', () => {
  let h: IntakeHarness;
  beforeAll(async () => {
    h = await startIntake('screen', { EVIDENCE_MAX_BYTES: '4096' });
  });
  afterAll(async () => {
    await h?.close();
  });

  const register = async (key: string, body: Record<string, unknown>) => {
    const r = await h.app.inject({ method: 'POST', url: '/v1/leads', headers: { 'x-api-key': key }, payload: body });
    expect(r.statusCode).toBe(201);
    return r.json() as { id: string; reference: string; status: string };
  };

  describe('POST /v1/screenings', () => {
    const screen = (records: unknown[], key = BANK_KEY) =>
      h.app.inject({ method: 'POST', url: '/v1/screenings', headers: { 'x-api-key': key }, payload: { records } });

    it('screens text with obfuscations, warnings and licensed names, without creating leads', async () => {
      const before = await counts(h.pg);
      const res = await screen([
        { ref: 'r1', text: '本公司產品 保 本 保 息，年化收益１８％' },
        { ref: 'r2', text: '警惕“保本保息”宣传，凡承诺高额返利的都是骗局' },
        { ref: 'r3', accountName: '中国建设银行股份有限公司广州天河支行', text: '正常代发工资' },
        { ref: 'r4', accountName: '广州某某财富管理有限公司' },
      ]);
      expect(res.statusCode).toBe(200);
      const [r1, r2, r3, r4] = res.json().results;
      expect(r1.hits.map((x: { indicator: string }) => x.indicator)).toContain('B1');
      expect(r1.band).not.toBe('none');
      expect(r2).toMatchObject({ ref: 'r2', hits: [], band: 'none', score: 0 });
      expect(r3.hits).toEqual([]);
      expect(r4.hits.map((x: { indicator: string }) => x.indicator)).toEqual(expect.arrayContaining(['C1'])); // C1: keyword in an account name
      expect(await counts(h.pg)).toEqual(before);
    });

    it('finds fund-flow patterns across requests of one source within the window (Redis), not across sources', async () => {
      const account = '6222020200998877665';
      const inflow = (from: number, n: number) =>
        Array.from({ length: n }, (_, i) => ({
          ref: `in-${from + i}`,
          accountNo: account,
          counterpartyName: `个人${from + i}`,
          direction: 'in',
          amount: 10000,
          remark: '投资款',
          occurredAt: `2026-11-${String(10 + i).padStart(2, '0')}T10:00:00+08:00`,
        }));
      const first = await screen(inflow(0, 6));
      expect(first.json().results[0].hits.map((x: { indicator: string }) => x.indicator)).not.toContain('C2');
      const second = await screen([
        ...inflow(6, 6),
        {
          ref: 'out-1',
          accountNo: account,
          counterpartyName: '某控股公司',
          direction: 'out',
          amount: 115000,
          occurredAt: '2026-11-20T10:00:00+08:00',
        },
      ]);
      const indicators = second.json().results[6].hits.map((x: { indicator: string }) => x.indicator);
      expect(indicators).toEqual(expect.arrayContaining(['C2', 'C3']));
      // Another source has no history for the account: its records alone are not a pattern.
      const other = await screen(
        [
          ...inflow(6, 6),
          {
            ref: 'out-1',
            accountNo: account,
            counterpartyName: '某控股公司',
            direction: 'out',
            amount: 115000,
            occurredAt: '2026-11-20T10:00:00+08:00',
          },
        ],
        SUISUIAN_KEY,
      );
      expect(other.json().results[6].hits.map((x: { indicator: string }) => x.indicator)).not.toContain('C2');
    });

    it('streams NDJSON line by line, reporting bad lines in place', async () => {
      const lines = [
        JSON.stringify({ ref: 'n1', text: '稳赚不赔，每月返利' }),
        '{not json',
        JSON.stringify({ ref: 'n3', amount: 'x' }),
        '',
        JSON.stringify({ ref: 'n4', text: '普通广告' }),
      ].join('\n');
      const res = await h.app.inject({
        method: 'POST',
        url: '/v1/screenings',
        headers: { 'x-api-key': BANK_KEY, 'content-type': 'application/x-ndjson' },
        payload: lines,
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('application/x-ndjson');
      const out = res.body
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(out).toHaveLength(4);
      expect(out.find((o) => o.line === 2)).toMatchObject({ errors: [{ path: '(line)' }] });
      expect(out.find((o) => o.line === 3)).toMatchObject({ ref: 'n3', errors: [{ path: 'amount' }] });
      expect(out.find((o) => o.ref === 'n1').hits.length).toBeGreaterThan(0);
      expect(out.find((o) => o.ref === 'n4').hits).toEqual([]);
    });

    it('refuses bad screening requests with field paths', async () => {
      const res = await screen([{ ref: '', direction: 'sideways', amount: -1, extra: true }]);
      expect(res.statusCode).toBe(400);
      expect(
        res
          .json()
          .errors.map((e: { path: string }) => e.path)
          .sort(),
      ).toEqual(['records/0/amount', 'records/0/direction', 'records/0/extra', 'records/0/ref']);
      const tooMany = await screen(Array.from({ length: 10_001 }, (_, i) => ({ ref: String(i) })));
      expect([tooMany.statusCode, tooMany.json().errors[0].path]).toEqual([400, 'records']);
    });

    it('lists the active indicator catalogue with its version', async () => {
      const res = await h.app.inject({ method: 'GET', url: '/v1/indicators', headers: { 'x-api-key': BANK_KEY } });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.version).toEqual(expect.any(String));
      const ids = body.indicators.map((i: { id: string }) => i.id);
      for (const id of ['A1', 'B1', 'C2', 'C3', 'D1', 'E2']) expect(ids).toContain(id);
    });
  });

  describe('POST /v1/leads/{id}/evidence', () => {
    it('stores a file content-addressed with its SHA-256, records it with an event, and is idempotent', async () => {
      const lead = await register(BANK_KEY, { sourceChannel: 'BANK_MONITOR', description: '证据测试' });
      const form = multipart([
        { name: 'type', value: 'LEAFLET' },
        { name: 'capturedAt', value: '2026-11-27T10:05:00+08:00' },
        { name: 'file', value: PNG, filename: 'leaflet.png', type: 'image/png' },
      ]);
      // The event carries the request's correlation id and trace context.
      const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      const up = () =>
        h.app.inject({
          method: 'POST',
          url: `/v1/leads/${lead.id}/evidence`,
          headers: {
            'x-api-key': BANK_KEY,
            'content-type': form.contentType,
            'x-correlation-id': 'corr-evidence-1',
            traceparent,
          },
          payload: form.payload,
        });
      const res = await up();
      expect(res.statusCode).toBe(201);
      const sha = createHash('sha256').update(PNG).digest('hex');
      expect(res.json()).toMatchObject({
        leadId: lead.id,
        type: 'LEAFLET',
        sha256: sha,
        mediaType: 'image/png',
        sizeBytes: PNG.length,
      });
      expect(existsSync(join(h.config.EVIDENCE_DIR, sha.slice(0, 2), sha))).toBe(true);
      const again = await up();
      expect([again.statusCode, again.json().id]).toEqual([200, res.json().id]);
      const events = (
        await h.pg.query(`SELECT value FROM outbox WHERE topic = 'intake.evidence-added.v1' AND key = $1`, [lead.id])
      ).rows;
      expect(events).toHaveLength(1);
      expect(JSON.parse(events[0].value)).toMatchObject({
        payload: { leadId: lead.id, sha256: sha, type: 'LEAFLET' },
        correlationId: 'corr-evidence-1',
        causationId: null,
        traceparent,
      });
    });

    it("adds a linked lead's evidence to the open lead", async () => {
      const subject = { kind: 'ENTERPRISE', name: '证据关联测试投资有限公司', uscc: uscc('91440106MA5C00555') };
      const primary = await register(BANK_KEY, {
        sourceChannel: 'BANK_MONITOR',
        description: '首报',
        subjects: [subject],
      });
      const linked = await register(HOTLINE_KEY, {
        sourceChannel: 'PUBLIC_REPORT',
        description: '再报',
        subjects: [subject],
      });
      expect(linked.status).toBe('LINKED');
      const form = multipart([
        { name: 'file', value: Buffer.from('%PDF-1.4 合同'), filename: 'c.pdf', type: 'application/pdf' },
        { name: 'type', value: 'CONTRACT' },
      ]);
      const res = await h.app.inject({
        method: 'POST',
        url: `/v1/leads/${linked.id}/evidence`,
        headers: { 'x-api-key': HOTLINE_KEY, 'content-type': form.contentType },
        payload: form.payload,
      });
      expect(res.statusCode).toBe(201);
      const e = (
        await h.pg.query(`SELECT key, value FROM outbox WHERE topic = 'intake.evidence-added.v1' AND key = $1`, [
          primary.id,
        ])
      ).rows;
      expect(e).toHaveLength(1);
      expect(JSON.parse(e[0].value).payload).toMatchObject({ leadId: primary.id, filedOnLeadId: linked.id });
    });

    it("refuses wrong types, mismatched content, oversize files, other sources' leads; writes nothing", async () => {
      const lead = await register(BANK_KEY, { sourceChannel: 'BANK_MONITOR', description: '证据拒收测试' });
      const before = await counts(h.pg);
      const send = (parts: Parameters<typeof multipart>[0], key = BANK_KEY) => {
        const f = multipart(parts);
        return h.app.inject({
          method: 'POST',
          url: `/v1/leads/${lead.id}/evidence`,
          headers: { 'x-api-key': key, 'content-type': f.contentType },
          payload: f.payload,
        });
      };
      const exe = await send([
        { name: 'file', value: Buffer.from('MZ...'), filename: 'a.exe', type: 'application/x-msdownload' },
      ]);
      expect([exe.statusCode, exe.json().code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
      const lie = await send([
        { name: 'file', value: Buffer.from('not really a png'), filename: 'a.png', type: 'image/png' },
      ]);
      expect([lie.statusCode, lie.json().code]).toEqual([415, 'EVIDENCE_TYPE_MISMATCH']);
      const big = await send([
        { name: 'file', value: Buffer.alloc(10_000, 0x41), filename: 'a.txt', type: 'text/plain' },
      ]);
      expect(big.statusCode).toBe(413);
      const badType = await send([
        { name: 'type', value: 'SELFIE' },
        { name: 'file', value: PNG, filename: 'a.png', type: 'image/png' },
      ]);
      expect([badType.statusCode, badType.json().errors[0].path]).toEqual([400, 'type']);
      const noFile = await send([{ name: 'type', value: 'PHOTO' }]);
      expect([noFile.statusCode, noFile.json().errors[0].path]).toEqual([400, 'file']);
      const json = await h.app.inject({
        method: 'POST',
        url: `/v1/leads/${lead.id}/evidence`,
        headers: { 'x-api-key': BANK_KEY },
        payload: { a: 1 },
      });
      expect(json.statusCode).toBe(415);
      const foreign = await send([{ name: 'file', value: PNG, filename: 'a.png', type: 'image/png' }], HOTLINE_KEY);
      expect(foreign.statusCode).toBe(404);
      expect(await counts(h.pg)).toEqual(before);
    });
  });

  describe('status view', () => {
    it('follows assessment and escalation events from Kafka, and closes linked leads with the outcome', async () => {
      const subject = { kind: 'ENTERPRISE', name: '状态视图测试财富有限公司', uscc: uscc('91440106MA5C00999') };
      const lead = await register(BANK_KEY, {
        sourceChannel: 'BANK_MONITOR',
        description: '状态测试',
        subjects: [subject],
      });
      const linked = await register(HOTLINE_KEY, {
        sourceChannel: 'PUBLIC_REPORT',
        description: '状态测试（再报）',
        subjects: [subject],
      });

      const kafka = new Kafka({
        brokers: TEST_INFRA.kafkaBrokers,
        clientId: 'intake-status-test',
        logLevel: logLevel.NOTHING,
      });
      const producer = kafka.producer();
      await producer.connect();
      const publish = async <T extends Topic>(
        topic: T,
        producerName: 'assessment' | 'escalation',
        payload: PayloadOf<T>,
      ) => {
        const env = new Outbox({ schema: 'scratch', producer: producerName }).build({
          topic,
          payload,
          leadId: lead.id,
          actor: { type: 'user', userId: 'p-officer-1', role: 'OFFICER' },
        });
        await producer.send({
          topic: `${h.topicPrefix}${topic}`,
          messages: [{ key: lead.id, value: JSON.stringify(env), headers: envelopeHeaders(env) }],
        });
      };
      const view = async (key: string, id: string) =>
        (await h.app.inject({ method: 'GET', url: `/v1/leads/${id}`, headers: { 'x-api-key': key } })).json();
      try {
        await publish('assessment.lead-triaged.v1', 'assessment', {
          leadId: lead.id,
          assessmentId: 'as-1',
          status: 'TRIAGED',
          score: 30,
          band: 'orange',
          previousBand: null,
          checklist: { I: 'suspected', P: 'none', Ind: 'evidenced', S: 'none' },
          explanation: [],
          gridIds: [],
          streetCode: null,
        });
        await eventually(
          async () => ((await view(BANK_KEY, lead.id)).status === 'TRIAGED' ? true : undefined),
          45_000,
        ).catch(async (e: unknown) => {
          const diag = await h.pg.query(
            `SELECT (SELECT json_agg(i) FROM inbox i) AS inbox, (SELECT json_agg(json_build_object('topic', d.topic, 'error', d.error)) FROM dead_letter d) AS dlq`,
          );
          throw new Error(`${String(e)}; inbox/dead letters: ${JSON.stringify(diag.rows[0])}`);
        });
        expect(await view(BANK_KEY, lead.id)).toMatchObject({ status: 'TRIAGED', stage: 'assessment', outcome: null });

        await publish('escalation.lead-closed.v1', 'escalation', {
          leadId: lead.id,
          caseId: null,
          status: 'CLOSED',
          outcome: 'NOT_ILLEGAL',
          summary: '经核查为正常经营',
          reporterFeedback: '经核查，该公司经营正常，感谢您的报送。',
          linkedLeadIds: [linked.id],
        });
        const closed = await eventually(async () => {
          const v = await view(BANK_KEY, lead.id);
          return v.status === 'CLOSED' ? v : undefined;
        }, 30_000);
        expect(closed).toMatchObject({
          stage: 'closed',
          outcome: 'NOT_ILLEGAL',
          reporterFeedback: '经核查，该公司经营正常，感谢您的报送。',
        });
        expect(await view(HOTLINE_KEY, linked.id)).toMatchObject({ status: 'CLOSED', outcome: 'NOT_ILLEGAL' });
        // A closed lead no longer attracts links: the next report about the subject starts a new lead.
        const next = await register(BANK_KEY, {
          sourceChannel: 'BANK_MONITOR',
          description: '关闭后再报',
          subjects: [subject],
        });
        expect(next.status).toBe('REPORTED');
      } finally {
        await producer.disconnect();
      }
      const operator = await bearer(principal({ userId: 'op', roles: ['OPERATOR'] }));
      const verify = await h.app.inject({
        method: 'GET',
        url: '/v1/audit/verify',
        headers: { authorization: operator },
      });
      expect(verify.json()).toMatchObject({ ok: true });
    });
  });
});
