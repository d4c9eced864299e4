import { eventually } from '@outpost/testing';
import { EXTERNAL_SYSTEMS } from '@outpost/contracts';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dispatchJobId } from '../src/connectors/dispatch.service';
import { signature } from '../src/connectors/signing';
import { principal } from '@outpost/testing';
import { Harness, newLeadId, OFFICER, SUPERVISOR, T0 } from './escalation.harness';

const OPERATOR = principal({ userId: 'p-operator-1', name: '运维', roles: ['OPERATOR'] });

jest.setTimeout(120_000);

const OLD_KEY = { id: 'k-2025', secret: 'old-secret-0123456789abcdef', createdAt: '2025-06-01' };
const NEW_KEY = { id: 'k-2026', secret: 'new-secret-0123456789abcdef', createdAt: '2026-01-01' };
const KEYS = [NEW_KEY, OLD_KEY];

/** A stand-in for 穗岁安 / police / regulators: verifies signatures, dedupes by Idempotency-Key. */
class Receiver {
  server!: Server;
  port = 0;
  accepted = new Map<string, { reference: string; body: Record<string, unknown>; keyId: string }>();
  requests = 0;
  duplicates = 0;
  badSignatures = 0;
  dropNextResponse = false;

  async listen(port = 0): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async down(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests++;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const keyId = String(req.headers['x-outpost-key-id']);
    const key = KEYS.find((k) => k.id === keyId);
    const ts = String(req.headers['x-outpost-timestamp']);
    if (!key || signature(key.secret, ts, raw) !== req.headers['x-outpost-signature']) {
      this.badSignatures++;
      res.writeHead(401).end();
      return;
    }
    const idem = String(req.headers['idempotency-key']);
    let entry = this.accepted.get(idem);
    if (entry) this.duplicates++;
    else {
      entry = { reference: `EXT-${this.accepted.size + 1}`, body: JSON.parse(raw) as Record<string, unknown>, keyId };
      this.accepted.set(idem, entry);
    }
    if (this.dropNextResponse) {
      // Accepted, but the answer is lost on the way back: the sender must retry and must not duplicate.
      this.dropNextResponse = false;
      req.socket.destroy();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ reference: entry.reference }));
  }
}

