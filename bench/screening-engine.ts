/**
 * `node <compiled>/bench/screening-engine.js [records] [rounds]`: the screening row of `npm run bench` alone, without
 * starting any service: the engine in-process (best of 3, as bench/run.ts measures it) against `grep -F -c -f` over the
 * same records, repeated `rounds` times with the load average beside each figure (the machine is shared).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchmarkEngine, catalogTerms, generateBenchmarkRecords, loadCatalog, recordLine } from '@outpost/screening';

const records = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'screening-bench-'));
try {
  const file = join(dir, 'records.txt');
  const terms = join(dir, 'terms.txt');
  writeFileSync(file, generateBenchmarkRecords(records).map(recordLine).join('\n') + '\n');
  writeFileSync(terms, catalogTerms(loadCatalog()).join('\n') + '\n');
  const bytes = Buffer.byteLength(readFileSync(file));
  for (let r = 0; r < rounds; r++) {
    const engine = benchmarkEngine(records, { repeat: 3 });
    let grepSec = Infinity;
    for (let i = 0; i < 3; i++) {
      const t0 = process.hrtime.bigint();
      try {
        execFileSync('grep', ['-F', '-c', '-f', terms, file], { stdio: ['ignore', 'pipe', 'ignore'] });
      } catch {
        /* grep exits 1 when nothing matches: still a valid timing */
      }
      grepSec = Math.min(grepSec, Number(process.hrtime.bigint() - t0) / 1e9);
    }
    const grepMb = bytes / 1e6 / grepSec;
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
