/**
 * `npm run faults [-- --ci]`: posts leads while injecting one fault at a time (native processes), then an independent
 * checker counts losses, wrong states, duplicate effects and broken audit chains; a fast-check fuzzer sends malformed
 * requests. Writes bench/results/faults-<time>.json and bench/results/faults-summary.md; exits 1 on any failure.
 *
 * Dangerous faults on this shared machine are opt-in: Postgres restart only in full mode with FAULTS_ALLOW_PG_RESTART=1.
 * Redis and Kafka faults use a private redis-server and a private broker (on free ports), never the shared ones;
 * both are killed when the driver exits, however it exits.
 */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runFaultSuite, type FaultName, type FaultSuiteReport } from './lib/fault-suite';
import { REPO_ROOT } from './lib/proc';
import { machineLoad } from './lib/report';

const CI = process.argv.includes('--ci');

export function faultsMarkdown(
  r: FaultSuiteReport,
  load: { before: ReturnType<typeof machineLoad>; after: ReturnType<typeof machineLoad> },
): string {
  const c = r.check;
  const goal = (n: number) => (n === 0 ? 'ok' : '**FAIL**');
  return [
    `# Fault suite (${r.mode} mode, ${new Date().toISOString()})`,
    '',
    `Machine: ${load.before.cpus} cores shared with other engineers; load average ${load.before.loadavg1} before, ${load.after.loadavg1} after. Took ${r.durationSec} s.`,
    `Reproduce: \`npm run faults${r.mode === 'ci' ? ' -- --ci' : ''}\` (full mode adds the Postgres restart only with FAULTS_ALLOW_PG_RESTART=1).`,
    '',
    '## Faults (one at a time, under load)',
    '',
    '| fault | recovery (fault → a new lead ASSIGNED in the read model) | note |',
    '|---|---|---|',
    ...r.faults.map(
      (f) =>
        `| ${f.fault} | ${f.recoveryMs === null ? 'none within 120 s' : `${(f.recoveryMs / 1000).toFixed(1)} s`} | ${f.note} |`,
    ),
    '',
    '## Checker (after quiescence)',
    '',
    '| count | value | goal |',
    '|---|---|---|',
    `| leads sent / acknowledged (2xx) | ${r.leadsSent} / ${c.acknowledged} | |`,
    `| acknowledged but missing | ${c.missing} | 0 ${goal(c.missing)} |`,
    `| not in the state their path implies (REPORTED → ASSIGNED everywhere) | ${c.wrongState} | 0 ${goal(c.wrongState)} |`,
    `| duplicate audit entries (lead, action, from, to) | ${c.duplicateAuditEntries} | 0 ${goal(c.duplicateAuditEntries)} |`,
    `| duplicate assignments (lead-assigned events per lead > 1) | ${c.duplicateAssignments} | 0 ${goal(c.duplicateAssignments)} |`,
    `| duplicate deliveries (event, recipient, channel) | ${c.duplicateDeliveries} | 0 ${goal(c.duplicateDeliveries)} |`,
    `| audit chains failing verification (${c.auditEntriesVerified} entries verified) | ${c.auditChainsFailing} | 0 ${goal(c.auditChainsFailing)} |`,
    `| written but never acknowledged (response lost with the killed process) | ${c.writtenNotAcknowledged} | reported |`,
    `| transport redeliveries: Kafka messages beyond one per event id | ${
      Object.entries(c.kafkaRedeliveries)
        .filter(([, n]) => n > 0)
        .map(([t, n]) => `${t}: ${n}`)
        .join(', ') || '0'
    } | reported |`,
    `| transport redeliveries: webhook POSTs repeated with the same Idempotency-Key | ${c.webhookRepeats} | reported |`,
    `| time to quiescence | ${(c.quiescenceMs / 1000).toFixed(1)} s | |`,
    '',
    '## Fuzzer (fast-check, from the OpenAPI documents)',
    '',
    `${r.fuzz.requests} malformed requests: ${Object.entries(r.fuzz.perEndpoint)
      .map(([e, n]) => `${e} ${n}`)
      .join(', ')}.`,
    `Statuses: ${Object.entries(r.fuzz.statuses)
      .map(([s, n]) => `${s}×${n}`)
      .join(', ')}.`,
    '',
    '| count | value | goal |',
    '|---|---|---|',
    `| responses ≥ 500 | ${r.fuzz.fiveXx} | 0 ${goal(r.fuzz.fiveXx)} |`,
    `| malformed requests accepted (2xx) | ${r.fuzz.accepted2xx} | 0 ${goal(r.fuzz.accepted2xx)} |`,
    `| rows written | ${r.fuzzRowsWritten} | 0 ${goal(r.fuzzRowsWritten)} |`,
    `| errors not application/problem+json | ${r.fuzz.notProblemJson} | 0 ${goal(r.fuzz.notProblemJson)} |`,
    `| broken field without a path in errors[] | ${r.fuzz.missingFieldPath} | 0 ${goal(r.fuzz.missingFieldPath)} |`,
    '',
    r.fuzz.samples.length ? `Samples:\n${r.fuzz.samples.map((s) => `- ${s}`).join('\n')}\n` : '',
    r.pgDownAnswers.length ? `While Postgres was down intake answered: ${JSON.stringify(r.pgDownAnswers)}\n` : '',
    r.failures.length ? `## Failures\n\n${r.failures.map((f) => `- ${f}`).join('\n')}\n` : '**All goals met.**\n',
  ].join('\n');
}

async function main(): Promise<void> {
  const before = machineLoad();
  const faults: FaultName[] = CI
    ? ['kill-intake', 'kill-assessment', 'relay-crash']
    : [
        'kill-intake',
        'kill-assessment',
        'kill-gateway',
        'kill-notification',
        'kill-escalation',
        'relay-crash',
        'kafka-restart',
        'redis-restart',
      ];
  if (!CI && process.env.FAULTS_ALLOW_PG_RESTART === '1') faults.push('postgres-restart');
  const report = await runFaultSuite({
    mode: CI ? 'ci' : 'full',
    leads: Number(process.env.FAULTS_LEADS ?? (CI ? 1000 : 20000)),
    rate: Number(process.env.FAULTS_RATE ?? (CI ? 8 : 40)),
    faults,
    fuzzRequests: Number(process.env.FAULTS_FUZZ ?? (CI ? 5000 : 12000)),
    services: CI
      ? ['intake', 'assessment', 'gateway', 'notification']
      : ['intake', 'assessment', 'gateway', 'notification', 'escalation'],
  });
  const after = machineLoad();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = join(REPO_ROOT, 'bench', 'results');
  writeFileSync(join(dir, `faults-${stamp}.json`), JSON.stringify({ load: { before, after }, ...report }, null, 2));
  const md = faultsMarkdown(report, { before, after });
  writeFileSync(join(dir, 'faults-summary.md'), md);
  process.stdout.write(`${md}\n`);
  process.exit(report.failures.length ? 1 : 0);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
