import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { v7 as uuidv7 } from 'uuid';
import type { PayloadOf } from '@outpost/contracts';
import { envelopeHeaders, Outbox, type EventEnvelope } from '@outpost/messaging';
import { eventually, handledByConsumer, HttpReceiver, SmtpSink, TEST_INFRA, uniqueSuffix } from '@outpost/testing';
import { ReporterFeedbackQueue } from '../src/reporter-feedback/reporter-feedback.queue';
import { collect, HOTLINE_KEY, startIntake, type IntakeHarness } from './intake-fixture';

jest.setTimeout(180_000);

const TOPIC = 'notification.reporter-feedback-requested.v1' as const;
type Request = EventEnvelope<typeof TOPIC>;

/** Fictitious contact details; none of them may appear in events, logs or the feedback table. */
const PHONE = '138 0013 8000';
const PHONE_DIGITS = '13800138000';
const PHONE_503 = '139-0013-9000';
const PHONE_503_DIGITS = '13900139000';
const EMAIL = 'wang.reporter@example.cn';
const CONTACTS = [
  PHONE,
  PHONE_DIGITS,
  PHONE_503,
  PHONE_503_DIGITS,
  EMAIL,
  '13700138000',
  '9123 4567',
  '85291234567',
  'zhao_jubao_88',
  '王举报',
  '李举报',
  '赵举报',
];

interface FeedbackRow {
  id: string;
  lead_id: string;
  source_event_id: string;
  channel: string;
  status: string;
  message: string;
  attempts: number;
  last_error: string | null;
  provider_id: string | null;
  sent_at: Date | null;
}

