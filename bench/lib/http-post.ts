import { request, type Agent } from 'node:http';

/** Thrown by postJson when the request outlives its timeout. */
export class PostTimeoutError extends Error {
  constructor() {
    super('timeout');
    this.name = 'PostTimeoutError';
  }
}

/**
 * POST of a JSON body with an API key over a keep-alive agent (node:http, not fetch: the load generators share the 2
 * cores with the system under test, and fetch spent ~2 ms of CPU per POST). Resolves with the status and the body.
 */
export function postJson(
  agent: Agent,
  url: string | URL,
  payload: string,
  apiKey: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        timeout: 30_000,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          'x-api-key': apiKey,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.once('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.once('error', reject);
      },
    );
    req.once('timeout', () => req.destroy(new PostTimeoutError()));
    req.once('error', reject);
    req.end(payload);
  });
}
