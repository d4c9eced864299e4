import { execFile, execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { AUDIT_CHECKPOINT_TOPIC } from '@outpost/audit';
import { check, waitForQuiescence, type CheckReport } from './checker';
import { caseArbitrary, runFuzz, targetsOf, type FuzzReport } from './fuzz';
import { leadBody } from './lead-body';
import { freePort, killAtExit, pidAlive, pidFromFile, REPO_ROOT, sleep, type ServiceName } from './proc';
import { BANK_KEY, BANK_SOURCE_ID, DEMO_PASSWORD, Stack } from './stack';

const exec = promisify(execFile);
/** Fault → a new lead assigned end to end; generous because the machine is shared (kafkajs rejoin waits out the dead member's 30 s session). */
const RECOVERY_LIMIT_MS = Number(process.env.FAULTS_RECOVERY_LIMIT_MS ?? 300_000);

export type FaultName =
  | 'kill-intake'
  | 'kill-assessment'
  | 'kill-gateway'
  | 'kill-notification'
  | 'kill-escalation'
  | 'relay-crash'
  | 'kafka-restart'
  | 'redis-restart'
  | 'postgres-restart';

export interface FaultSuiteOptions {
  mode: 'ci' | 'full';
  leads: number;
  /** Leads posted per second by the load generator. */
  rate: number;
  faults: FaultName[];
  /** Malformed requests in total (spread over the endpoints). */
  fuzzRequests: number;
  services: ServiceName[];
  distRoot?: string;
  log?: (m: string) => void;
}

export interface FaultResult {
  fault: FaultName;
  /** Fault injection → a lead posted after it is ASSIGNED in the gateway read model (end-to-end recovery). */
  recoveryMs: number | null;
  note: string;
}

export interface FaultSuiteReport {
  mode: string;
  leadsSent: number;
  faults: FaultResult[];
  check: CheckReport;
  fuzz: FuzzReport;
  /** Rows in intake/gateway tables before and after the fuzzer (goal: equal). */
  fuzzRowsWritten: number;
  /** While Postgres was down: intake answers (status, ms). */
  pgDownAnswers: Array<{ status: number; ms: number }>;
  durationSec: number;
  failures: string[];
}

/** A private redis-server for the suite (so killing it harms nobody). */
async function startRedis(dir: string, port: number): Promise<() => number | null> {
  const pidfile = join(dir, `redis-${port}.pid`);
  execFileSync('redis-server', [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'yes',
    '--pidfile',
    pidfile,
    '--logfile',
    join(dir, 'logs', 'redis.log'),
  ]);
  for (let i = 0; i < 50 && !existsSync(pidfile); i++) await sleep(100);
  return () => pidFromFile(pidfile);
}

/** A private Kafka broker (never the shared 9092 one) for the broker-kill fault. */
function kafkaEnv(dir: string, port: number, controller: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(controller),
    KAFKA_DATA: join(dir, 'kafka'),
  };
}

class LoadGenerator {
  readonly acked = new Map<string, number>();
  sent = 0;
  failures = 0;
  private stopped = false;
  /** Faults are injected under load: keep posting past the target until they are over. */
  faultsOver = false;
  private done: Promise<void> | null = null;
  constructor(
    private readonly url: () => string,
    private readonly run: string,
    private readonly rate: number,
    private readonly target: number,
  ) {}

  start(): void {
    this.done = (async () => {
      const inflight = new Set<Promise<void>>();
      const t0 = Date.now();
      let i = 0;
      while (!this.stopped && (this.acked.size + inflight.size < this.target || !this.faultsOver)) {
        const wait = t0 + (i * 1000) / this.rate - Date.now();
        if (wait > 0) await sleep(wait);
        if (inflight.size >= 64) await Promise.race(inflight);
        const n = i++;
        const p = this.post(n).finally(() => inflight.delete(p));
        inflight.add(p);
      }
      await Promise.all(inflight);
    })();
  }

