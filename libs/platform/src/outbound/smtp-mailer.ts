import nodemailer, { type Transporter } from 'nodemailer';
import { PermanentSendError } from './outbound-error';

export interface SmtpMailerOptions {
  /** e.g. smtp://127.0.0.1:2525 or smtps://user:pass@mail.example:465 */
  url: string;
  /** From header, e.g. `前哨平台 <noreply@outpost.tianhe.local>`. */
  from: string;
  timeoutMs: number;
  /** Domain part of the Message-IDs this mailer writes. */
  messageIdDomain?: string;
}

export interface MailRecipient {
  name?: string;
  address: string;
}

/** Domain part of our Message-IDs unless the options say otherwise. */
export const DEFAULT_MESSAGE_ID_DOMAIN = 'outpost.tianhe.local';

/**
 * The connection URL with pooling and the timeouts set in its query, which is where nodemailer reads transport options
 * when given a URL (its second argument holds message defaults: timeouts put there had no effect, and a server that
 * never greeted held a send for nodemailer's own 30 s). Pooled: up to 5 connections, each reused for up to 100
 * messages, instead of a connection and a whole SMTP greeting per message. Values in the given URL's query stay unless
 * these override them.
 */
export function transportUrl(url: string, timeoutMs: number): string {
  const u = new URL(url);
  u.searchParams.set('pool', 'true');
  for (const k of ['connectionTimeout', 'greetingTimeout', 'socketTimeout']) u.searchParams.set(k, String(timeoutMs));
  return u.toString();
}

/**
 * E-mail over SMTP (nodemailer, one pooled transport per mailer: see transportUrl). SMTP has no idempotency key: the
 * caller's stable id becomes the Message-ID (`<id@domain>`), so a repeat is at least recognisable (mailbox stores such
 * as Exchange and Gmail drop a repeated Message-ID), but plain SMTP servers accept it twice. 5xx replies are
 * PermanentSendError; 4xx replies and connection errors are worth retrying. Never logs.
 */
export class SmtpMailer {
  private transport: Transporter | null = null;

  constructor(private readonly options: SmtpMailerOptions) {}

  /** Sends one plain-text mail; resolves with the Message-ID the server accepted. */
  async send(
    to: string | MailRecipient,
    subject: string,
    text: string,
    messageId: string,
    headers: Record<string, string> = {},
  ): Promise<string> {
    this.transport ??= nodemailer.createTransport(transportUrl(this.options.url, this.options.timeoutMs));
    const id = `<${messageId}@${this.options.messageIdDomain ?? DEFAULT_MESSAGE_ID_DOMAIN}>`;
    try {
      const info = await this.transport.sendMail({
        from: this.options.from,
        to: typeof to === 'string' ? to : { name: to.name ?? '', address: to.address },
        subject,
        text,
        messageId: id,
        headers,
      });
      return String(info.messageId ?? id);
    } catch (err) {
      const code = (err as { responseCode?: number }).responseCode;
      if (code && code >= 500) throw new PermanentSendError(`SMTP ${code}: ${(err as Error).message}`);
      throw err;
    }
  }

  close(): void {
    this.transport?.close();
    this.transport = null;
  }
}
