const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Quotes a schema or role name after checking it is a plain lower-case identifier (they are spliced into SQL). */
export function quoteIdent(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`not a plain SQL identifier: ${JSON.stringify(name)}`);
  return `"${name}"`;
}

/** The LISTEN/NOTIFY channel on which a schema's outbox announces new rows. */
export function outboxChannel(schema: string): string {
  quoteIdent(schema);
  return `outpost_outbox_${schema}`;
}
