/**
 * `node <compiled>/bench/screening-engine.js [records] [rounds]`: the screening row of `npm run bench` alone, without
 * starting any service: the engine in-process (best of 3, as bench/run.ts measures it) against `grep -F -c -f` over the
 * same records, repeated `rounds` times with the load average beside each figure (the machine is shared).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchmarkEngine } from '@outpost/screening';
import { grepMbPerSec, writeGrepInput } from './lib/grep-baseline';

const records = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'screening-bench-'));
try {
  const input = writeGrepInput(dir, records);
  for (let r = 0; r < rounds; r++) {
    const engine = benchmarkEngine(records, { repeat: 3 });
    const grepMb = grepMbPerSec(input);
    const load = loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
    process.stdout.write(
      `engine ${engine.mbPerSec.toFixed(1)} MB/s (${Math.round(engine.recordsPerSec)} rec/s, cpu ${engine.cpuMbPerSec.toFixed(1)}) ` +
        `grep ${grepMb.toFixed(1)} MB/s ratio ${(engine.mbPerSec / grepMb).toFixed(3)} load ${load}\n`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