  private async post(n: number): Promise<void> {
    this.sent++;
    try {
      const r = await fetch(`${this.url()}/v1/leads`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': BANK_KEY },
        body: JSON.stringify(leadBody(n, this.run)),
        signal: AbortSignal.timeout(10_000),
      });
      if (r.status === 201 || r.status === 200) this.acked.set(((await r.json()) as { id: string }).id, Date.now());
      else {
        this.failures++;
        await r.arrayBuffer();
      }
    } catch {
      this.failures++;
    }
  }

  async finished(): Promise<void> {
    await this.done;
  }

  stop(): void {
    this.stopped = true;
  }
}

function webhookReceiver(): Promise<{ server: Server; url: string; keys: Map<string, number> }> {
  const keys = new Map<string, number>();
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const k = String(req.headers['idempotency-key'] ?? '');
      keys.set(k, (keys.get(k) ?? 0) + 1);
      res.writeHead(200).end('{}');
    });
  });
  return new Promise((r) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      r({ server, url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/outpost/callbacks`, keys });
    }),
  );
}

/** Rows of the tables a refused request must not touch, by table. */
async function countRows(stack: Stack): Promise<Map<string, number>> {
  const tables = [
    'intake.lead',
    'intake.outbox',
    'intake.audit_log',
    'intake.evidence',
    'gateway.account',
    'gateway.refresh_token',
    'gateway.audit_log',
  ];
  const counts = new Map<string, number>();
  for (const t of tables) {
    const [s, name] = t.split('.');
    const exists = await stack.sql(
      `SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2`,
      [s, name],
    );
    // The audit log's periodic checkpoint is an outbox row of its own making, whenever its timer fires: not a request's.
    const own = name === 'outbox' ? ` WHERE topic NOT LIKE '%${AUDIT_CHECKPOINT_TOPIC}'` : '';
    if (exists.length)
      counts.set(t, Number((await stack.sql<{ n: string }>(`SELECT count(*) AS n FROM ${t}${own}`))[0].n));
  }
  return counts;
}

/** Rows added since `before`, per table ("gateway.audit_log +1"), and in all. */
function rowsAdded(before: Map<string, number>, after: Map<string, number>): { total: number; tables: string[] } {
  const tables = [...after]
    .filter(([t, n]) => n !== (before.get(t) ?? 0))
    .map(([t, n]) => [t, n - (before.get(t) ?? 0)] as const);
  return {
    total: tables.reduce((sum, [, d]) => sum + d, 0),
    tables: tables.map(([t, d]) => `${t} ${d > 0 ? '+' : ''}${d}`),
  };
}

export async function runFaultSuite(o: FaultSuiteOptions): Promise<FaultSuiteReport> {
  const log = o.log ?? ((m: string) => process.stderr.write(`[faults] ${m}\n`));
  const t0 = Date.now();
  const failures: string[] = [];
  const useOwnKafka = o.faults.includes('kafka-restart');
  const stackDirProbe = new Stack({ label: 'probe' });
  const dir = stackDirProbe.dir;
  mkdirSync(join(dir, 'logs'), { recursive: true });

  // Private Redis (always: cheap, and the Redis fault must not touch the shared one).
  const redisPort = await freePort();
  const redisPid = await startRedis(dir, redisPort);
  killAtExit(redisPid);
  let kafkaBrokers = '127.0.0.1:9092';
  // Free ports, not fixed ones: a run never collides with another engineer's suite (or a leftover of its own).
  const kport = await freePort();
  const kctl = await freePort();
  const brokerPid = () => pidFromFile(join(dir, 'kafka', 'broker.pid'));
  if (useOwnKafka) {
    killAtExit(brokerPid);
    log(`starting a private Kafka broker on ${kport}`);
    await exec('bash', [join(REPO_ROOT, 'deploy/local/kafka.sh'), 'start'], { env: kafkaEnv(dir, kport, kctl) });
    kafkaBrokers = `127.0.0.1:${kport}`;
  }
  const stack = new Stack({
    label: o.mode,
    kafkaBrokers,
    redisUrl: `redis://127.0.0.1:${redisPort}`,
    distRoot: o.distRoot,
    env: {
      notification: {
        RATE_WEBHOOK_PER_SECOND: '10000',
        RECONCILE_INTERVAL_MS: '5000',
        RECONCILE_GRACE_MS: '5000',
        DELIVERY_BACKOFF_MS: '200',
      },
    },
  });
  await stack.init();
  const rx = await webhookReceiver();
  const pgDownAnswers: Array<{ status: number; ms: number }> = [];
  const results: FaultResult[] = [];
  let gen: LoadGenerator | null = null;
  try {
    log(`starting ${o.services.join(', ')} (db ${stack.db.name}, prefix ${stack.prefix})`);
    await stack.start(o.services);
    if (o.services.includes('notification')) {
      const admin = `Bearer ${await stack.token('p-admin-1', ['ADMIN'])}`;
      const notif = stack.svc('notification');
      for (const [path, body] of [
        [
          '/v1/webhook-endpoints',
          { sourceId: BANK_SOURCE_ID, url: rx.url, keyId: 'faults-1', secret: 'faults-webhook-secret-0123456789' },
        ],
        [
          '/v1/rules',
          {
            id: 'faults-webhook',
            eventType: 'assessment.lead-assigned.v1',
            audience: 'SOURCE_SYSTEM',
            channels: ['WEBHOOK'],
            description: 'fault suite',
          },
        ],
      ] as const) {
        const r = await fetch(`${notif.url}${path}`, {
          method: 'POST',
          headers: { authorization: admin, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        if (r.status >= 300) throw new Error(`notification ${path}: ${r.status} ${await r.text()}`);
      }
    }

    // --- Bad input first (the row counts must not be disturbed by the load). ---
    const fuzz = await fuzzAll(stack, o.fuzzRequests, log);
    const written = rowsAdded(fuzz.rowsBefore, await countRows(stack));
    const fuzzRowsWritten = written.total;
    if (written.tables.length) log(`fuzzer: rows written: ${written.tables.join(', ')}`);

    // --- Load with one fault at a time. ---
    const intake = stack.svc('intake');
    gen = new LoadGenerator(() => intake.url, `f${stack.tag}`, o.rate, o.leads);
    log(`load: ${o.leads} leads at ${o.rate}/s`);
    gen.start();
    await sleep(3000);
    let probeN = 0;
    const recover = async (since: number): Promise<number | null> => {
      // A probe lead posted after the fault must come out ASSIGNED at the end of the pipeline.
      const deadline = Date.now() + RECOVERY_LIMIT_MS;
      let id: string | null = null;
      while (!id && Date.now() < deadline) {
        try {
          const r = await fetch(`${intake.url}/v1/leads`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-api-key': BANK_KEY },
            body: JSON.stringify(leadBody(probeN++, `probe${stack.tag}`)),
            signal: AbortSignal.timeout(5000),
          });
          if (r.status === 201) id = ((await r.json()) as { id: string }).id;
        } catch {
          /* still down */
        }
        if (!id) await sleep(250);
      }
      if (!id) return null;
      while (Date.now() < deadline) {
        const v = await stack.sql(`SELECT 1 FROM gateway.lead_view WHERE id = $1 AND status = 'ASSIGNED'`, [id]);
        if (v.length) return Date.now() - since;
        await sleep(200);
      }
      return null;
    };

    for (const f of o.faults) {
      const at = Date.now();
      let note = '';
      log(`fault: ${f}`);
      if (f.startsWith('kill-')) {
        const svc = stack.svc(f.slice(5) as ServiceName);
        await svc.kill9();
        await sleep(1000);
        await svc.start();
        note = `kill -9 pid, restarted after 1 s`;
      } else if (f === 'relay-crash') {
        // Restart intake with the hook: its relay SIGKILLs the process after Kafka acked a batch, before mark-sent.
        await intake.kill9();
        await intake.start({ OUTBOX_CRASH_AFTER_PUBLISH: '1' }).catch(() => undefined);
        // Leads of its own make sure the relay has something to publish (the hook fires on the first published batch).
        let crashed = false;
        const exited = intake.exited().then(() => (crashed = true));
        const until = Date.now() + 30_000;
        while (!crashed && Date.now() < until) {
          await fetch(`${intake.url}/v1/leads`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-api-key': BANK_KEY },
            body: JSON.stringify(leadBody(probeN++, `relay${stack.tag}`)),
            signal: AbortSignal.timeout(5000),
          })
            .then((r) => r.arrayBuffer())
            .catch(() => undefined);
          await Promise.race([exited, sleep(500)]);
        }
        await intake.start();
        note = crashed
          ? 'relay killed itself between publish and mark-sent; intake restarted without the hook'
          : 'hook did not fire within 30 s';
        if (!crashed) failures.push('relay crash hook did not fire');
      } else if (f === 'redis-restart') {
        const pid = redisPid();
        if (pid) process.kill(pid, 'SIGKILL');
        await sleep(3000);
        await startRedis(dir, redisPort);
        note = `private redis-server on ${redisPort} killed -9, restarted after 3 s (empty: no persistence)`;
      } else if (f === 'kafka-restart') {
        const pid = brokerPid() ?? 0;
        if (pid) process.kill(pid, 'SIGKILL');
        while (pidAlive(pid)) await sleep(100);
        await sleep(3000);
        await exec('bash', [join(REPO_ROOT, 'deploy/local/kafka.sh'), 'start'], { env: kafkaEnv(dir, kport, kctl) });
        note = `private broker on ${kport} killed -9, restarted after 3 s`;
      } else if (f === 'postgres-restart') {
        await exec('pg_ctlcluster', ['15', 'main', 'stop', '-m', 'immediate']);
        const downUntil = Date.now() + 5000;
        while (Date.now() < downUntil) {
          const s = Date.now();
          let status = 0;
          try {
            const r = await fetch(`${intake.url}/v1/leads`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'x-api-key': BANK_KEY },
              body: JSON.stringify(leadBody(probeN++, `pgdown${stack.tag}`)),
              signal: AbortSignal.timeout(10_000),
            });
            status = r.status;
            await r.arrayBuffer();
          } catch {
            status = 599;
          }
          pgDownAnswers.push({ status, ms: Date.now() - s });
          await sleep(250);
        }
        await exec('pg_ctlcluster', ['15', 'main', 'start']);
        note = `stopped -m immediate for 5 s; intake answered ${[...new Set(pgDownAnswers.map((a) => a.status))].join('/')} in ≤ ${Math.max(...pgDownAnswers.map((a) => a.ms))} ms`;
        if (pgDownAnswers.some((a) => a.status !== 503 || a.ms > 3000))
          failures.push(`while Postgres was down intake answered ${JSON.stringify(pgDownAnswers.slice(0, 5))}`);
      }
      const recoveryMs = await recover(at);
      if (recoveryMs === null) failures.push(`${f}: no recovery within ${RECOVERY_LIMIT_MS / 1000} s`);
      results.push({ fault: f, recoveryMs, note });
      log(`  recovered in ${recoveryMs} ms`);
    }
    gen.faultsOver = true;
    await gen.finished();
    log(
      `load done: ${gen.acked.size} acknowledged of ${gen.sent} sent (${gen.failures} failed while services were down)`,
    );
    const acked = new Map(gen.acked);
    const quiescence = await waitForQuiescence(stack, [...acked.keys()], 600_000);
    const report = await check(stack, acked, o.services.includes('notification') ? rx.keys : null, quiescence);

    if (report.missing) failures.push(`${report.missing} acknowledged leads missing`);
    if (report.wrongState)
      failures.push(`${report.wrongState} leads not in their expected state: ${report.wrongStateSamples.join('; ')}`);
    if (report.duplicateAuditEntries) failures.push(`${report.duplicateAuditEntries} duplicate audit entries`);
    if (report.duplicateAssignments) failures.push(`${report.duplicateAssignments} duplicate assignments`);
    if (report.duplicateDeliveries) failures.push(`${report.duplicateDeliveries} duplicate deliveries`);
    if (report.auditChainsFailing) failures.push(`${report.auditChainsFailing} audit chains failing verification`);
    if (fuzz.report.fiveXx) failures.push(`fuzzer: ${fuzz.report.fiveXx} responses ≥ 500`);
    if (fuzz.report.accepted2xx) failures.push(`fuzzer: ${fuzz.report.accepted2xx} malformed requests accepted`);
    if (fuzz.report.notProblemJson) failures.push(`fuzzer: ${fuzz.report.notProblemJson} errors not problem+json`);
    if (fuzz.report.missingFieldPath)
      failures.push(`fuzzer: ${fuzz.report.missingFieldPath} field errors without a path`);
    if (fuzzRowsWritten) failures.push(`fuzzer: ${fuzzRowsWritten} rows written`);
    return {
      mode: o.mode,
      leadsSent: gen.sent,
      faults: results,
      check: report,
      fuzz: fuzz.report,
      fuzzRowsWritten,
      pgDownAnswers,
      durationSec: Math.round((Date.now() - t0) / 1000),
      failures,
    };
  } finally {
    gen?.stop();
    rx.server.close();
    await stack.stop(process.env.FAULTS_KEEP_DB === '1');
    const pid = redisPid();
    if (pid && pidAlive(pid)) process.kill(pid, 'SIGTERM');
    if (useOwnKafka)
      await exec('bash', [join(REPO_ROOT, 'deploy/local/kafka.sh'), 'stop'], { env: kafkaEnv(dir, kport, kctl) }).catch(
        () => undefined,
      );
    log(`logs in ${stack.logDir}`);
  }
}

