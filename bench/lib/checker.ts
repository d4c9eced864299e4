import { Kafka, logLevel } from 'kafkajs';
import { DataSource } from 'typeorm';
import { verifyAuditLog } from '@outpost/audit';
import { sleep } from './proc';
import type { Stack } from './stack';

/** What the independent checker found, after quiescence. Every `*` count below has goal 0. */
export interface CheckReport {
  acknowledged: number;
  /** Acknowledged (2xx) but absent from intake. */
  missing: number;
  /** Written by intake but never acknowledged to the client (its connection died with the process): informational. */
  writtenNotAcknowledged: number;
  /** Acknowledged leads not in the state their path implies (unique subject on a paired grid: registered, not linked, at
   * intake; ASSIGNED in assessment and in the gateway read model). */
  wrongState: number;
  wrongStateSamples: string[];
  /** Two audit entries for one (lead, action, from, to) in any service's chain. */
  duplicateAuditEntries: number;
  /** A lead with more than one assessment.lead-assigned.v1 event in assessment's outbox. */
  duplicateAssignments: number;
  /** Two delivery rows for one (event, recipient, channel) in notification. */
  duplicateDeliveries: number;
  /** Audit chains failing verification (per schema). */
  auditChainsFailing: number;
  auditEntriesVerified: number;
  /** Transport level (reported, not failed): Kafka messages beyond one per event id, per topic. */
  kafkaRedeliveries: Record<string, number>;
  /** Webhook POSTs the receiver got more than once for one Idempotency-Key (receivers drop repeats by the key). */
  webhookRepeats: number;
  quiescenceMs: number;
}

export const SCHEMAS = ['intake', 'assessment', 'gateway', 'notification', 'escalation'] as const;

async function schemaExists(stack: Stack, s: string): Promise<boolean> {
  return (
    (
      await stack.sql(`SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'audit_log'`, [
        s,
      ])
    ).length > 0
  );
}

/**
 * Waits until nothing moves: every outbox drained and every acknowledged lead ASSIGNED in the read model, or nothing
 * changed for 20 s (a backlog still draining is progress, not loss), or `timeoutMs`. Returns how long it took.
 */
export async function waitForQuiescence(stack: Stack, ackedIds: string[], timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  let last = '';
  let stableSince = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    const parts: string[] = [];
    for (const s of SCHEMAS) {
      if (!(await schemaExists(stack, s))) continue;
      const [r] = await stack.sql<{ n: string }>(`SELECT count(*) AS n FROM ${s}.outbox WHERE sent_at IS NULL`);
      parts.push(`${s}:${r.n}`);
    }
    const [v] = await stack.sql<{ n: string }>(
      `SELECT count(*) AS n FROM gateway.lead_view WHERE status = 'ASSIGNED' AND id = ANY($1)`,
      [ackedIds],
    );
    const pendingOutbox = parts.some((p) => !p.endsWith(':0'));
    const sig = `${parts.join(',')}|${v.n}`;
    if (sig !== last) {
      last = sig;
      stableSince = Date.now();
    }
    if (!pendingOutbox && (Number(v.n) >= ackedIds.length || Date.now() - stableSince > 20_000)) return Date.now() - t0;
    await sleep(500);
  }
  return Date.now() - t0;
}

