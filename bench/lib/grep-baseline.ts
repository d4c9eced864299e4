import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalogTerms, generateBenchmarkRecords, loadCatalog, recordLine } from '@outpost/screening';

/** The screening engine's baseline input: the benchmark records one a line, and every catalog term one a line. */
export interface GrepInput {
  file: string;
  terms: string;
  bytes: number;
}

/** Writes `records` benchmark records and all catalog terms into `dir` (records.txt, terms.txt). */
export function writeGrepInput(dir: string, records: number): GrepInput {
  const file = join(dir, 'records.txt');
  const terms = join(dir, 'terms.txt');
  writeFileSync(file, generateBenchmarkRecords(records).map(recordLine).join('\n') + '\n');
  writeFileSync(terms, catalogTerms(loadCatalog()).join('\n') + '\n');
  return { file, terms, bytes: Buffer.byteLength(readFileSync(file)) };
}

/** `grep -F -c -f <terms> <records>` throughput in MB/s, best of 3 (the baseline of the screening rows). */
export function grepMbPerSec(input: GrepInput): number {
  let grepSec = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = process.hrtime.bigint();
    try {
      execFileSync('grep', ['-F', '-c', '-f', input.terms, input.file], { stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      /* grep exits 1 when nothing matches: still a valid timing */
    }
    grepSec = Math.min(grepSec, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return input.bytes / 1e6 / grepSec;
}