/**
 * Who fuzzes which part of the gateway's API: a user the route is meant for, so a malformed request is judged by its
 * validation rather than refused at the door (ops for an operator, the roster for an administrator, the rest for a
 * district officer).
 */
const GATEWAY_FUZZ_USERS: Array<{ login: string; routes: (path: string) => boolean }> = [
  { login: 'operator1', routes: (p) => p.startsWith('/api/v1/ops/') },
  { login: 'admin1', routes: (p) => p.startsWith('/api/v1/roster/') },
  { login: 'officer1', routes: (p) => !p.startsWith('/api/v1/ops/') && !p.startsWith('/api/v1/roster/') },
];

/** Routes the fuzzer leaves out: its own session (logout and refresh would end it) and the server-sent event stream. */
const notFuzzed = (path: string): boolean => path.startsWith('/api/v1/auth/') || path === '/api/v1/events/stream';

/**
 * Gateway routes that answer from another service whatever the input (the transition tables, the inbox, notification's
 * deliveries and settings, escalation's dispatches): fuzzed only when that service runs in the stack, since without it
 * their answer is a correct 502/503, not a fault of validation.
 */
const OWNERS: Array<[prefix: string, services: ServiceName[]]> = [
  ['/api/v1/transitions', ['assessment', 'escalation']],
  ['/api/v1/inbox', ['notification']],
  ['/api/v1/ops/deliveries', ['notification']],
  ['/api/v1/ops/notification/', ['notification']],
  ['/api/v1/ops/dispatches', ['escalation']],
];
const ownersRun = (stack: Stack, path: string): boolean =>
  OWNERS.every(([prefix, services]) => !path.startsWith(prefix) || services.every((s) => stack.services.has(s)));

