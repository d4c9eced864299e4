import { eventually } from '@outpost/testing';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { Harness, OPERATOR } from './support/notification.harness';
import { HttpReceiver } from './support/http-receiver';
import { SmtpSink } from './support/smtp-sink';

jest.setTimeout(240_000);

const SECRET = 'patrol-system-shared-secret-0002';
const FIXTURES = path.join(__dirname, 'fixtures');

/** Runs the real service in a child process with the harness's settings plus `extra`. */
function startChild(env: Record<string, string>, extra: Record<string, string>) {
  const child = spawn(
    process.execPath,
    ['-r', path.join(FIXTURES, 'swc-register.cjs'), path.join(FIXTURES, 'notification-process.main.ts')],
    {
      env: { ...process.env, ...env, ...extra },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ signal: NodeJS.Signals | null; code: number | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve();
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`child exited before ready (${signal ?? code}): ${stderr.slice(-2000)}`)),
    );
  });
  return { child, exited, ready };
}

/**
 * kill -9 between "the provider accepted" and "SENT recorded", the worst moment: the child process runs the real service
 * with the fault-injection hook; the restarted service finds the delivery SENDING and its BullMQ job stalled.
 */
describe('notification: a worker killed mid-send sends nothing twice, within what each channel allows (real stack)', () => {
  const smtp = new SmtpSink();
  const sms = new HttpReceiver();
  const receiver = new HttpReceiver();
  let setup: Harness;
  let ctl: Harness; // producer + SQL only
  let service: Harness | null = null; // the restarted in-process service

  beforeAll(async () => {
    await Promise.all([smtp.start(), sms.start(), receiver.start()]);
    receiver.secret = SECRET;
    setup = await Harness.start({ smtp, sms });
    await setup.addEndpoint('src-patrol', receiver.url('/outpost/callbacks'), SECRET);
    await setup.seedRosterAndWait();
    await setup.stop(); // from here on the service runs in a child process, then in-process again after the kill
    ctl = await Harness.start({ smtp, sms, reuse: setup.reuse(), noApp: true });
  });

  afterAll(async () => {
    await service?.stop();
    await ctl?.close();
    await Promise.all([smtp.stop(), sms.stop(), receiver.stop()]);
  });

  it('webhook: the receiver got it, the worker died; after restart it is resent with the same Idempotency-Key and processed once', async () => {
    const run = startChild(setup.env, { NOTIFICATION_CRASH_AFTER_SEND: 'WEBHOOK' });
    await run.ready;
    const leadId = `lead-${uuidv7()}`;
    const reg = await ctl.registered(leadId);
    expect((await run.exited).signal).toBe('SIGKILL');
    const first = receiver.requests.filter((r) => r.body.includes(reg.id));
    expect(first).toHaveLength(1);
    expect(first[0]!.processed).toBe(true);
    const [row] = await ctl.sql<{ id: string; status: string }>(`SELECT id, status FROM delivery WHERE event_id = $1`, [
      reg.id,
    ]);
    expect(row!.status).toBe('SENDING'); // the provider has it, Postgres does not know

    service = await Harness.start({ smtp, sms, reuse: setup.reuse() });
    await eventually(
      async () =>
        (await ctl.sql<{ status: string }>(`SELECT status FROM delivery WHERE id = $1`, [row!.id]))[0]!.status ===
        'SENT'
          ? true
          : undefined,
      60_000,
    );
    const all = receiver.requests.filter((r) => r.body.includes(reg.id));
    expect(all).toHaveLength(2); // at-least-once on the wire …
    expect(all.filter((r) => r.processed)).toHaveLength(1); // … exactly-once in effect: the receiver dropped the repeat
    expect(new Set(all.map((r) => r.headers['idempotency-key']))).toEqual(new Set([`${reg.id}.source:src-patrol`]));
    const history = await ctl.sql<{ status: string; detail: string | null }>(
      `SELECT status, detail FROM delivery_history WHERE delivery_id = $1 ORDER BY seq`,
      [row!.id],
    );
    expect(history.map((x) => x.status)).toEqual(['PENDING', 'SENDING', 'SENDING', 'SENT']);
    expect(history[2]!.detail).toContain('resumed after an interrupted attempt');
  });

  it('e-mail: accepted by SMTP, the worker died; after restart no second e-mail: UNCERTAIN for an operator', async () => {
    await service?.stop();
    service = null;
    const run = startChild(setup.env, { NOTIFICATION_CRASH_AFTER_SEND: 'EMAIL' });
    await run.ready;
    const leadId = `lead-${uuidv7()}`;
    await ctl.registered(leadId);
    const reference = `TH-20260316-${leadId.slice(-6)}`;
    const assigned = await ctl.assigned(leadId, { partnerId: 'p-volunteer-1', dueAt: null });
    expect((await run.exited).signal).toBe('SIGKILL');
    expect(smtp.to('p-sentinel-1@outpost.test').filter((m) => m.subject.includes(reference))).toHaveLength(1);

    service = await Harness.start({ smtp, sms, reuse: setup.reuse() });
    const email = await eventually(async () => {
      const [d] = await ctl.sql<{ id: string; status: string; last_error: string }>(
        `SELECT id, status, last_error FROM delivery WHERE event_id = $1 AND channel = 'EMAIL'`,
        [assigned.id],
      );
      return d && d.status === 'UNCERTAIN' ? d : undefined;
    }, 60_000);
    expect(email.last_error).toContain('not resent');
    // Inbox items of the same event went through exactly once (idempotent by delivery id), whatever the crash left.
    await eventually(
      async () =>
        (await ctl.sql(`SELECT 1 FROM inbox_item WHERE event_id = $1`, [assigned.id])).length === 2 ? true : undefined,
      30_000,
    );
    await new Promise((r) => setTimeout(r, 4000)); // past another lock period: still one e-mail
    expect(smtp.to('p-sentinel-1@outpost.test').filter((m) => m.subject.includes(reference))).toHaveLength(1);
    const told = await eventually(
      async () =>
        (
          await ctl.sql<{ value: string }>(
            `SELECT value FROM outbox WHERE topic = 'notification.delivery-failed.v1' AND value LIKE $1`,
            [`%${email.id}%`],
          )
        )[0],
      10_000,
    );
    expect(JSON.parse(told.value).payload).toMatchObject({
      deliveryId: email.id,
      channel: 'EMAIL',
      deadLettered: false,
    });

    // An operator who checked with the recipient may send it again: same Message-ID, so mailbox stores that dedupe can.
    const replay = await service.request('POST', `/v1/deliveries/${email.id}/replay`, OPERATOR);
    expect(replay.json()).toMatchObject({ previousStatus: 'UNCERTAIN', status: 'PENDING' });
    await eventually(
      () =>
        smtp.to('p-sentinel-1@outpost.test').filter((m) => m.subject.includes(reference)).length === 2
          ? true
          : undefined,
      30_000,
    );
    const ids = new Set(
      smtp
        .to('p-sentinel-1@outpost.test')
        .filter((m) => m.subject.includes(reference))
        .map((m) => m.messageId),
    );
    expect(ids).toEqual(new Set([`<${email.id}@outpost.tianhe.local>`]));
  });
});
