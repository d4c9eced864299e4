import net from 'node:net';
import { TEST_INFRA } from './infra';

function reachable(hostPort: string): Promise<boolean> {
  const [host, port] = hostPort.split(':');
  return new Promise((resolve) => {
    const s = net.connect({ host, port: Number(port) });
    s.setTimeout(2000);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
    s.once('timeout', () => (s.destroy(), resolve(false)));
  });
}

/** Integration tests need the real infrastructure: fail fast, naming what is missing and how to start it. */
export default async function globalSetup(): Promise<void> {
  const pg = new URL(TEST_INFRA.adminDatabaseUrl);
  const redis = new URL(TEST_INFRA.redisUrl);
  const checks: Array<[string, string, string]> = [
    [
      'PostgreSQL',
      `${pg.hostname}:${pg.port || 5432}`,
      'start it (pg_ctlcluster <version> main start) or set DATABASE_ADMIN_URL',
    ],
    ['Redis', `${redis.hostname}:${redis.port || 6379}`, 'start it (redis-server --daemonize yes) or set REDIS_URL'],
    [
      'Kafka',
      TEST_INFRA.kafkaBrokers[0]!,
      'run `npm run kafka:start` (npm test does this for you) or set KAFKA_BROKERS',
    ],
  ];
  const missing: string[] = [];
  for (const [name, addr, how] of checks) {
    if (!(await reachable(addr))) missing.push(`${name} is not reachable at ${addr}: ${how}`);
  }
  if (missing.length) throw new Error(`Integration tests need real infrastructure:\n- ${missing.join('\n- ')}`);
}
