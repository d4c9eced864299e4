import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Result of `verify` (null when the receiver checks no signature). */
  signatureOk: boolean | null;
  /** false when the idempotency key had been processed before (the receiver dropped it). */
  processed: boolean;
  status: number;
  /** Date.now() when the request's body had arrived. */
  receivedAt: number;
}

/**
 * A local HTTP receiver standing in for a source system's webhook endpoint or the SMS gateway: dedupes by
 * Idempotency-Key like a well-behaved receiver (answers 2xx, processes once), can check a signature, and can be made
 * to fail (`status`).
 */
export class HttpReceiver {
  readonly requests: ReceivedRequest[] = [];
  private readonly seen = new Set<string>();
  private server!: Server;
  port = 0;
  /** Status to answer (2xx = accept). */
  status = 200;
  /** Called with every request as it is answered. */
  onRequest?: (r: ReceivedRequest) => void;
  private answered = 0;

  /** `keep`: whether `requests` keeps what arrived (a long-running receiver passes false and uses onRequest). */
  constructor(private readonly keep = true) {}

  /** The JSON body of a 2xx answer (`n`: the how-manieth request). SMS gateways answer a message id. */
  protected answer(request: ReceivedRequest, n: number): unknown {
    return { messageId: `msg-${n}`, duplicate: !request.processed };
  }

  /** Signature check of a request; a request that fails it is answered 401. */
  protected verify(_headers: IncomingHttpHeaders, _body: string): boolean | null {
    return null;
  }

  /** Listens on loopback, on `port` (0: any free port). */
  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const signatureOk = this.verify(req.headers, body);
        const key = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : null;
        let status = this.status;
        if (signatureOk === false) status = 401;
        const accepted = status >= 200 && status < 300;
        const duplicate = accepted && key !== null && this.seen.has(key);
        if (accepted && key) this.seen.add(key);
        const received: ReceivedRequest = {
          path: req.url ?? '',
          headers: req.headers,
          body,
          signatureOk,
          processed: accepted && !duplicate,
          status,
          receivedAt: Date.now(),
        };
        const n = ++this.answered;
        if (this.keep) this.requests.push(received);
        this.onRequest?.(received);
        res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': `rcv-${n}` });
        res.end(JSON.stringify(accepted ? this.answer(received, n) : { error: 'unavailable' }));
      });
    });
    await listenOn(this.server, port);
    this.port = (this.server.address() as AddressInfo).port;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  processed(): ReceivedRequest[] {
    return this.requests.filter((r) => r.processed);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Listens on 127.0.0.1:`port`; rejects if the port is taken (EADDRINUSE) instead of leaving an 'error' unheard. */
export function listenOn(server: NetServer, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}
