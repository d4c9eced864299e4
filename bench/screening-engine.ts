/**
 * `node <compiled>/bench/screening-engine.js [records] [rounds]`: the screening row of `npm run bench` alone, without
 * starting any service: the engine in-process against `grep -F -c -f` over the same records, alternating as
 * bench/run.ts measures them, `rounds` rounds, with each round's own ratio and the load average (the machine is shared).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineVsGrep } from './lib/grep-baseline';

const records = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'screening-bench-'));
try {
  const { engine, grepMbPerSec, roundRatios } = engineVsGrep(dir, records, rounds);
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  process.stdout.write(
    `engine ${engine.mbPerSec.toFixed(1)} MB/s (${Math.round(engine.recordsPerSec)} rec/s, cpu ${engine.cpuMbPerSec.toFixed(1)}) ` +
      `grep ${grepMbPerSec.toFixed(1)} MB/s ratio ${(engine.mbPerSec / grepMbPerSec).toFixed(3)} ` +
      `(rounds ${roundRatios.map((r) => r.toFixed(2)).join(' ')}) load ${load}\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
