/**
 * HTTP load in a SEPARATE process (so the measuring client does not share the event loop with the bench driver):
 * `node load-worker.js '<json options>'` prints one JSON line with the result.
 *
 * Two modes:
 * - as fast as possible (no `overallRate`): autocannon, closed loop, `connections` requests in flight;
 * - at a fixed rate (`overallRate`): an open-loop generator of our own. Request i is due at start + i / rate, sent on
 *   a keep-alive pool of `connections` sockets (queued in the pool when all are busy), and its latency counts from when
 *   it was DUE, so a stall delays every request behind it in the figures too (no coordinated omission). autocannon's
 *   own rate mode is not used for latency: each connection sends its whole per-second quota back to back at the start
 *   of every second and then pauses (a burst at full speed, not a rate), and it corrects for coordinated omission with
 *   an expected interval of ceil(1 / rate) = 1 ms, which adds a synthetic sample for every millisecond of every
 *   response and so pulls p50 down and leaves p99 meaningless.
 */
import { Agent } from 'node:http';
import autocannon from 'autocannon';
import { PostTimeoutError, postJson } from './lib/http-post';
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

/** What the worker prints (bench/run.ts reads it). */
export interface LoadResult {
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  durationSec: number;
  rps: number;
  p50: number;
  p99: number;
  mean: number;
  /** CPU (user + system, ms) this generator process used over the load: its share of the machine under test. */
  cpuMs: number;
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
  const c0 = process.cpuUsage();
  const measured = o.overallRate ? await openLoop(o, o.overallRate, body) : await closedLoop(o, body);
  const c = process.cpuUsage(c0);
  const result: LoadResult = { ...measured, cpuMs: (c.user + c.system) / 1000 };
  process.stdout.write(JSON.stringify(result) + '\n');
}

/** As fast as `connections` requests in flight allow (autocannon). */
async function closedLoop(o: Options, body: () => string): Promise<Omit<LoadResult, 'cpuMs'>> {
  const result = await autocannon({
    url: o.url,
    connections: o.connections,
    duration: o.durationSec,
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
  return {
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    durationSec: result.duration,
    rps: result['2xx'] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    mean: result.latency.average,
  };
}

/** `rate` requests per second, evenly spaced, latency from each request's due time (see the header). */
async function openLoop(o: Options, rate: number, body: () => string): Promise<Omit<LoadResult, 'cpuMs'>> {
  const target = new URL(o.path, o.url);
  const agent = new Agent({ keepAlive: true, maxSockets: o.connections });
  const total = Math.round(rate * o.durationSec);
  const latencies: number[] = [];
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let timeouts = 0;
  const send = (due: number): Promise<void> =>
    postJson(agent, target, body(), o.apiKey).then(
      ({ status }) => {
        if (status >= 200 && status < 300) {
          ok++;
          latencies.push(performance.now() - due);
        } else non2xx++;
      },
      (err: unknown) => {
        if (err instanceof PostTimeoutError) timeouts++;
        else errors++;
      },
    );
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(send(due));
  }
  await Promise.all(inFlight);
  const durationSec = (performance.now() - start) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (p: number) =>
    latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] : NaN;
  return {
    ok,
    non2xx,
    errors,
    timeouts,
    durationSec,
    rps: ok / durationSec,
    p50: Math.round(at(50) * 10) / 10,
    p99: Math.round(at(99) * 10) / 10,
    mean: latencies.length ? Math.round((latencies.reduce((a, b) => a + b, 0) / latencies.length) * 10) / 10 : NaN,
  };
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
