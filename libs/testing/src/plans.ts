/** One node of an `EXPLAIN (FORMAT JSON)` plan (the fields tests look at). */
export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Plans?: PlanNode[];
}

/**
 * Every node of the plan Postgres makes for `statement` (EXPLAIN without ANALYZE: nothing runs), on the client's own
 * session, so its settings (plan_cache_mode, a transaction's uncommitted rows) apply.
 */
export async function planNodesOf(
  client: { query(text: string): Promise<{ rows: unknown[] }> },
  statement: string,
): Promise<PlanNode[]> {
  const { rows } = await client.query(`EXPLAIN (FORMAT JSON) ${statement}`);
  const all = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(all)];
  return all((rows[0] as { 'QUERY PLAN': Array<{ Plan: PlanNode }> })['QUERY PLAN'][0]!.Plan);
}
