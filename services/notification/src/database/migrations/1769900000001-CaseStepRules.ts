import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rules for escalation.case-state-changed.v1: the officer a head hands a case to (转办) hears of it, and the heads hear
 * of a referral to the police waiting for their approval (移送 needs 负责人批准). Inserted for deployments that have
 * rules already; an administrator can change or pause them like any other (PUT /v1/rules/{id}).
 */
const RULES: Array<[string, string, string | null, string[], Record<string, string[]>, string]> = [
  [
    'handler-assigned',
    'PERSON_FIELD',
    'handlerId',
    ['INBOX', 'EMAIL'],
    { action: ['assign-handler'] },
    '转办：新承办人',
  ],
  [
    'referral-approval-supervisors',
    'SUPERVISORS',
    null,
    ['INBOX'],
    { to: ['REFERRAL_PENDING_APPROVAL'], action: ['case-opened', 'case-rerouted', 'refer-police'] },
    '移送待审批：督办',
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