/** Counts Kafka messages vs distinct envelope ids on every topic of this stack's prefix. */
async function kafkaRedeliveries(stack: Stack): Promise<Record<string, number>> {
  const kafka = new Kafka({
    clientId: `checker-${stack.tag}`,
    brokers: stack.kafkaBrokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const topics = (await admin.listTopics()).filter(
    (t) => t.startsWith(stack.prefix) && !t.endsWith('.dlq') && !t.includes('bench.hop'),
  );
  const ends = new Map<string, number>();
  for (const t of topics) {
    const offs = await admin.fetchTopicOffsets(t);
    ends.set(
      t,
      offs.reduce((n, o) => n + Number(o.high), 0),
    );
  }
  await admin.disconnect();
  const want = [...ends.values()].reduce((a, b) => a + b, 0);
  const total = new Map<string, number>();
  const ids = new Map<string, Set<string>>();
  if (want === 0) return {};
  const consumer = kafka.consumer({ groupId: `checker-${stack.tag}-${Date.now()}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  let seen = 0;
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      seen++;
      total.set(topic, (total.get(topic) ?? 0) + 1);
      let id = '';
      try {
        id = (JSON.parse(message.value?.toString() ?? '{}') as { id?: string }).id ?? '';
      } catch {
        id = `unparsable-${seen}`;
      }
      if (!ids.has(topic)) ids.set(topic, new Set());
      ids.get(topic)!.add(id);
    },
  });
  const deadline = Date.now() + 30_000;
  while (seen < want && Date.now() < deadline) await sleep(100);
  await consumer.disconnect();
  const out: Record<string, number> = {};
  for (const [t, n] of total) out[t.slice(stack.prefix.length)] = n - (ids.get(t)?.size ?? 0);
  return out;
}

export async function check(
  stack: Stack,
  acked: Map<string, number>,
  webhookKeys: Map<string, number> | null,
  quiescenceMs: number,
): Promise<CheckReport> {
  const ids = [...acked.keys()];
  const present = new Set((await stack.sql<{ id: string }>(`SELECT id::text AS id FROM intake.lead`)).map((r) => r.id));
  const missing = ids.filter((id) => !present.has(id)).length;
  const ackedSet = new Set(ids);
  const writtenNotAcknowledged = [...present].filter((id) => !ackedSet.has(id)).length;

  const states = await stack.sql<{
    id: string;
    intake: string | null;
    assessment: string | null;
    view: string | null;
    assignee: string | null;
  }>(
    `SELECT l.id::text AS id, CASE WHEN s.id IS NULL THEN NULL WHEN s.primary_lead_id IS NULL THEN 'REPORTED' ELSE 'LINKED' END AS intake, a.status AS assessment, v.status AS view, v.assignee_id AS assignee
       FROM unnest($1::text[]) AS l(id)
       LEFT JOIN intake.lead s ON s.id::text = l.id
       LEFT JOIN assessment.assessment a ON a.lead_id = l.id
       LEFT JOIN gateway.lead_view v ON v.id = l.id`,
    [ids],
  );
  const wrong = states.filter(
    (s) => s.intake !== 'REPORTED' || s.assessment !== 'ASSIGNED' || s.view !== 'ASSIGNED' || !s.assignee,
  );

  let duplicateAuditEntries = 0;
  let auditChainsFailing = 0;
  let auditEntriesVerified = 0;
  const ds = new DataSource({ type: 'postgres', url: stack.dbUrl() });
  await ds.initialize();
  try {
    for (const s of SCHEMAS) {
      if (!(await schemaExists(stack, s))) continue;
      const d =
        await stack.sql(`SELECT lead_id, action, from_state, to_state FROM ${s}.audit_log WHERE lead_id IS NOT NULL
        GROUP BY lead_id, action, from_state, to_state HAVING count(*) > 1`);
      duplicateAuditEntries += d.length;
      const v = await verifyAuditLog(ds, s, []);
      auditEntriesVerified += v.entriesChecked;
      if (!v.ok) auditChainsFailing++;
    }
  } finally {
    await ds.destroy();
  }
  const dupAssign = await stack.sql(
    `SELECT key FROM assessment.outbox WHERE topic LIKE '%assessment.lead-assigned.v1' GROUP BY key HAVING count(*) > 1`,
  );
  let duplicateDeliveries = 0;
  if (await schemaExists(stack, 'notification')) {
    duplicateDeliveries = (
      await stack.sql(`SELECT 1 FROM notification.delivery GROUP BY event_id, recipient, channel HAVING count(*) > 1`)
    ).length;
  }
  return {
    acknowledged: ids.length,
    missing,
    writtenNotAcknowledged,
    wrongState: wrong.length,
    wrongStateSamples: wrong
      .slice(0, 5)
      .map((w) => `${w.id}: intake=${w.intake} assessment=${w.assessment} view=${w.view} assignee=${w.assignee}`),
    duplicateAuditEntries,
    duplicateAssignments: dupAssign.length,
    duplicateDeliveries,
    auditChainsFailing,
    auditEntriesVerified,
    kafkaRedeliveries: await kafkaRedeliveries(stack),
    webhookRepeats: webhookKeys ? [...webhookKeys.values()].filter((n) => n > 1).length : 0,
    quiescenceMs,
  };
}
