/**
 * `node <compiled>/bench/screening-engine.js [records] [rounds] [--json]`: the screening engine alone against
 * `grep -F -c -f` over the same records, alternating (engineVsGrep), `rounds` rounds, with each round's own ratio and
 * the load average (the machine is shared). `npm run bench` runs it this way for its screening row, in a process of its
 * own like grep's, so the driver's heap and connections do not weigh on one side only. `--json` prints the
 * EngineVsGrep result instead of a line of text.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineVsGrep } from './lib/grep-baseline';

const [records = 100_000, rounds = 5] = process.argv
  .slice(2)
  .filter((a) => !a.startsWith('--'))
  .map(Number);
const json = process.argv.includes('--json');
const dir = mkdtempSync(join(tmpdir(), 'screening-bench-'));
try {
  const result = engineVsGrep(dir, records, rounds);
  const { engine, grepMbPerSec, roundRatios } = result;
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  process.stdout.write(
    json
      ? `${JSON.stringify(result)}\n`
      : `engine ${engine.mbPerSec.toFixed(1)} MB/s (${Math.round(engine.recordsPerSec)} rec/s, cpu ${engine.cpuMbPerSec.toFixed(1)}) ` +
          `grep ${grepMbPerSec.toFixed(1)} MB/s ratio ${(engine.mbPerSec / grepMbPerSec).toFixed(3)} ` +
          `(rounds ${roundRatios.map((r) => r.toFixed(2)).join(' ')}) load ${load}\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
