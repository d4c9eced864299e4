import { TEST_INFRA, uniqueTopicPrefix } from '@outpost/testing';
import { formatResults, verifyAll } from '../src/cli/verify-all';
import { type AuditTestDb, migrate, openAuditTestDb, seed, tamper } from './audit-fixture';

describe(verifyAll.name, () => {
  let t: AuditTestDb;

  beforeAll(async () => {
    t = await openAuditTestDb('audit_verify_all');
    await seed(t, await migrate(t, 'intake', 2), 12);
    const escalation = await migrate(t, 'escalation', 2);
    const [first] = await seed(t, escalation, 12);
    await tamper(t, 'escalation', async (q) => {
      await q(`DELETE FROM escalation.audit_log WHERE chain = $1 AND seq = 3`, [first!.chain]);
    });
  }, 30_000);
  afterAll(async () => {
    await t.close();
  });

  it('verifies every service schema present, skips the missing ones, and shows the first break in a table', async () => {
    const sut = await verifyAll({
      databaseUrl: t.db.adminUrl,
      kafka: { brokers: TEST_INFRA.kafkaBrokers, topicPrefix: uniqueTopicPrefix('audit') },
    });
    const byService = Object.fromEntries(sut.map((r) => [r.service, r]));
    expect(byService.intake!.report).toMatchObject({ ok: true, entriesChecked: 12 });
    expect(byService.intake!.checkpoints).toBe(0);
    expect(byService.escalation!.report).toMatchObject({
      ok: false,
      firstBreak: { seq: 3, reason: 'seq gap: entry deleted' },
    });
    expect(byService.assessment!.report).toBeNull();
    const table = formatResults(sut);
    expect(table).toMatch(/^service\s+status\s+entries/);
    expect(table).toMatch(/intake\s+OK\s+12/);
    expect(table).toMatch(/escalation\s+BROKEN.*seq 3: seq gap: entry deleted/);
    expect(table).toMatch(/gateway\s+absent/);
  }, 30_000);
});
