/**
 * HTTP load in a SEPARATE process (so the measuring client does not share the event loop with the bench driver):
 * `node load-worker.js '<json options>'` prints one JSON line with autocannon's result.
 */
import autocannon from 'autocannon';
import { leadBody } from './lib/lead-body';

interface Options {
  url: string;
  path: string;
  apiKey: string;
  connections: number;
  durationSec: number;
  /** Requests per second over all connections (omit for as fast as possible). */
  overallRate?: number;
  /** Leads per request (batch endpoint) or 0 for a single lead. */
  batch?: number;
  run: string;
}

async function main(): Promise<void> {
  const o = JSON.parse(process.argv[2]) as Options;
  let n = 0;
  const body = (): string => {
    if (!o.batch) return JSON.stringify(leadBody(n++, o.run));
    const leads = [];
    for (let i = 0; i < o.batch; i++) leads.push(leadBody(n++, o.run));
    return JSON.stringify({ leads });
  };
  const result = await autocannon({
    url: o.url,
    connections: o.connections,
    duration: o.durationSec,
    overallRate: o.overallRate,
    timeout: 30,
    requests: [
      {
        method: 'POST',
        path: o.path,
        headers: { 'content-type': 'application/json', 'x-api-key': o.apiKey },
        setupRequest: (req) => ({ ...req, body: body() }),
      },
    ],
  });
  process.stdout.write(
    JSON.stringify({
      ok: result['2xx'],
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      durationSec: result.duration,
      rps: result['2xx'] / result.duration,
      p50: result.latency.p50,
      p99: result.latency.p99,
      mean: result.latency.average,
    }) + '\n',
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
