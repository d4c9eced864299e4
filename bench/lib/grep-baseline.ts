import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  catalogTerms,
  type EngineBenchmark,
  loadCatalog,
  prepareEngineBenchmark,
  recordLine,
  type ScreeningRecord,
} from '@outpost/screening';

/** The screening engine's baseline input: the benchmark records one a line, and every catalog term one a line. */
interface GrepInput {
  file: string;
  terms: string;
  bytes: number;
}

/** Writes the records one a line and all catalog terms one a line into `dir` (records.txt, terms.txt). */
function writeGrepInput(dir: string, records: readonly ScreeningRecord[]): GrepInput {
  const file = join(dir, 'records.txt');
  const terms = join(dir, 'terms.txt');
  const text = records.map(recordLine).join('\n') + '\n';
  writeFileSync(file, text);
  writeFileSync(terms, catalogTerms(loadCatalog()).join('\n') + '\n');
  return { file, terms, bytes: Buffer.byteLength(text) };
}

/** Seconds of one `grep -F -c -f <terms> <records>` run. */
function grepSeconds(input: GrepInput): number {
  const t0 = process.hrtime.bigint();
  try {
    execFileSync('grep', ['-F', '-c', '-f', input.terms, input.file], { stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    /* grep exits 1 when nothing matches: still a valid timing */
  }
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

export interface EngineVsGrep {
  engine: EngineBenchmark;
  /** grep's best MB/s over the same records (the baseline). */
  grepMbPerSec: number;
  /** engine MB/s ÷ grep MB/s of each round's adjacent pair: their spread is the machine's, not the code's. */
  roundRatios: number[];
}

/**
 * The screening engine in-process against `grep -F -c -f` over the same records, measured in ALTERNATION: each round
 * one engine pass, then one grep run, and each side's best round counts. On a shared VM whose speed drifts by tens of
 * percent within a minute, timing all engine passes first and all grep runs after compared two different machines.
 */
export function engineVsGrep(dir: string, records: number, rounds = 5): EngineVsGrep {
  const run = prepareEngineBenchmark(records);
  const input = writeGrepInput(dir, run.data);
  const passes = [];
  const grep: number[] = [];
  const roundRatios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const pass = run.pass();
    const g = grepSeconds(input);
    passes.push(pass);
    grep.push(g);
    roundRatios.push(g / pass.seconds);
  }
  return { engine: run.best(passes), grepMbPerSec: input.bytes / 1e6 / Math.min(...grep), roundRatios };
}
