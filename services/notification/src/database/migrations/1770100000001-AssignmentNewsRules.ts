import type { MigrationInterface, QueryRunner } from 'typeorm';

type Condition = Record<string, Array<string | boolean>>;

/** A new holder: triage routed the lead (again, after a reopen) or a supervisor gave it to someone. */
const NEW_HOLDER = ['ROUTED', 'REASSIGNED', 'REOPENED'];

/**
 * assessment.lead-assigned.v1 is published on every change of a lead's holder (ASSIGNMENT_REASONS in
 * @outpost/contracts), also when the volunteer claims the lead that was already theirs (CLAIMED), releases it
 * (RELEASED) or gets an opinion back (RETURNED). The seeded rules announced every one of them as a new assignment: the
 * pair's sentinel got 「新线索 … 已分派」 a second time, with the opinion deadline, on each claim. Each rule now names
 * the reasons that are news to its audience; the street pool also hears of a lead released back to it.
 * Only a rule still as seeded is changed: an administrator's own condition (PUT /v1/rules/{id}) is left alone.
 */
const CHANGES: Array<[id: string, seeded: [Condition, string], now: [Condition, string]]> = [
  ['assigned-assignee', [{}, '线索分派：承办人'], [{ reason: NEW_HOLDER }, '线索分派、改派、重新打开后分派：承办人']],
  [
    'assigned-assignee-priority',
    [{ priority: [true] }, '优先线索分派：承办人短信'],
    [{ priority: [true], reason: NEW_HOLDER }, '优先线索分派、改派：承办人短信'],
  ],
  [
    'assigned-partner',
    [{}, '线索分派：结对伙伴'],
    [{ reason: NEW_HOLDER }, '线索分派、改派、重新打开后分派：结对伙伴'],
  ],
  [
    'assigned-street-pool',
    [{ pool: ['STREET'] }, '进入街道池：街道防非负责人'],
    [{ pool: ['STREET'], reason: ['ROUTED', 'RELEASED', 'REOPENED'] }, '进入街道池（分派、退回队列）：街道防非负责人'],
  ],
];

export class AssignmentNewsRules1770100000001 implements MigrationInterface {
  name = 'AssignmentNewsRules1770100000001';

  async up(q: QueryRunner): Promise<void> {
    for (const [id, from, to] of CHANGES) await change(q, id, from, to);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [id, seeded, now] of CHANGES) await change(q, id, now, seeded);
  }
}

/** Sets `to` on the rule if its condition is still `from` (the description follows only if it was not edited). */
async function change(q: QueryRunner, id: string, from: [Condition, string], to: [Condition, string]): Promise<void> {
  await q.query(
    `UPDATE rule SET condition = $4::jsonb, description = CASE WHEN description = $3 THEN $5 ELSE description END,
       updated_at = now()
     WHERE id = $1 AND condition = $2::jsonb`,
    [id, JSON.stringify(from[0]), from[1], JSON.stringify(to[0]), to[1]],
  );
}
