import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { listenOn } from './http-receiver';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  headers: Record<string, string>;
  subject: string;
  text: string;
  messageId: string;
}

/** RFC 2047 encoded words (=?UTF-8?B?…?= / =?UTF-8?Q?…?=), as nodemailer writes non-ASCII subjects. */
function decodeWords(v: string): string {
  return v
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_m, _cs: string, enc: string, data: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : Buffer.from(
            data
              .replace(/_/g, ' ')
              .replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))),
            'latin1',
          ).toString('utf8'),
    );
}

function decodeBody(body: string, encoding: string | undefined): string {
  switch ((encoding ?? '7bit').toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    case 'quoted-printable': {
      const bytes = body
        .replace(/=\r?\n/g, '')
        .replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16)));
      return Buffer.from(bytes, 'latin1').toString('utf8');
    }
    default:
      return body;
  }
}

/** Parses a single-part text message (what the e-mail channel sends). */
export function parseMail(raw: string): Pick<ReceivedMail, 'headers' | 'subject' | 'text' | 'messageId'> {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  const text = decodeBody(raw.slice(split + 4), headers['content-transfer-encoding'])
    .replace(/\r\n/g, '\n')
    .trim();
  return { headers, subject: decodeWords(headers.subject ?? ''), text, messageId: headers['message-id'] ?? '' };
}

/** A real SMTP server on loopback that keeps every message it accepted (the test's "mailbox"). */
export class SmtpSink {
  readonly messages: ReceivedMail[] = [];
  /** SMTP connections accepted so far (a pooled client reuses one for many messages). */
  connections = 0;
  /**
   * Connection errors seen, e.g. ECONNRESET when a client holding a pooled connection is killed: a real mail server
   * logs these and goes on; without a listener the server's 'error' event would end the whole test process.
   */
  readonly connectionErrors: Error[] = [];
  private server!: SMTPServer;
  port = 0;
  /** Called with every message as it is accepted. */
  onMessage?: (m: ReceivedMail) => void;

  /** `keep`: whether `messages` keeps what arrived (a long-running sink passes false and uses onMessage). */
  constructor(private readonly keep = true) {}

  /** Listens on loopback, on `port` (0: any free port). */
  async start(port = 0): Promise<void> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      // stop() ends connections a pooled client still holds open after this long (the default waits 30 s).
      closeTimeout: 1000,
      onConnect: (_session, callback) => {
        this.connections++;
        callback();
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const mail: ReceivedMail = {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw,
            ...parseMail(raw),
          };
          if (this.keep) this.messages.push(mail);
          this.onMessage?.(mail);
          callback();
        });
      },
    });
    this.server.on('error', (err: Error) => this.connectionErrors.push(err));
    await listenOn(this.server.server, port);
    this.port = (this.server.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  to(address: string): ReceivedMail[] {
    return this.messages.filter((m) => m.to.includes(address));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
