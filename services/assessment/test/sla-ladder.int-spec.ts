import { TimerService } from '@outpost/clock';
import { eventually, TEST_INFRA } from '@outpost/testing';
import IORedis from 'ioredis';
import { v7 as uuidv7 } from 'uuid';
import type { SlaPolicy } from '../src/config/sla-policy';
import {
  as,
  type AssessmentView,
  events,
  getAssessment,
  produce,
  registered,
  startHarness,
  type Harness,
} from './support/harness';

jest.setTimeout(180_000);

const START = new Date('2026-03-16T10:00:00+08:00');
const HOUR = 3_600_000;
/** Short, calendar-free durations so the test moves the clock by hours, not working days. */
const POLICY: SlaPolicy = {
  stages: {
    CLAIM: { default: '2h', legalBasis: '[SLA] test' },
    OPINION: { default: '3h', legalBasis: null },
    VERIFICATION: { default: '2h', legalBasis: null },
    DECISION: { default: '2h', legalBasis: null },
  },
  reminderBeforeMinutes: 30,
  ladderInterval: '1h',
  pauseOpinionWhileVerifying: true,
};

describe('assessment: SLA escalation ladder on durable timers', () => {
  let h: Harness;
  let redis: IORedis;

  beforeAll(async () => {
    h = await startHarness('sla', { start: START, slaPolicy: POLICY });
    redis = new IORedis(TEST_INFRA.redisUrl);
  });
  afterAll(async () => {
    await redis?.quit();
    await h?.close();
  });

  const timers = () => h.app.get(TimerService);
  const ladder = (leadId: string) => [
    ...events(h, 'assessment.deadline-reminder.v1', leadId).map(
      (e) => `reminder:${e.step}:${e.notify.map((n) => n.personId).join('+')}`,
    ),
    ...events(h, 'assessment.deadline-breached.v1', leadId).map(
      (e) => `breach:${e.step}:${e.notify.map((n) => n.personId).join('+')}`,
    ),
  ];

  /** Only this file's queue: never FLUSHALL, Redis is shared. */
  async function deleteQueueKeys(): Promise<number> {
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `bull:${h.config.DEADLINE_QUEUE}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) deleted += await redis.del(...keys);
    } while (cursor !== '0');
    return deleted;
  }

  it('reminds, then escalates assignee → partner + street → supervisor exactly once per step through a worker stop, a Redis key wipe and an app restart', async () => {
    const leadId = `lead-${uuidv7()}`;
    await produce(h, 'intake.lead-registered.v1', registered(leadId, 'G-440106001-C01'), leadId);
    const view = await eventually<AssessmentView>(async () => {
      const r = await getAssessment(h, leadId);
      return r.statusCode === 200 ? (r.json() as AssessmentView) : undefined;
    });
    expect(view).toMatchObject({ status: 'ASSIGNED', assigneeId: 'p-volunteer-1', partnerId: 'p-sentinel-1' });
    expect(view.deadlines[0]).toMatchObject({
      stage: 'CLAIM',
      dueAt: new Date(START.getTime() + 2 * HOUR).toISOString(),
    });
    await timers().reconcile(); // enqueue the delayed jobs (the consumer's transaction cannot kick them itself)
    expect((await timers().getQueue().getDelayed()).length).toBeGreaterThan(0);

    // 11:40 — reminder (step 0) to the assignee.
    h.clock.advance(100 * 60_000);
    await timers().reconcile();
    await eventually(() => (ladder(leadId).length === 1 ? true : undefined));
    expect(ladder(leadId)).toEqual(['reminder:0:p-volunteer-1']);

    // Worker "crash": stop the timer service, let the deadline pass, start again — the reconciler fires step 1 once.
    await timers().stop();
    h.clock.advance(25 * 60_000); // 12:05
    await timers().start();
    await eventually(() => (ladder(leadId).length === 2 ? true : undefined));
    expect(ladder(leadId)[1]).toBe('breach:1:p-volunteer-1');

    // Redis loses this queue's keys: nothing is lost, the database drives the next step.
    expect(await deleteQueueKeys()).toBeGreaterThan(0);
    h.clock.advance(HOUR); // 13:05
    await Promise.all([timers().reconcile(), timers().reconcile()]);
    await eventually(() => (ladder(leadId).length === 3 ? true : undefined));
    expect(ladder(leadId)[2]).toBe('breach:2:p-sentinel-1+p-street-1');

    // The whole app restarts (reconciler on start), then time runs well past the last step.
    await h.restart();
    h.clock.advance(HOUR); // 14:05
    await timers().reconcile();
    await eventually(() => (ladder(leadId).length === 4 ? true : undefined));
    expect(ladder(leadId)[3]).toBe('breach:3:p-supervisor-1');
    h.clock.advance(24 * HOUR);
    await timers().reconcile();
    await deleteQueueKeys();
    await timers().reconcile();
    await new Promise((r) => setTimeout(r, 2000));
    expect(ladder(leadId)).toEqual([
      'reminder:0:p-volunteer-1',
      'breach:1:p-volunteer-1',
      'breach:2:p-sentinel-1+p-street-1',
      'breach:3:p-supervisor-1',
    ]);

    const trail = (
      await h.app.inject({
        method: 'GET',
        url: `/v1/audit/leads/${leadId}`,
        headers: { authorization: await as('p-supervisor-1') },
      })
    ).json();
    const sla = trail.entries.filter((e: { action: string }) => e.action.startsWith('sla.'));
    expect(sla.map((e: { action: string }) => e.action)).toEqual([
      'sla.reminder',
      'sla.breached',
      'sla.breached',
      'sla.breached',
    ]);
    expect(
      sla.every(
        (e: { actor: { type: string; name?: string } }) => e.actor.type === 'system' && e.actor.name === 'sla-timer',
      ),
    ).toBe(true);
    // The trail reads as people read it: the stage, the local due time and who was told, by name.
    expect(sla.map((e: { reason: string }) => e.reason)).toEqual([
      '认领期限 2026-03-16 12:00：第 0 级，到期前提醒承办人（通知 志愿者一）',
      '认领期限 2026-03-16 12:00：第 1 级，已超时：提醒承办人（通知 志愿者一）',
      '认领期限 2026-03-16 12:00：第 2 级，已超时：通报结对前哨员与街道防非负责人（通知 前哨员一、沙河街防非负责人）',
      '认领期限 2026-03-16 12:00：第 3 级，已超时：上报区打非办督办（通知 区打非办督办）',
    ]);
    const after = (await getAssessment(h, leadId)).json();
    expect(after.deadlines[0]).toMatchObject({ status: 'BREACHED', step: 3 });
  });

  it('pauses the opinion clock while the sentinel verifies, and a met deadline never breaches', async () => {
    h.clock.set(START);
    const leadId = `lead-${uuidv7()}`;
    await produce(h, 'intake.lead-registered.v1', registered(leadId, 'G-440106002-C01'), leadId);
    await eventually(async () => ((await getAssessment(h, leadId)).statusCode === 200 ? true : undefined));
    const cmd = async (action: string, who: string, payload: object = {}) =>
      (
        await h.app.inject({
          method: 'POST',
          url: `/v1/leads/${leadId}/commands/${action}`,
          headers: { authorization: await as(who) },
          payload,
        })
      ).json();
    await cmd('claim', 'p-volunteer-2'); // opinion due 13:00
    h.clock.advance(HOUR); // 11:00, 2 h left
    const asked = await cmd('request-verification', 'p-volunteer-2', { question: '请核实' });
    h.clock.advance(5 * HOUR); // 16:00: the paused opinion clock must not breach; verification (due 13:00) has
    await timers().reconcile();
    await eventually(() => (events(h, 'assessment.deadline-breached.v1', leadId).length >= 1 ? true : undefined));
    expect(events(h, 'assessment.deadline-breached.v1', leadId).map((e) => e.kind)).toEqual(
      expect.arrayContaining(['VERIFICATION']),
    );
    expect(events(h, 'assessment.deadline-breached.v1', leadId).some((e) => e.kind === 'OPINION')).toBe(false);
    await cmd('answer-verification', 'p-sentinel-2', { requestId: asked.requestId, answer: '已核实' });
    const opinion = (await getAssessment(h, leadId))
      .json()
      .deadlines.find((d: { stage: string; status: string }) => d.stage === 'OPINION');
    expect(opinion).toMatchObject({ status: 'RUNNING', dueAt: new Date(START.getTime() + 8 * HOUR).toISOString() }); // 16:00 + 2 h left
    await cmd('submit-opinion', 'p-volunteer-2', {
      recommendation: 'MONITOR',
      category: 'IF',
      legalBasis: ['《防范和处置非法集资条例》第8条'],
      reasoning: '继续观察',
    });
    h.clock.advance(10 * HOUR);
    await timers().reconcile();
    await new Promise((r) => setTimeout(r, 1500));
    expect(events(h, 'assessment.deadline-breached.v1', leadId).some((e) => e.kind === 'OPINION')).toBe(false);
  });
});
