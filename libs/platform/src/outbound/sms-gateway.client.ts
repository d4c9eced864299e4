import { httpFailure } from './outbound-error';

export interface SmsGatewayOptions {
  /** The gateway's send endpoint, e.g. http://127.0.0.1:3920/sms/send. */
  url: string;
  /** Sent as `Authorization: Bearer <token>` when set. */
  token?: string;
  timeoutMs: number;
}

/**
 * An HTTP SMS gateway: JSON POST { to, text, idempotencyKey } (+ Idempotency-Key header), answer { messageId }.
 * Callers pass a key that stays the same across retries of one message, so a gateway that honours it sends one SMS
 * however often we retry. Adapting to a specific provider (Aliyun, Tencent Cloud SMS templates) means changing only
 * this class. Errors: PermanentSendError for 4xx other than 408/425/429, a plain Error for anything worth retrying.
 * Never logs: the number and the text are the caller's to keep out of logs.
 */
export class SmsGatewayClient {
  constructor(private readonly options: SmsGatewayOptions) {}

  /** Sends one SMS; resolves with the gateway's message id (null when a 2xx carried none). */
  async send(to: string, text: string, idempotencyKey: string): Promise<string | null> {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'idempotency-key': idempotencyKey };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    const res = await fetch(this.options.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ to, text, idempotencyKey }),
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    const body = await res.text();
    if (!res.ok) throw httpFailure('SMS gateway', res.status, body);
    try {
      const parsed = JSON.parse(body) as { messageId?: unknown };
      return typeof parsed.messageId === 'string' ? parsed.messageId : null;
    } catch {
      return null; // a 2xx without JSON still means accepted
    }
  }
}
