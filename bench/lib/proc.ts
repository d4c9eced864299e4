import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

/** Repo root (bench/lib → ../..) when run from TS sources, or the compiled tree's root when run from a dist copy. */
export const DIST_ROOT = resolve(__dirname, '..', '..');

/** The repository checkout (cwd of npm scripts and Jest). */
export const REPO_ROOT = process.env.OUTPOST_REPO_ROOT ?? process.cwd();

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A free TCP port on 127.0.0.1 (bind to 0, read it, close). */
export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => res(port));
    });
  });
}

/** Peak resident set size (VmHWM) of a live process in MB, or null when it cannot be read. */
export function peakRssMb(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

/** Clock ticks per second of /proc/<pid>/stat's CPU times (USER_HZ: 100 on every Linux this runs on). */
const USER_HZ = 100;

/** CPU time (user + system) a live process has used so far, in ms; 0 for a process that is gone. */
export function cpuMs(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    // Fields after the parenthesised command name: state is field 3, utime and stime are fields 14 and 15.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
  } catch {
    return 0;
  }
}

export function pidAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Every service process this run started: killed when the driver exits, however it exits (no orphans on Ctrl-C). */
const LIVE = new Set<ChildProcess>();
/** Daemons started outside Node's child handles (a private redis-server, a private broker): their pids, when known. */
const DAEMONS = new Set<() => number | null>();
let exitHooked = false;
function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  // 'exit' also follows an uncaught exception, where no finally block runs: only synchronous work is possible here.
  process.once('exit', () => {
    for (const c of LIVE) c.kill('SIGKILL');
    for (const pidOf of DAEMONS) {
      const pid = pidOf();
      if (pid && pidAlive(pid)) process.kill(pid, 'SIGKILL');
    }
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => process.exit(130));
}
function track(child: ChildProcess): void {
  LIVE.add(child);
  child.once('exit', () => LIVE.delete(child));
  hookExit();
}

/**
 * Kills the daemon `pidOf` names (read at exit: it may have been restarted since) when the driver exits, however it
 * exits: a driver that crashed used to leave its private broker and Redis running, and the next run could not start.
 */
export function killAtExit(pidOf: () => number | null): void {
  DAEMONS.add(pidOf);
  hookExit();
}

/** The pid a pidfile holds, or null when there is none. */
export function pidFromFile(pidfile: string): number | null {
  return existsSync(pidfile) ? Number(readFileSync(pidfile, 'utf8').trim()) || null : null;
}

/** The Node flags every service runs with, from deploy/service-node-flags (as `npm start` runs them). */
export function serviceNodeFlags(distRoot: string): string[] {
  return readFileSync(join(REPO_ROOT, 'deploy', 'service-node-flags'), 'utf8')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((arg) => arg.replace('{dist}', distRoot));
}

export type ServiceName = 'intake' | 'assessment' | 'escalation' | 'notification' | 'gateway';

/** One native service process (node <dist>/services/<svc>/src/main.js) with its own env and log file. */
export class ServiceProcess {
  child: ChildProcess | null = null;
  starts = 0;
  constructor(
    readonly name: ServiceName,
    readonly port: number,
    public env: Record<string, string>,
    readonly logDir: string,
    readonly distRoot = DIST_ROOT,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts the process and waits until GET /health/live answers 200 (the HTTP server listens after migrations). */
  async start(extraEnv: Record<string, string> = {}, timeoutMs = 300_000): Promise<number> {
    const t0 = Date.now();
    this.starts++;
    const main = join(this.distRoot, 'services', this.name, 'src', 'main.js');
    if (!existsSync(main)) throw new Error(`${main} is missing: build first (bash deploy/local/bench.sh builds it)`);
    const log = openSync(join(this.logDir, `${this.name}.${this.starts}.log`), 'a');
    // BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the services under load.
    const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, [...serviceNodeFlags(this.distRoot), ...nodeArgs, main], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...this.env, ...extraEnv, PORT: String(this.port), HOST: '127.0.0.1' },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    this.child = child;
    track(child);
    let exited: number | null = null;
    child.once('exit', (code, signal) => {
      exited = code ?? (signal ? 128 : 1);
    });
    while (Date.now() - t0 < timeoutMs) {
      if (exited !== null && this.child === child) {
        throw new Error(
          `${this.name} exited with ${exited} during start; see ${join(this.logDir, `${this.name}.${this.starts}.log`)}`,
        );
      }
      try {
        const r = await fetch(`${this.url}/health/live`, { signal: AbortSignal.timeout(1000) });
        if (r.ok) return Date.now() - t0;
      } catch {
        /* not listening yet */
      }
      await sleep(150);
    }
    throw new Error(`${this.name} did not become live within ${timeoutMs} ms`);
  }

  /** Waits until /health/ready is 200 (pg, redis, kafka reachable). */
  async ready(timeoutMs = 60_000): Promise<number> {
    const t0 = Date.now();
    while (Date.now() - t0 < timeoutMs) {
      try {
        const r = await fetch(`${this.url}/health/ready`, { signal: AbortSignal.timeout(2000) });
        if (r.ok) return Date.now() - t0;
      } catch {
        /* retry */
      }
      await sleep(200);
    }
    throw new Error(`${this.name} not ready within ${timeoutMs} ms`);
  }

  /** kill -9, and wait for the exit. */
  async kill9(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGKILL');
    await gone;
  }

  /** Resolves when the current process exits on its own (e.g. the relay crash hook SIGKILLs it). */
  exited(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((r) => child.once('exit', () => r()));
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 8000): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(timer);
  }
}