describe('intake: outcome feedback to a public reporter (notification.reporter-feedback-requested.v1)', () => {
  let h: IntakeHarness;
  let producer: Producer;
  const sms = new HttpReceiver();
  const smtp = new SmtpSink();
  const logFile = join(mkdtempSync(join(tmpdir(), 'intake-feedback-logs-')), 'intake.log');

  beforeAll(async () => {
    await sms.start();
    await smtp.start();
    h = await startIntake('feedback', {
      SMS_GATEWAY_URL: sms.url('/sms/send'),
      SMS_GATEWAY_TOKEN: 'test-sms-token',
      SMTP_URL: smtp.url,
      INTAKE_QUEUE_PREFIX: `test-intake-${uniqueSuffix()}`,
      REPORTER_FEEDBACK_ATTEMPTS: '12',
      REPORTER_FEEDBACK_BACKOFF_MS: '150',
      REPORTER_FEEDBACK_TIMEOUT_MS: '5000',
      REPORTER_FEEDBACK_RECONCILE_MS: '0',
      LOG_LEVEL: 'debug',
      LOG_FILE: logFile,
    });
    // Nest buffers its Logger until listen(); the in-process app never listens, so flush to see intake's own lines.
    h.app.flushLogs();
    const kafka = new Kafka({
      brokers: TEST_INFRA.kafkaBrokers,
      clientId: `intake-feedback-test-${uniqueSuffix()}`,
      logLevel: logLevel.NOTHING,
    });
    producer = kafka.producer();
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await h?.close();
    await sms.stop();
    await smtp.stop();
  });

  const register = async (reporter: Record<string, unknown>) => {
    const r = await h.app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: { 'x-api-key': HOTLINE_KEY },
      payload: {
        sourceChannel: 'PUBLIC_REPORT',
        description: `市民来电反映某理财公司承诺高息 ${uniqueSuffix()}`,
        reporter,
      },
    });
    expect(r.statusCode).toBe(201);
    return r.json() as { id: string; reference: string };
  };

  const request = (lead: { id: string; reference: string }, feedback: string, sourceEventId = uuidv7()): Request =>
    new Outbox({ schema: 'scratch', producer: 'notification' }).build({
      topic: TOPIC,
      leadId: lead.id,
      actor: { type: 'system', name: 'notification' },
      payload: {
        leadId: lead.id,
        reference: lead.reference,
        sourceEventId,
        outcome: 'REFERRED_POLICE',
        feedback,
      } satisfies PayloadOf<typeof TOPIC>,
    }) as Request;

  const publish = async (env: Request) => {
    await producer.send({
      topic: `${h.topicPrefix}${TOPIC}`,
      messages: [{ key: env.leadId ?? null, value: JSON.stringify(env), headers: envelopeHeaders(env) }],
    });
  };

  /** Waits until intake's consumer has handled the event (the handler's transaction committed). */
  const handled = (eventId: string, timeoutMs = 60_000) =>
    handledByConsumer(async (text, params) => (await h.pg.query(text, params)).rows, [eventId], timeoutMs);

  const rows = async (leadId: string) =>
    (await h.pg.query<FeedbackRow>(`SELECT * FROM reporter_feedback WHERE lead_id = $1 ORDER BY created_at`, [leadId]))
      .rows;

  const smsTo = (digits: string) => sms.processed().filter((r) => (JSON.parse(r.body) as { to: string }).to === digits);

  const view = async (id: string) =>
    (await h.app.inject({ method: 'GET', url: `/v1/leads/${id}`, headers: { 'x-api-key': HOTLINE_KEY } })).json() as {
      reporterNotifiedAt: string | null;
    };

  const auditActions = async (leadId: string) =>
    (
      await h.pg.query<{ action: string }>(`SELECT action FROM audit_log WHERE lead_id = $1 ORDER BY at, seq`, [leadId])
    ).rows.map((r) => r.action);

  it('a reporter who left a mobile number gets exactly one SMS with the reference and the feedback, even when the event is redelivered', async () => {
    const lead = await register({ anonymous: false, name: '王举报', phone: PHONE });
    const feedback = '经核查，该公司涉嫌非法集资，已移送公安机关依法处理，感谢您的举报。';
    const env = request(lead, feedback);
    await publish(env);
    await handled(env.id, 90_000);
    const [row] = await eventually(async () => {
      const r = await rows(lead.id);
      return r[0]?.status === 'SENT' ? r : undefined;
    }, 30_000);

    const got = smsTo(PHONE_DIGITS);
    expect(got).toHaveLength(1);
    const body = JSON.parse(got[0]!.body) as { to: string; text: string; idempotencyKey: string };
    expect(body.text).toBe(`【天河防非】您反映的线索（编号 ${lead.reference}）已办结：${feedback}`);
    expect(body.idempotencyKey).toBe(row!.id);
    expect(got[0]!.headers['idempotency-key']).toBe(row!.id);
    expect(got[0]!.headers.authorization).toBe('Bearer test-sms-token');
    expect(row).toMatchObject({
      channel: 'SMS',
      status: 'SENT',
      attempts: 1,
      source_event_id: env.payload.sourceEventId,
    });
    expect(row!.provider_id).toMatch(/^msg-/);
    expect((await view(lead.id)).reporterNotifiedAt).toBe(row!.sent_at!.toISOString());
    expect(await auditActions(lead.id)).toEqual([
      'lead.registered',
      'reporter-feedback.queued',
      'reporter-feedback.sent',
    ]);

    // The same event again (Kafka redelivery), and a new request event about the same outcome: still one SMS.
    await publish(env);
    const again = request(lead, feedback, env.payload.sourceEventId);
    await publish(again);
    await handled(again.id);
    // A reconciler pass re-enqueues nothing for a SENT row.
    await h.app.get(ReporterFeedbackQueue).reconcile();
    await new Promise((r) => setTimeout(r, 1500));
    expect(smsTo(PHONE_DIGITS)).toHaveLength(1);
    expect(sms.requests.filter((r) => r.body.includes(PHONE_DIGITS))).toHaveLength(1);
    expect(await rows(lead.id)).toHaveLength(1);
  });

  it('a reporter who left an e-mail address gets one e-mail', async () => {
    const lead = await register({ anonymous: false, name: '李举报', contact: EMAIL });
    const feedback = '经核查，该活动系正常商业推广，未发现违法行为。感谢您的关注。';
    const env = request(lead, feedback);
    await publish(env);
    await handled(env.id, 90_000);
    const [mail] = await eventually(() => (smtp.to(EMAIL).length ? smtp.to(EMAIL) : undefined), 30_000);
    const [row] = await eventually(async () => {
      const r = await rows(lead.id);
      return r[0]?.status === 'SENT' ? r : undefined;
    }, 10_000);
    expect(mail!.subject).toBe(`【天河防非】您反映的线索（编号 ${lead.reference}）已办结`);
    expect(mail!.text).toContain(`【天河防非】您反映的线索（编号 ${lead.reference}）已办结：${feedback}`);
    expect(mail!.messageId).toContain(row!.id);
    expect(row).toMatchObject({ channel: 'EMAIL', status: 'SENT', attempts: 1 });

    await publish(env);
    await new Promise((r) => setTimeout(r, 1500));
    expect(smtp.to(EMAIL)).toHaveLength(1);
    expect(await rows(lead.id)).toHaveLength(1);
  });

  it('an SMS gateway that is down for a while: delivered after it recovers, once', async () => {
    const lead = await register({ anonymous: false, phone: PHONE_503 });
    sms.status = 503;
    try {
      const env = request(lead, '您反映的情况已由属地街道核查处置。');
      await publish(env);
      await handled(env.id, 90_000);
      const failing = await eventually(async () => {
        const [r] = await rows(lead.id);
        return r && r.attempts >= 3 ? r : undefined;
      }, 30_000);
      expect(failing.status).toBe('PENDING');
      expect(failing.last_error).toContain('HTTP 503');
      expect(smsTo(PHONE_503_DIGITS)).toHaveLength(0);
    } finally {
      sms.status = 200;
    }
    const [row] = await eventually(async () => {
      const r = await rows(lead.id);
      return r[0]?.status === 'SENT' ? r : undefined;
    }, 60_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(smsTo(PHONE_503_DIGITS)).toHaveLength(1);
    expect(row!.attempts).toBeGreaterThanOrEqual(4);
    expect(row!.last_error).toBeNull();
    // Every attempt carried the same idempotency key (the row id).
    const tries = sms.requests.filter((r) => (JSON.parse(r.body) as { to: string }).to === PHONE_503_DIGITS);
    expect(new Set(tries.map((r) => r.headers['idempotency-key']))).toEqual(new Set([row!.id]));
  });

  it('a request the gateway refuses (4xx) goes DEAD at once with the reason', async () => {
    const lead = await register({ anonymous: false, phone: '+852 9123 4567' });
    sms.status = 400;
    try {
      const env = request(lead, '已办结。');
      await publish(env);
      await handled(env.id, 90_000);
      const [row] = await eventually(async () => {
        const r = await rows(lead.id);
        return r[0]?.status === 'DEAD' ? r : undefined;
      }, 30_000);
      expect(row!.attempts).toBe(1);
      expect(row!.last_error).toContain('permanent failure');
      expect(row!.last_error).toContain('HTTP 400');
      expect(row!.last_error).not.toContain('91234567');
      expect(await auditActions(lead.id)).toContain('reporter-feedback.dead');
    } finally {
      sms.status = 200;
    }
  });

  it('a PENDING row whose job was never enqueued (crash between commit and enqueue) is sent by the reconciler', async () => {
    const lead = await register({ anonymous: false, phone: PHONE_DIGITS.replace('138', '137') });
    const id = uuidv7();
    await h.pg.query(
      `INSERT INTO reporter_feedback (id, lead_id, source_event_id, channel, message) VALUES ($1, $2, $3, 'SMS', $4)`,
      [id, lead.id, uuidv7(), `【天河防非】您反映的线索（编号 ${lead.reference}）已办结：补发测试`],
    );
    const queue = h.app.get(ReporterFeedbackQueue);
    expect(await queue.jobState(id)).toBeNull();
    await queue.reconcile();
    await queue.reconcile(); // twice: still one job
    await eventually(async () => ((await rows(lead.id))[0]?.status === 'SENT' ? true : undefined), 30_000);
    expect(smsTo('13700138000')).toHaveLength(1);
    expect(sms.requests.filter((r) => r.headers['idempotency-key'] === id)).toHaveLength(1);
  });

  it('an anonymous reporter, or one without a usable phone or e-mail, is sent nothing; intake records why', async () => {
    const anonymous = await register({ anonymous: true });
    const unreachable = await register({ anonymous: false, name: '赵举报', contact: '微信 zhao_jubao_88' });
    const before = sms.requests.length + smtp.messages.length;
    for (const lead of [anonymous, unreachable]) {
      const env = request(lead, '已办结，感谢。');
      await publish(env);
      await handled(env.id, 90_000);
    }
    await new Promise((r) => setTimeout(r, 1000));
    expect(sms.requests.length + smtp.messages.length).toBe(before);
    expect(await rows(anonymous.id)).toHaveLength(0);
    expect(await rows(unreachable.id)).toHaveLength(0);
    expect(await auditActions(anonymous.id)).toEqual(['lead.registered', 'reporter-feedback.not-sent']);
    expect(await auditActions(unreachable.id)).toEqual(['lead.registered', 'reporter-feedback.not-sent']);
    expect((await view(anonymous.id)).reporterNotifiedAt).toBeNull();
  });

  it('no contact detail in intake events, the feedback table, the audit chain or the logs', async () => {
    // Everything intake published (its outbox) and everything on the topics this flow touches.
    const collectors = await Promise.all(
      ['intake.lead-registered.v1', TOPIC].map((t) => collect(`${h.topicPrefix}${t}`)),
    );
    try {
      // Seven leads were registered above, and every one of them had a feedback request.
      await eventually(() => (collectors.every((c) => c.messages.length >= 7) ? true : undefined), 60_000);
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      await Promise.all(collectors.map((c) => c.stop()));
    }
    const seen = collectors.flatMap((c) => c.messages.map((m) => m.value));

    const outbox = await h.pg.query<{ payload: string }>(`SELECT row_to_json(o)::text AS payload FROM outbox o`);
    const feedback = await h.pg.query<{ row: string }>(`SELECT row_to_json(f)::text AS row FROM reporter_feedback f`);
    const audit = await h.pg.query<{ row: string }>(`SELECT row_to_json(a)::text AS row FROM audit_log a`);
    const logs = readFileSync(logFile, 'utf8');
    expect(logs).toContain('reporter feedback');
    expect(logs).toContain('sent by SMS');
    const haystacks = {
      kafka: seen.join('\n'),
      outbox: outbox.rows.map((r) => r.payload).join('\n'),
      reporterFeedback: feedback.rows.map((r) => r.row).join('\n'),
      audit: audit.rows.map((r) => r.row).join('\n'),
      logs,
    };
    for (const [where, text] of Object.entries(haystacks)) {
      for (const secret of CONTACTS) {
        if (text.includes(secret))
          throw new Error(`${where} contains a reporter contact detail (${secret.length} chars)`);
      }
    }
  });
});
