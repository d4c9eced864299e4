/**
 * What `npm start` runs in place of the outside world's receivers, so that development deliveries succeed and can be
 * read instead of failing eight times into the operator's inbox:
 *
 *   SMTP server         127.0.0.1:2525  (SMTP_URL's default: notification's e-mails, intake's reporter feedback)
 *   SMS gateway         127.0.0.1:3920  (SMS_GATEWAY_URL's default, POST /sms/send; answers a message id)
 *   source callbacks    127.0.0.1:3990  (the demo sources' callback URLs: intake's signed status callbacks)
 *
 * Each accepted message is one line on stdout (`npm start` writes it to .outpost/logs/sinks.log). Addresses and phone
 * numbers are masked there: a development log is still a log. Docker Compose users have Mailpit instead.
 * Ports: SINK_SMTP_PORT, SINK_SMS_PORT, SINK_CALLBACK_PORT.
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

function callbackLine(r: ReceivedRequest): string {
  let what = '';
  try {
    const b = JSON.parse(r.body) as { type?: string; payload?: { reference?: string; status?: string } };
    what = [b.type, b.payload?.reference, b.payload?.status].filter(Boolean).join(' ');
  } catch {
    what = `${r.body.length} bytes`;
  }
  const signed = r.headers['x-outpost-signature'] ? 'signed' : 'unsigned';
  return `[callback] POST ${r.path} (${signed}): ${oneLine(what)}`;
}

export interface LocalSinks {
  stop(): Promise<void>;
}

export async function startLocalSinks(
  ports: { smtp: number; sms: number; callbacks: number },
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
  await mail.start(ports.smtp);
  await sms.start(ports.sms);
  await callbacks.start(ports.callbacks);
  print(
    `[sinks] SMTP on 127.0.0.1:${mail.port}, SMS gateway on 127.0.0.1:${sms.port}, source callbacks on 127.0.0.1:${callbacks.port}`,
  );
  return {
    async stop() {
      await Promise.all([mail.stop(), sms.stop(), callbacks.stop()]);
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