describe('escalation: signed connector and callbacks (local HTTP receiver, real stack)', () => {
  const receiver = new Receiver();
  let h: Harness;
  // Warnings go to a file, so a test can read the lines a request wrote.
  const logFile = join(mkdtempSync(join(tmpdir(), 'escalation-logs-')), 'escalation.log');
  const logLines = () =>
    readFileSync(logFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  beforeAll(async () => {
    await receiver.listen();
    const url = `http://127.0.0.1:${receiver.port}/hook`;
    const systems = Object.fromEntries(
      EXTERNAL_SYSTEMS.map((s) => [s, { name: s === 'SUISUIAN' ? '穗岁安' : s, url, keys: KEYS }]),
    );
    h = await Harness.start({
      env: { EXTERNAL_SYSTEMS: JSON.stringify(systems), LOG_LEVEL: 'warn', LOG_FILE: logFile },
    });
    h.app.flushLogs(); // Nest buffers its Logger's lines until then (listen() does it in a running service)
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    await receiver.down().catch(() => undefined);
  });

  const sentReport = async (leadId: string) =>
    eventually(async () => {
      const v = await h.caseView(leadId);
      const r = v.reports.find((x) => x.system === 'SUISUIAN');
      return r && r.status === 'SENT' ? r : undefined;
    }, 40_000);

  it('reports upward to 穗岁安: signed with the newest key, idempotency key, stored reference, ack clock', async () => {
    const leadId = newLeadId();
    await h.decide(leadId, { decision: 'REFER_POLICE' });
    const report = await sentReport(leadId);
    const got = receiver.accepted.get(report.id)!;
    expect(got.keyId).toBe('k-2026');
    expect(got.body).toMatchObject({
      dispatchId: report.id,
      purpose: 'REPORT',
      leadId,
      category: 'IF-XS',
      path: 'REFER_POLICE',
    });
    expect(JSON.stringify(got.body)).not.toMatch(/phone|reporter/i);
    expect(report.externalRef).toBe(got.reference);
    expect(await h.published('escalation.reported-upstream.v1', leadId)).toEqual([
      expect.objectContaining({ reportId: report.id, system: 'SUISUIAN', externalRef: got.reference }),
    ]);
    const ack = (await h.caseView(leadId)).clocks.find((c) => c.kind === 'UPSTREAM_ACK');
    expect(ack).toMatchObject({ status: 'RUNNING', subjectRef: report.id });
  });

  it('reports a case upward by hand once; a second report while the first is not acknowledged only when asked for', async () => {
    const leadId = newLeadId();
    await h.decide(leadId, { decision: 'WARNING_INTERVIEW' }); // not reported automatically
    const first = await h.command(leadId, 'report-upstream', OFFICER, { note: '约谈对象拒不配合，报穗岁安备案' });
    expect(first.statusCode).toBe(200);
    const twice = await h.command(leadId, 'report-upstream', OFFICER, {});
    expect([twice.statusCode, twice.json().code, twice.json().errors[0].path]).toEqual([
      409,
      'REPORT_OUTSTANDING',
      'again',
    ]);
    const again = await h.command(leadId, 'report-upstream', OFFICER, { note: '补充约谈记录', again: true });
    expect(again.statusCode).toBe(200);
    const reports = (await h.caseView(leadId)).reports.filter((r) => r.system === 'SUISUIAN');
    expect(reports).toHaveLength(2);
    const trail = (await h.http('GET', `/v1/audit/leads/${leadId}`, OFFICER)).json() as {
      entries: Array<{ reason: string }>;
    };
    expect(trail.entries.map((e) => e.reason)).toEqual(
      expect.arrayContaining(['上报穗岁安', '补报穗岁安：补充约谈记录']),
    );
  });

  it('survives receiver downtime: retries with backoff, then exactly one accepted report (lost response included)', async () => {
    const port = receiver.port;
    await receiver.down();
    const leadId = newLeadId();
    await h.decide(leadId, { decision: 'FILE_ADMIN_CASE' });
    const dispatch = await eventually(async () => {
      const [d] = await h.sql<{ id: string; attempts: number; last_error: string | null }>(
        `SELECT id, attempts, last_error FROM external_dispatch WHERE lead_id = $1 AND system = 'SUISUIAN'`,
        [leadId],
      );
      return d && d.attempts >= 2 ? d : undefined;
    }, 30_000);
    // The record says why (the cause of fetch's "fetch failed"), and operators see it in the backlog; officers do not.
    expect(dispatch.last_error).toMatch(/fetch failed \(cause: .*ECONNREFUSED/);
    const backlog = await h.http('GET', '/v1/ops/dispatches', OPERATOR);
    expect(backlog.statusCode).toBe(200);
    const listed = (backlog.json() as { items: Array<Record<string, unknown>> }).items.find(
      (d) => d.id === dispatch.id,
    );
    expect(listed).toMatchObject({
      system: 'SUISUIAN',
      authorityLabel: '穗岁安',
      purpose: 'REPORT',
      leadId,
      caseNo: expect.stringMatching(/^CZ-/) as unknown,
      lastError: expect.stringContaining('ECONNREFUSED') as unknown,
    });
    expect(listed).not.toHaveProperty('body');
    expect((await h.http('GET', '/v1/ops/dispatches', OFFICER)).statusCode).toBe(403);
    receiver.dropNextResponse = true;
    await receiver.listen(port);
    await h.dispatches().reconcile(); // in case the retries ran out while it was down
    await sentReport(leadId);
    expect([...receiver.accepted.keys()].filter((k) => k === dispatch.id)).toHaveLength(1);
    expect(receiver.duplicates).toBeGreaterThanOrEqual(1);
    expect(await h.published('escalation.reported-upstream.v1', leadId)).toHaveLength(1);
    const after = (await h.http('GET', '/v1/ops/dispatches', OPERATOR)).json() as { items: Array<{ id: string }> };
    expect(after.items.map((d) => d.id)).not.toContain(dispatch.id);
  });

  it('an operator sends undelivered reports now instead of after their backoff: one, or all of a system (audited)', async () => {
    const port = receiver.port;
    await receiver.down();
    const [waiting, lost] = [newLeadId(), newLeadId()];
    await h.decide(waiting, { decision: 'FILE_ADMIN_CASE' });
    await h.decide(lost, { decision: 'FILE_ADMIN_CASE' });
    const dispatchOf = (leadId: string) =>
      eventually(async () => {
        const [d] = await h.sql<{ id: string; attempts: number }>(
          `SELECT id, attempts FROM external_dispatch WHERE lead_id = $1 AND system = 'SUISUIAN'`,
          [leadId],
        );
        return d && d.attempts >= 1 ? d : undefined;
      });
    const [a, b] = [await dispatchOf(waiting), await dispatchOf(lost)];
    const queue = h.dispatches().getQueue();
    // a waits out its backoff, made the hour of a late attempt, so only "retry now" can send it within this test;
    // b's job is gone (its retries ran out and the reconciler has not come round yet).
    await eventually(
      async () => {
        const job = await queue.getJob(dispatchJobId(a.id));
        if (!job || (await job.getState()) !== 'delayed') return undefined;
        await job.changeDelay(3_600_000);
        return true;
      },
      20_000,
      10,
    );
    await eventually(async () => {
      const job = await queue.getJob(dispatchJobId(b.id));
      if (job) await job.remove();
      return (await queue.getJob(dispatchJobId(b.id))) ? undefined : true;
    });
    await receiver.listen(port);

    expect((await h.http('POST', `/v1/ops/dispatches/${a.id}/retry`, OFFICER)).statusCode).toBe(403);
    const one = await h.http('POST', `/v1/ops/dispatches/${a.id}/retry`, OPERATOR);
    expect(one.statusCode).toBe(200);
    expect(one.json()).toEqual({ id: a.id, outcome: 'PROMOTED' });
    expect((await sentReport(waiting)).id).toBe(a.id);
    const twice = await h.http('POST', `/v1/ops/dispatches/${a.id}/retry`, OPERATOR);
    expect(twice.statusCode).toBe(409);
    expect(twice.json()).toMatchObject({ code: 'ALREADY_DELIVERED' });

    const bad = await h.http('POST', '/v1/ops/dispatches/retry', OPERATOR, { system: 'FTP' });
    expect(bad.statusCode).toBe(400);
    expect(JSON.stringify(bad.json())).toContain('system');
    const all = await h.http('POST', '/v1/ops/dispatches/retry', OPERATOR, { system: 'SUISUIAN' });
    expect(all.statusCode).toBe(200);
    expect((all.json() as { REQUEUED: number }).REQUEUED).toBeGreaterThanOrEqual(1);
    expect((await sentReport(lost)).id).toBe(b.id);
    expect([...receiver.accepted.keys()].filter((k) => k === a.id || k === b.id).sort()).toEqual([a.id, b.id].sort());

    const requested = await h.sql<{ lead_id: string; actor: { userId: string }; reason: string }>(
      `SELECT lead_id, actor, reason FROM audit_log WHERE lead_id = ANY($1) AND action = 'escalation.dispatch-retry-requested'`,
      [[waiting, lost]],
    );
    expect(requested.map((r) => [r.lead_id === waiting ? 'a' : 'b', r.actor.userId, r.reason]).sort()).toEqual([
      [
        'a',
        'p-operator-1',
        expect.stringMatching(/^要求立即重发：向穗岁安上报（已尝试 \d+ 次；等待中的重试立即执行）$/),
      ],
      [
        'b',
        'p-operator-1',
        expect.stringMatching(/^要求立即重发：向穗岁安上报（已尝试 \d+ 次；重试次数已用完，重新排队）$/),
      ],
    ]);
    expect((await h.http('POST', `/v1/ops/dispatches/${randomUUID()}/retry`, OPERATOR)).statusCode).toBe(404);
    expect((await h.http('POST', '/v1/ops/dispatches/not-a-uuid/retry', OPERATOR)).statusCode).toBe(400);
  });

  const signed = (
    body: object,
    o: { key?: typeof NEW_KEY; ts?: Date; tamper?: boolean } = {},
    extraHeaders: Record<string, string> = {},
  ) => {
    const raw = JSON.stringify(body);
    const ts = String(Math.floor((o.ts ?? h.clock.now()).getTime() / 1000));
    const key = o.key ?? NEW_KEY;
    return {
      payload: raw,
      headers: {
        'content-type': 'application/json',
        'x-outpost-key-id': key.id,
        'x-outpost-timestamp': ts,
        'x-outpost-signature': o.tamper ? signature(key.secret, ts, `${raw} `) : signature(key.secret, ts, raw),
        ...extraHeaders,
      },
    };
  };
  const callback = (system: string, req: { payload: string; headers: Record<string, string> }) =>
    h.app.inject({
      method: 'POST',
      url: `/v1/external/${system}/callbacks`,
      payload: req.payload,
      headers: req.headers,
    });

  it('inbound callbacks: good signature (an older key still verifies) acknowledges; replay, bad signature and stale timestamp have no effect', async () => {
    h.clock.set(T0);
    const leadId = newLeadId();
    await h.decide(leadId, { decision: 'TRANSFER_AUTHORITY', category: 'CX' });
    const report = await sentReport(leadId);
    const body = {
      eventId: `evt-${leadId}`,
      dispatchId: report.id,
      status: 'ACKNOWLEDGED',
      externalRef: 'SSA-2026-0001',
    };
    const receiptsBefore = (await h.sql(`SELECT 1 FROM callback_receipt`)).length;

    const bad = await callback('SUISUIAN', signed(body, { tamper: true }, { 'x-correlation-id': 'corr-bad-callback' }));
    expect([bad.statusCode, bad.json().code]).toEqual([401, 'INVALID_SIGNATURE']);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    // The rejection is logged on the request's logger: the line carries its correlation id.
    expect(logLines()).toContainEqual(
      expect.objectContaining({
        correlationId: 'corr-bad-callback',
        context: 'CallbacksController',
        msg: 'callback from SUISUIAN rejected: signature mismatch',
      }),
    );
    const stale = await callback('SUISUIAN', signed(body, { ts: new Date(h.clock.now().getTime() - 10 * 60_000) }));
    expect(stale.statusCode).toBe(401);
    const unknownKey = await callback(
      'SUISUIAN',
      signed(body, { key: { id: 'k-x', secret: 'nope-nope-nope-nope', createdAt: '2026-02-01' } }),
    );
    expect(unknownKey.statusCode).toBe(401);
    expect((await h.sql(`SELECT 1 FROM callback_receipt`)).length).toBe(receiptsBefore);
    expect(await h.published('escalation.upstream-acknowledged.v1', leadId)).toEqual([]);

    const good = await callback('SUISUIAN', signed(body, { key: OLD_KEY }));
    expect(good.statusCode).toBe(200);
    const replay = await callback('SUISUIAN', signed(body));
    expect([replay.statusCode, replay.json().code]).toEqual([409, 'REPLAYED']);
    expect(await h.published('escalation.upstream-acknowledged.v1', leadId)).toEqual([
      expect.objectContaining({
        reportId: report.id,
        system: 'SUISUIAN',
        externalRef: 'SSA-2026-0001',
        externalStatus: 'ACKNOWLEDGED',
      }),
    ]);
    const v = await h.caseView(leadId);
    expect(v.reports.find((r) => r.id === report.id)).toMatchObject({
      status: 'ACKNOWLEDGED',
      externalRef: 'SSA-2026-0001',
    });
    expect(v.clocks.find((c) => c.kind === 'UPSTREAM_ACK' && c.subjectRef === report.id)!.status).toBe('MET');
  });

  it('a police callback records the police decision on the referral', async () => {
    h.clock.set(T0);
    const leadId = newLeadId();
    await h.decide(leadId, { decision: 'REFER_POLICE' });
    const approved = await h.http(
      'POST',
      `/v1/leads/${leadId}/commands/approve-referral`,
      SUPERVISOR,
      {},
      {
        'x-correlation-id': `corr-approve-${leadId}`,
      },
    );
    expect(approved.statusCode).toBe(200);
    await h.command(leadId, 'send-referral', OFFICER, { materials: ['TRANSFER_LETTER', 'INVESTIGATION_REPORT'] });
    const referral = await eventually(
      async () => (await h.caseView(leadId)).reports.find((r) => r.system === 'POLICE' && r.status === 'SENT'),
      30_000,
    );
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const res = await callback(
      'POLICE',
      signed(
        {
          eventId: `pol-${leadId}`,
          dispatchId: referral.id,
          status: 'POLICE_FILED',
          externalRef: '穗公经立字〔2026〕12号',
        },
        {},
        { 'x-correlation-id': `corr-police-${leadId}`, traceparent },
      ),
    );
    expect(res.json()).toMatchObject({ accepted: true, state: 'POLICE_FILED' });
    // What a command and a verified callback write carries the request's correlation id (and trace context).
    const stamped = async (correlationId: string) =>
      (
        await h.sql<{ topic: string; e: { correlationId: string; causationId: string | null; traceparent?: string } }>(
          `SELECT topic, value::jsonb AS e FROM outbox WHERE key = $1 AND value::jsonb->>'correlationId' = $2 ORDER BY seq`,
          [leadId, correlationId],
        )
      ).map((r) => [r.topic, r.e.causationId, r.e.traceparent ?? null]);
    expect(await stamped(`corr-approve-${leadId}`)).toEqual([
      ['escalation.action-recorded.v1', null, null],
      ['escalation.case-state-changed.v1', null, null],
    ]);
    // Two steps (the acknowledgement, then the decision it records), each with the case's state after it.
    expect(await stamped(`corr-police-${leadId}`)).toEqual([
      ['escalation.upstream-acknowledged.v1', null, traceparent],
      ['escalation.case-state-changed.v1', null, traceparent],
      ['escalation.action-recorded.v1', null, traceparent],
      ['escalation.case-state-changed.v1', null, traceparent],
    ]);
    const v = await h.caseView(leadId);
    expect(v.state).toBe('POLICE_FILED');
    expect(v.clocks.find((c) => c.kind === 'MATERIALS_HANDOVER')!.status).toBe('RUNNING');
    const trail = (await h.http('GET', `/v1/audit/leads/${leadId}`, OFFICER)).json() as {
      entries: Array<{ action: string; actor: { type: string } }>;
    };
    expect(trail.entries.find((e) => e.action === 'escalation.record-police-decision')!.actor.type).toBe('source');
  });
});
