import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface PostResult {
  status: number;
  headers: IncomingHttpHeaders;
  /** The start of the answer (for error messages; the rest is read and dropped so the connection can be reused). */
  text: string;
}

const KEEP_TEXT = 2000;

/**
 * POSTs over keep-alive connections (one pool per protocol, at most `maxSockets` connections per host): a webhook to
 * an endpoint that was just called reuses its connection instead of a new TCP (and TLS) handshake per delivery, and a
 * plain node:http request costs a fraction of the CPU of `fetch` per POST. Redirects are not followed (a signed POST
 * sent on to another URL is not what the endpoint registered): a 3xx is an answer like any other. `timeoutMs` bounds
 * the whole exchange, answer included. A connection the receiver closed while idle fails the attempt; the delivery is
 * retried with the same Idempotency-Key.
 */
export class WebhookHttpClient {
  private readonly http: HttpAgent;
  private readonly https: HttpsAgent;

  constructor(maxSockets: number) {
    this.http = new HttpAgent({ keepAlive: true, maxSockets });
    this.https = new HttpsAgent({ keepAlive: true, maxSockets });
  }

  post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<PostResult> {
    const target = new URL(url);
    const tls = target.protocol === 'https:';
    if (!tls && target.protocol !== 'http:')
      return Promise.reject(new Error(`unsupported webhook URL scheme ${target.protocol}`));
    const payload = Buffer.from(body, 'utf8');
    return new Promise<PostResult>((resolve, reject) => {
      const req = (tls ? httpsRequest : httpRequest)(
        target,
        {
          method: 'POST',
          agent: tls ? this.https : this.http,
          headers: { ...headers, 'content-length': String(payload.length) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            if (text.length < KEEP_TEXT) text += chunk.slice(0, KEEP_TEXT - text.length);
          });
          res.on('end', () => {
            clearTimeout(timer);
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text });
          });
          res.on('error', fail);
          // Cut off mid-answer (timeout, receiver gone): 'end' never comes.
          res.on('close', () => {
            if (!res.complete) fail(new Error(`webhook ${target.origin} closed the connection mid-answer`));
          });
        },
      );
      const timer = setTimeout(
        () => req.destroy(new Error(`webhook ${target.origin} did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      function fail(err: Error): void {
        clearTimeout(timer);
        reject(err);
      }
      req.on('error', fail);
      req.end(payload);
    });
  }

  /** Closes the pooled connections (shutdown). */
  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}
