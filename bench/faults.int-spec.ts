import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { runFaultSuite, type FaultSuiteReport } from './lib/fault-suite';

/**
 * The fault suite's CI mode as a test: ≥ 1,000 leads while intake and assessment are killed -9 and the outbox relay
 * dies between publish and mark-sent, then the independent checker; plus ≥ 5,000 fuzzed malformed requests.
 * Native service processes from a private compiled tree, its own database, topic prefix, consumer groups and Redis
 * (a private redis-server); the shared Kafka broker is used but never killed (the broker fault is full-mode only).
 */
// The whole CI-mode run (load, three faults with recovery, quiescence, checker, fuzzer) takes 4–6 minutes on 2 cores.
jest.setTimeout(600_000);

describe('fault suite (CI mode): nothing acknowledged is lost, nothing happens twice, bad input is refused', () => {
  let report: FaultSuiteReport;

  beforeAll(async () => {
    const root = process.cwd();
    const dist = join(root, '.outpost', 'faults-test-dist');
    execFileSync(
      'npx',
      [
        'swc',
        'services',
        'libs',
        '-d',
        dist,
        '--copy-files',
        '--ignore',
        '**/*.spec.ts,**/*.int-spec.ts,services/admin-ui/**',
        '-q',
      ],
      { cwd: root, stdio: 'inherit' },
    );
    report = await runFaultSuite({
      mode: 'ci',
      leads: 1000,
      rate: 8,
      faults: ['kill-intake', 'kill-assessment', 'relay-crash'],
      fuzzRequests: 5000,
      services: ['intake', 'assessment', 'gateway'],
      distRoot: dist,
      log: (m) => process.stderr.write(`[faults] ${m}\n`),
    });
  });

  it('loses no acknowledged lead and leaves every lead in the state its path implies', () => {
    expect(report.check.acknowledged).toBeGreaterThanOrEqual(1000);
    expect(report.check.missing).toBe(0);
    expect(report.check.wrongStateSamples).toEqual([]);
    expect(report.check.wrongState).toBe(0);
  });

  it('has no duplicate effects and every audit chain verifies', () => {
    expect(report.check.duplicateAuditEntries).toBe(0);
    expect(report.check.duplicateAssignments).toBe(0);
    expect(report.check.duplicateDeliveries).toBe(0);
    expect(report.check.auditChainsFailing).toBe(0);
    expect(report.check.auditEntriesVerified).toBeGreaterThan(2000);
  });

  it('recovers from each fault', () => {
    expect(report.faults.map((f) => f.fault)).toEqual(['kill-intake', 'kill-assessment', 'relay-crash']);
    expect(report.faults.filter((f) => f.recoveryMs === null)).toEqual([]);
    expect(report.failures.filter((f) => f.includes('hook'))).toEqual([]);
  });

  it('answers ≥ 5,000 malformed requests without a 5xx, without writing, with problem+json and field paths', () => {
    expect(report.fuzz.requests).toBeGreaterThanOrEqual(5000);
    expect(report.fuzz.samples).toEqual([]);
    expect(report.fuzz.fiveXx).toBe(0);
    expect(report.fuzz.accepted2xx).toBe(0);
    expect(report.fuzz.notProblemJson).toBe(0);
    expect(report.fuzz.missingFieldPath).toBe(0);
    expect(report.fuzzRowsWritten).toBe(0);
  });
});
