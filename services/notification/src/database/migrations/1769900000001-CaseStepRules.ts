import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rules for escalation.case-state-changed.v1: the officer a head hands a case to (转办) hears of it, and the heads hear
 * of every request that waits for their approval (a referral to the police, an account query, a seizure: 负责人批准).
 * Inserted for deployments that have rules already; an administrator can change or pause them like any other
 * (PUT /v1/rules/{id}).
 */
const RULES: Array<[string, string, string | null, string[], Record<string, Array<string | boolean>>, string]> = [
  [
    'handler-assigned',
    'PERSON_FIELD',
    'handlerId',
    ['INBOX', 'EMAIL'],
    { action: ['assign-handler'] },
    '转办：新承办人',
  ],
  [
    'approval-requested-supervisors',
    'SUPERVISORS',
    null,
    ['INBOX'],
    { approvalRequested: [true] },
    '待审批（移送、查询账户、查封扣押）：负责人',
  ],
];

export class CaseStepRules1769900000001 implements MigrationInterface {
  name = 'CaseStepRules1769900000001';

  async up(q: QueryRunner): Promise<void> {
    for (const [id, audience, param, channels, condition, description] of RULES)
      await q.query(
        `INSERT INTO rule (id, event_type, audience, audience_param, channels, urgent, digest, condition, description)
         VALUES ($1, 'escalation.case-state-changed.v1', $2, $3, $4, false, false, $5, $6) ON CONFLICT (id) DO NOTHING`,
        [id, audience, param, channels, JSON.stringify(condition), description],
      );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM rule WHERE id = ANY($1::text[])`, [RULES.map((r) => r[0])]);
  }
}
