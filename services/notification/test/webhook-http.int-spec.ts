import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebhookHttpClient } from '../src/channels/webhook-http';

/** The webhook sender's HTTP client against a real local server (no mocks). */
describe('notification: WebhookHttpClient (real HTTP server)', () => {
  let server: Server;
  let base = '';
  let connections = 0;
  const received: Array<{ path: string; body: string; headers: Record<string, unknown> }> = [];
  const client = new WebhookHttpClient(4);

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
        if (req.url === '/hang') return; // never answers
        if (req.url === '/moved') {
          res.writeHead(307, { location: '/elsewhere' }).end('see elsewhere');
          return;
        }
        res.writeHead(200, { 'x-request-id': `r-${received.length}` }).end('{}');
      });
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    client.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('sends the body and headers, and reuses one keep-alive connection for consecutive POSTs', async () => {
    const before = connections;
    for (let i = 0; i < 5; i++) {
      const res = await client.post(`${base}/hook`, { 'idempotency-key': `k-${i}` }, `{"n":${i}}`, 5_000);
      expect(res.status).toBe(200);
      expect(res.headers['x-request-id']).toBe(`r-${received.length}`);
    }
    expect(connections - before).toBe(1);
    expect(received.slice(-5).map((r) => [r.body, r.headers['idempotency-key']])).toEqual(
      [0, 1, 2, 3, 4].map((i) => [`{"n":${i}}`, `k-${i}`]),
    );
  });

  it('does not follow a redirect: the 3xx is the answer, sent once', async () => {
    const before = received.length;
    const res = await client.post(`${base}/moved`, {}, '{}', 5_000);
    expect(res.status).toBe(307);
    expect(res.headers.location).toBe('/elsewhere');
    expect(res.text).toBe('see elsewhere');
    expect(received.slice(before).map((r) => r.path)).toEqual(['/moved']);
  });

  it('gives up on an endpoint that does not answer within the timeout', async () => {
    await expect(client.post(`${base}/hang`, {}, '{}', 300)).rejects.toThrow(/did not answer within 300 ms/);
  });

  it('refuses a URL that is not http(s)', async () => {
    await expect(client.post('ftp://127.0.0.1/x', {}, '{}', 300)).rejects.toThrow(/unsupported webhook URL scheme/);
  });
});
