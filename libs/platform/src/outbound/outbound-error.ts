/**
 * A failure a retry cannot fix (request refused as invalid, mailbox unknown, endpoint gone): the caller stops retrying
 * and records the reason. Any other error from an outbound client is worth retrying (timeouts, 5xx, 429).
 */
export class PermanentSendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentSendError';
  }
}

/** HTTP status → retry? 408/425/429 and 5xx are worth retrying; other 4xx will not get better by themselves. */
export function httpFailure(what: string, status: number, text: string): Error {
  const msg = `${what} answered HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ''}`;
  return status >= 400 && status < 500 && ![408, 425, 429].includes(status)
    ? new PermanentSendError(msg)
    : new Error(msg);
}

/**
 * An outbound failure in one line for the record an operator reads, with its causes: `TypeError: fetch failed` alone
 * does not say that the connection was refused or the name did not resolve; its `cause` does. Errors are recognised by
 * shape: Node's own (fetch's) come from another realm under Jest, where `instanceof Error` is false.
 */
export function failureText(err: unknown, max = 1000): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 4; depth++) {
    const error = errorLike(e);
    parts.push(error ? `${error.name}: ${error.message}` : String(e));
    e = error?.cause;
  }
  return parts
    .join(' (cause: ')
    .concat(')'.repeat(parts.length - 1))
    .slice(0, max);
}

function errorLike(e: unknown): { name: string; message: string; cause?: unknown } | null {
  return typeof e === 'object' && e !== null && typeof (e as Error).message === 'string'
    ? { name: String((e as Error).name ?? 'Error'), message: (e as Error).message, cause: (e as Error).cause }
    : null;
}