async function gatewayLogin(base: string, login: string): Promise<string> {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login, password: DEMO_PASSWORD }),
  });
  if (!res.ok) throw new Error(`fuzzer: login ${login}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

/** The fuzzer over intake's public endpoints (from its /docs-json) and the gateway's (login, then signed in). */
async function fuzzAll(
  stack: Stack,
  total: number,
  log: (m: string) => void,
): Promise<{ report: FuzzReport; rowsBefore: Map<string, number> }> {
  const intake = stack.svc('intake');
  const doc = (await (await fetch(`${intake.url}/docs-json`)).json()) as Record<string, unknown>;
  const intakeTargets = targetsOf(
    doc,
    (_m, p) => p.startsWith('/v1/') && !p.startsWith('/v1/audit') && !p.startsWith('/v1/ops'),
    { 'x-api-key': BANK_KEY },
  );
  const arbs = [caseArbitrary(doc, intake.url, intakeTargets)];
  const names = intakeTargets.map((t) => `${t.method} ${t.path}`);
  if (stack.services.has('gateway')) {
    const gw = stack.svc('gateway');
    let gdoc: Record<string, unknown> | null = null;
    for (const p of ['/docs-json', '/api/docs-json']) {
      const r = await fetch(`${gw.url}${p}`).catch(() => null);
      if (r?.ok) {
        gdoc = (await r.json()) as Record<string, unknown>;
        break;
      }
    }
    if (gdoc) {
      const login = targetsOf(gdoc, (m, p) => m === 'post' && p.endsWith('/auth/login'), {});
      if (login.length) {
        arbs.push(caseArbitrary(gdoc, gw.url, login));
        names.push(...login.map((t) => `gateway ${t.method} ${t.path}`));
      }
      for (const u of GATEWAY_FUZZ_USERS) {
        const authorization = `Bearer ${await gatewayLogin(gw.url, u.login)}`;
        const targets = targetsOf(
          gdoc,
          (_m, p) => p.startsWith('/api/v1/') && u.routes(p) && !notFuzzed(p) && ownersRun(stack, p),
          { authorization },
        );
        arbs.push(caseArbitrary(gdoc, gw.url, targets));
        names.push(...targets.map((t) => `gateway ${t.method} ${t.path} (${u.login})`));
      }
    } else log('gateway has no OpenAPI document: login not fuzzed');
  }
  log(`fuzzer: ${total} malformed requests over ${names.length} endpoints: ${names.join(', ')}`);
  const rowsBefore = await countRows(stack);
  // Equal share per endpoint group, so every endpoint gets its part of the total.
  const cases = fc.sample(fc.oneof(...arbs), { numRuns: total, seed: 20261101 });
  // A junk query string may be ignored, and a junk value may be a fine search text (200 is fine there); everything else
  // must be refused.
  const report = await runFuzz(cases, 8, (c, status, text) => {
    if (c.kind === 'junk-query' || c.kind === 'bad-query') return true;
    // The batch endpoint answers 200 with a result per item: a broken item must come back rejected with field paths.
    if (status === 200 && c.target.path === '/v1/leads/batch' && c.fieldPath?.startsWith('leads/')) {
      const b = JSON.parse(text) as {
        accepted?: number;
        results?: Array<{ status?: string; errors?: Array<{ path?: string }> }>;
      };
      return (
        b.accepted === 0 &&
        (b.results ?? []).length > 0 &&
        (b.results ?? []).every(
          (r) =>
            r.status === 'rejected' &&
            (r.errors ?? []).length > 0 &&
            (r.errors ?? []).every((e) => typeof e.path === 'string' && e.path.length > 0),
        )
      );
    }
    return false;
  });
  log(
    `fuzzer: ${JSON.stringify(report.statuses)}; 5xx ${report.fiveXx}, accepted ${report.accepted2xx}, not problem+json ${report.notProblemJson}, no field path ${report.missingFieldPath}`,
  );
  return { report, rowsBefore };
}
