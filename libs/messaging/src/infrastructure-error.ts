/**
 * Tells infrastructure failures (the database or broker is unreachable or restarting) from handler failures.
 * Infrastructure failures are never dead-lettered: the message is fine, the world is not, so we wait and retry.
 */

/** Node socket errors meaning "could not reach / lost the peer". */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
]);

/** SQLSTATE codes (classes 08, 53, 57P0x and the retryable 40xxx) that say nothing about the message itself. */
function isTransientSqlState(code: string): boolean {
  return (
    code.startsWith('08') || // connection exception
    code.startsWith('53') || // insufficient resources (too many connections, disk full)
    code === '57P01' || // admin_shutdown
    code === '57P02' || // crash_shutdown
    code === '57P03' || // cannot_connect_now (starting up / recovering)
    code === '40001' || // serialization_failure
    code === '40P01' // deadlock_detected
  );
}

const MESSAGE_PATTERNS = [
  /connection terminated/i,
  /connection (is )?closed/i,
  /client has encountered a connection error/i,
  /client was closed and is not queryable/i,
  /timeout exceeded when trying to connect/i,
  /cannot use a pool after calling end/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
  /terminating connection due to administrator command/i,
  /Connection is not established/i,
];

function* causes(err: unknown): Generator<unknown> {
  const seen = new Set<unknown>();
  let cur: unknown = err;
  while (cur && typeof cur === 'object' && !seen.has(cur)) {
    seen.add(cur);
    yield cur;
    const o = cur as { driverError?: unknown; cause?: unknown; originalError?: unknown };
    // TypeORM wraps the pg error in QueryFailedError.driverError; kafkajs uses originalError; Node uses cause.
    cur = o.driverError ?? o.cause ?? o.originalError;
  }
  if (typeof err === 'string') yield err;
}

/** True when `err` (or anything it wraps) is a connectivity/availability failure of Postgres or Kafka. */
export function isInfrastructureError(err: unknown): boolean {
  for (const e of causes(err)) {
    if (typeof e === 'string') return MESSAGE_PATTERNS.some((p) => p.test(e));
    const o = e as { code?: unknown; message?: unknown; name?: unknown; retriable?: unknown };
    if (typeof o.code === 'string' && (NETWORK_CODES.has(o.code) || isTransientSqlState(o.code))) return true;
    if (typeof o.message === 'string' && MESSAGE_PATTERNS.some((p) => p.test(o.message as string))) return true;
    // kafkajs marks broker-side transient failures as retriable (leader moving, broker down, request timed out).
    if (typeof o.name === 'string' && o.name.startsWith('KafkaJS') && o.retriable === true) return true;
    if (
      o.name === 'KafkaJSConnectionError' ||
      o.name === 'KafkaJSNumberOfRetriesExceeded' ||
      o.name === 'KafkaJSRequestTimeoutError'
    )
      return true;
  }
  return false;
}
