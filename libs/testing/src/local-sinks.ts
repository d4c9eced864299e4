/**
 * What `npm start` runs in place of the outside world's receivers, so that development deliveries succeed and can be
 * read instead of failing eight times into the operator's inbox:
 *
 *   SMTP server         127.0.0.1:2525  (SMTP_URL's default: notification's e-mails, intake's reporter feedback)
 *   SMS gateway         127.0.0.1:3920  (SMS_GATEWAY_URL's default, POST /sms/send; answers a message id)
 *   source callbacks    127.0.0.1:3990  (the demo sources' callback URLs: intake's signed status callbacks)
 *   external systems    127.0.0.1:3910–3914 (escalation's EXTERNAL_SYSTEMS defaults: 穗岁安, 公安经侦, 市场监管,
 *                       金融管理部门, 属地牵头部门; reports, referrals and hand-overs, answered with a reference)
 *
 * Each accepted message is one line on stdout (`npm start` writes it to .outpost/logs/sinks.log). Addresses and phone
 * numbers are masked there: a development log is still a log. Docker Compose users have Mailpit instead.
 * Ports: SINK_SMTP_PORT, SINK_SMS_PORT, SINK_CALLBACK_PORT, SINK_EXTERNAL_PORT (the first of the five).
 */
import { HttpReceiver, type ReceivedRequest } from './http-receiver';
import { SmtpSink } from './smtp-sink';

/** 13812345678 → 138****5678; li.si@example.com → li****@example.com. */
export function maskContact(v: string): string {
  const at = v.indexOf('@');
  if (at > 0) return `${v.slice(0, Math.min(2, at))}****${v.slice(at)}`;
  const digits = v.replace(/\D/g, '');
  return digits.length >= 7 ? `${digits.slice(0, 3)}****${digits.slice(-4)}` : '****';
}

const oneLine = (s: string, max = 200) => s.replace(/\s+/g, ' ').trim().slice(0, max);

function smsLine(r: ReceivedRequest): string {
  try {
    const { to, text } = JSON.parse(r.body) as { to?: string; text?: string };
    return `[sms] to ${maskContact(String(to ?? ''))}: ${oneLine(String(text ?? ''))}`;
  } catch {
    return `[sms] unreadable request (${r.body.length} bytes)`;
  }
}

/** `[tag] POST /path (signed): what`, `what` picked from the JSON body (its size when it is not JSON). */
function signedPostLine(tag: string, r: ReceivedRequest, pick: (body: Record<string, unknown>) => unknown[]): string {
  let what = '';
  try {
    what = pick(JSON.parse(r.body) as Record<string, unknown>)
      .filter(Boolean)
      .join(' ');
  } catch {
    what = `${r.body.length} bytes`;
  }
  const signed = r.headers['x-outpost-signature'] ? 'signed' : 'unsigned';
  return `[${tag}] POST ${r.path} (${signed}): ${oneLine(what)}`;
}

const callbackLine = (r: ReceivedRequest) =>
  signedPostLine('callback', r, (b) => {
    const payload = (b.payload ?? {}) as { reference?: string; status?: string };
    return [b.type, payload.reference, payload.status];
  });

const externalLine = (name: string, r: ReceivedRequest) =>
  signedPostLine(`external ${name}`, r, (b) => [b.purpose, b.caseNo, b.to ? `→ ${String(b.to)}` : '']);

/** Escalation's external systems in the order of their default ports (3910 + index). */
export const EXTERNAL_SYSTEM_SINKS = [
  { code: 'SSA', name: '穗岁安' },
  { code: 'POLICE', name: '公安经侦' },
  { code: 'SAMR', name: '市场监管' },
  { code: 'FIN', name: '金融管理部门' },
  { code: 'LEAD', name: '属地处置非法集资牵头部门' },
] as const;

/**
 * An external system accepting escalation's signed reports and hand-overs: answers `{ reference }` as the real ones
 * do, the same reference for every retry of one dispatch (derived from its Idempotency-Key, nothing kept).
 */
class ExternalSystemSink extends HttpReceiver {
  constructor(private readonly code: string) {
    super(false);
  }

  protected override answer(r: ReceivedRequest): unknown {
    const key = String(r.headers['idempotency-key'] ?? '');
    return { reference: `${this.code}-${key.replace(/-/g, '').slice(-12).toUpperCase()}` };
  }
}

export interface LocalSinks {
  stop(): Promise<void>;
}

export async function startLocalSinks(
  ports: { smtp: number; sms: number; callbacks: number; external: number[] },
  print: (line: string) => void,
): Promise<LocalSinks> {
  // They run as long as `npm start` does: nothing is kept in memory, every message is printed.
  const mail = new SmtpSink(false);
  const sms = new HttpReceiver(false);
  const callbacks = new HttpReceiver(false);
  mail.onMessage = (m) =>
    print(`[mail] to ${m.to.map(maskContact).join(', ')}: ${oneLine(m.subject)} | ${oneLine(m.text, 160)}`);
  sms.onRequest = (r) => print(smsLine(r));
  callbacks.onRequest = (r) => print(callbackLine(r));
  const external = EXTERNAL_SYSTEM_SINKS.slice(0, ports.external.length).map((system) => {
    const sink = new ExternalSystemSink(system.code);
    sink.onRequest = (r) => print(externalLine(system.name, r));
    return sink;
  });
  type Sink = { start(port: number): Promise<void>; stop(): Promise<void> };
  const plan: Array<[Sink, number]> = [
    [mail, ports.smtp],
    [sms, ports.sms],
    [callbacks, ports.callbacks],
    ...external.map((sink, i): [Sink, number] => [sink, ports.external[i]!]),
  ];
  const started: Sink[] = [];
  try {
    for (const [sink, port] of plan) {
      await sink.start(port);
      started.push(sink);
    }
  } catch (err) {
    await Promise.all(started.map((sink) => sink.stop()));
    throw err;
  }
  print(
    `[sinks] SMTP on 127.0.0.1:${mail.port}, SMS gateway on 127.0.0.1:${sms.port}, source callbacks on 127.0.0.1:${callbacks.port}, ` +
      `external systems on ${external.map((e) => e.port).join(', ')}`,
  );
  return {
    async stop() {
      await Promise.all(started.map((sink) => sink.stop()));
    },
  };
}

if (require.main === module) {
  const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
  startLocalSinks(
    {
      smtp: port('SINK_SMTP_PORT', 2525),
      sms: port('SINK_SMS_PORT', 3920),
      callbacks: port('SINK_CALLBACK_PORT', 3990),
      external: EXTERNAL_SYSTEM_SINKS.map((_, i) => port('SINK_EXTERNAL_PORT', 3910) + i),
    },
    (line) => console.log(`${new Date().toISOString()} ${line}`),
  ).then(
    (sinks) => {
      const stop = () => void sinks.stop().then(() => process.exit(0));
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    },
    (err: Error) => {
      console.error(`[sinks] could not start: ${err.message}`);
      process.exit(1);
    },
  );
}
