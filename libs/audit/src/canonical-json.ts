/**
 * Canonical JSON (RFC 8785 / JCS style): object keys sorted by UTF-16 code units at every level, no whitespace,
 * numbers and strings as ECMAScript's JSON.stringify writes them. The same value always gives the same bytes, whatever
 * order its keys were built (or came back from a jsonb column) in — which is what makes a hash over it reproducible.
 */
export function canonicalJson(value: unknown): string {
  const out = write(value, new Set());
  if (out === undefined)
    throw new TypeError('canonicalJson: the value is not representable as JSON (undefined/function/symbol)');
  return out;
}

function write(value: unknown, seen: Set<object>): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      // NaN and ±Infinity would silently become null in JSON.stringify: refuse rather than hash a lie.
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: non-finite number ${value}`);
      return JSON.stringify(value);
    case 'bigint':
      throw new TypeError('canonicalJson: bigint is not JSON; convert it to a string first');
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'object':
      break;
  }
  const obj = value as object;
  const withToJson = obj as { toJSON?: () => unknown };
  if (typeof withToJson.toJSON === 'function') return write(withToJson.toJSON(), seen);
  if (seen.has(obj)) throw new TypeError('canonicalJson: circular structure');
  seen.add(obj);
  try {
    if (Array.isArray(obj)) {
      // Like JSON.stringify: holes and unrepresentable items become null so indexes keep their meaning.
      return `[${obj.map((item: unknown) => write(item, seen) ?? 'null').join(',')}]`;
    }
    const record = obj as Record<string, unknown>;
    const parts: string[] = [];
    for (const key of Object.keys(record).sort()) {
      const v = write(record[key], seen);
      if (v !== undefined) parts.push(`${JSON.stringify(key)}:${v}`);
    }
    return `{${parts.join(',')}}`;
  } finally {
    seen.delete(obj);
  }
}
