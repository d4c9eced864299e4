/**
 * `npm run audit:verify`: verifies the audit log of every service schema present in the database, against the
 * checkpoints each service published to Kafka, prints a table and exits non-zero on any break.
 *
 *   DATABASE_ADMIN_URL   default postgres://postgres@127.0.0.1:5432/outpost
 *   KAFKA_BROKERS        default 127.0.0.1:9092          KAFKA_TOPIC_PREFIX  default ''
 *   --no-kafka           verify hash links only (cannot detect a whole-table rewrite or a wound-back tail)
 *
 * Exit codes: 0 all clean, 1 a chain is broken, 2 verification could not run (database or Kafka unreachable).
 */
import 'reflect-metadata';
import { type AuditCheckpointV1, SERVICE_NAMES, type ServiceName } from '@outpost/contracts';
import { DataSource } from 'typeorm';
import { readCheckpointsFromKafka } from '../audit-checkpoint';
import { type VerifyReport, verifyAuditLog } from '../verify-audit-log';

export interface VerifyAllOptions {
  databaseUrl: string;
  kafka: null | { brokers: string[]; topicPrefix: string };
  services?: readonly ServiceName[];
}

export interface ServiceVerifyResult {
  service: ServiceName;
  report: VerifyReport | null; // null: no audit log in this database
  checkpoints: number | null; // null: Kafka not consulted
}

export async function verifyAll(o: VerifyAllOptions): Promise<ServiceVerifyResult[]> {
  const ds = new DataSource({
    type: 'postgres',
    url: o.databaseUrl,
    synchronize: false,
    applicationName: 'outpost-audit-verify',
  });
  await ds.initialize();
  try {
    const results: ServiceVerifyResult[] = [];
    for (const service of o.services ?? SERVICE_NAMES) {
      const present: unknown[] = await ds.query(
        `SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name IN ('audit_log', 'audit_head') HAVING count(*) = 2`,
        [service],
      );
      if (present.length === 0) {
        results.push({ service, report: null, checkpoints: null });
        continue;
      }
      const checkpoints: AuditCheckpointV1[] = o.kafka
        ? await readCheckpointsFromKafka({ brokers: o.kafka.brokers, topicPrefix: o.kafka.topicPrefix, service })
        : [];
      results.push({
        service,
        report: await verifyAuditLog(ds, service, checkpoints),
        checkpoints: o.kafka ? checkpoints.length : null,
      });
    }
    return results;
  } finally {
    await ds.destroy();
  }
}

export function formatResults(results: ServiceVerifyResult[]): string {
  const rows = results.map((r) => {
    const b = r.report?.firstBreak;
    return [
      r.service,
      r.report ? (r.report.ok ? 'OK' : 'BROKEN') : 'absent',
      r.report ? String(r.report.entriesChecked) : '-',
      r.report ? String(r.report.chains) : '-',
      r.checkpoints === null ? (r.report ? 'not read' : '-') : `${r.report?.checkpointsChecked ?? 0}/${r.checkpoints}`,
      r.report ? `${Math.round(r.report.durationMs)}` : '-',
      b ? `chain ${b.chain} seq ${b.seq}: ${b.reason}` : '',
    ];
  });
  const header = ['service', 'status', 'entries', 'chains', 'checkpoints', 'ms', 'first break'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const useKafka = !argv.includes('--no-kafka');
  const results = await verifyAll({
    databaseUrl: env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/outpost',
    kafka: useKafka
      ? {
          brokers: (env.KAFKA_BROKERS ?? '127.0.0.1:9092')
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
          topicPrefix: env.KAFKA_TOPIC_PREFIX ?? '',
        }
      : null,
  });
  process.stdout.write(`${formatResults(results)}\n`);
  if (!useKafka) process.stdout.write('(checkpoints not consulted: a whole-table rewrite would not be detected)\n');
  if (results.every((r) => r.report === null)) process.stdout.write('no audit log found in any service schema\n');
  return results.some((r) => r.report && !r.report.ok) ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`audit:verify could not run: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(2);
    },
  );
}
