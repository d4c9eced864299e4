import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { transformFileSync } from '@swc/core';
import { pidAlive, pidFromFile } from './proc';

// A driver that dies of an uncaught exception runs no finally block: its private daemons must still go.
describe('killAtExit', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'outpost-proc-'));
    // proc.ts as plain CommonJS, so a separate node process can load it.
    const js = transformFileSync(join(__dirname, 'proc.ts'), {
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'commonjs' },
    }).code;
    writeFileSync(join(dir, 'proc.js'), js);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Starts a detached daemon (its own session, as redis-server --daemonize is) and records its pid in a pidfile. */
  function daemon(): { pid: number; pidfile: string } {
    const child = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
    child.unref();
    const pidfile = join(dir, 'daemon.pid');
    writeFileSync(pidfile, `${child.pid}\n`);
    return { pid: child.pid!, pidfile };
  }

  async function gone(pid: number): Promise<boolean> {
    for (let i = 0; i < 50 && pidAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    return !pidAlive(pid);
  }

  it('kills a daemon named by its pidfile when the driver crashes with an uncaught exception', async () => {
    const d = daemon();
    const driver = spawnSync(
      process.execPath,
      [
        '-e',
        `const p = require(${JSON.stringify(join(dir, 'proc.js'))});
         p.killAtExit(() => p.pidFromFile(${JSON.stringify(d.pidfile)}));
         setTimeout(() => { throw new Error('driver crashed'); }, 10);`,
      ],
      { encoding: 'utf8' },
    );
    expect(driver.status).toBe(1);
    expect(driver.stderr).toContain('driver crashed');
    expect(await gone(d.pid)).toBe(true);
  });

  it('leaves the daemon alone while the driver lives, and reads the pidfile at exit (a restarted daemon)', async () => {
    const first = daemon();
    const second = daemon(); // the same pidfile now names the restarted one
    try {
      const driver = spawnSync(
        process.execPath,
        [
          '-e',
          `const p = require(${JSON.stringify(join(dir, 'proc.js'))});
           p.killAtExit(() => p.pidFromFile(${JSON.stringify(second.pidfile)}));
           if (!p.pidAlive(${second.pid})) process.exit(3);`,
        ],
        { encoding: 'utf8' },
      );
      expect(driver.status).toBe(0);
      expect(await gone(second.pid)).toBe(true);
      expect(pidAlive(first.pid)).toBe(true);
    } finally {
      process.kill(first.pid, 'SIGKILL');
    }
  });

  it('reads no pid from a missing or empty pidfile', () => {
    expect(pidFromFile(join(dir, 'none.pid'))).toBeNull();
    writeFileSync(join(dir, 'empty.pid'), '');
    expect(pidFromFile(join(dir, 'empty.pid'))).toBeNull();
  });
});
