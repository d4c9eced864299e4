/**
 * Schema and role names are interpolated into DDL (they cannot be bind parameters), so only plain lower-case
 * identifiers are accepted: no quoting tricks, no injection.
 */
export function sqlIdent(name: string, what = 'identifier'): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new Error(`invalid SQL ${what} "${name}": use lower-case letters, digits and _ (max 63)`);
  }
  return `"${name}"`;
}
