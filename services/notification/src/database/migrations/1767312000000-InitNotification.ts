import type { MigrationInterface, QueryRunner } from 'typeorm';
import { auditMigration } from '@outpost/audit';
import { messagingMigration } from '@outpost/messaging';
import { runtimeRoleOf, schemaOf } from '@outpost/platform';

/** A seed rule: who hears of an event type, by which channels. Rules are data: admins change them via /v1/rules. */
type SeedRule = [id: string, eventType: string, audience: string, param: string | null, channels: string[], urgent: boolean, digest: boolean, condition: object, description: string];

const ALL_PEOPLE = ['INBOX', 'EMAIL'];
const URGENT = ['INBOX', 'EMAIL', 'SMS'];

const SEED_RULES: SeedRule[] = [
  ['registered-source', 'intake.lead-registered.v1', 'SOURCE_SYSTEM', null, ['WEBHOOK'], false, false, {}, '线索已受理：回调来源系统'],
  ['linked-assignee', 'intake.lead-linked.v1', 'ASSIGNEE', null, ['INBOX'], false, false, {}, '新的反映并入在办线索：告知承办人'],
  ['evidence-assignee', 'intake.evidence-added.v1', 'ASSIGNEE', null, ['INBOX', 'EMAIL'], false, true, {}, '新增证据：承办人站内信 + 每日汇总邮件'],
  ['triaged-red-supervisors', 'assessment.lead-triaged.v1', 'SUPERVISORS', null, URGENT, true, false, { band: ['red'] }, '红色线索：督办即时提醒'],
  ['assigned-assignee', 'assessment.lead-assigned.v1', 'ASSIGNEE', null, ALL_PEOPLE, false, false, {}, '线索分派：承办人'],
  ['assigned-assignee-priority', 'assessment.lead-assigned.v1', 'ASSIGNEE', null, ['SMS'], true, false, { priority: [true] }, '优先线索分派：承办人短信'],
  ['assigned-partner', 'assessment.lead-assigned.v1', 'PAIR_PARTNER', null, ['INBOX'], false, false, {}, '线索分派：结对伙伴'],
  ['assigned-street-pool', 'assessment.lead-assigned.v1', 'STREET_RESPONSIBLE', null, ALL_PEOPLE, false, false, { pool: ['STREET'] }, '进入街道池：街道防非负责人'],
  ['verification-asked', 'assessment.verification-requested.v1', 'PERSON_FIELD', 'askedOf', ALL_PEOPLE, false, false, {}, '核实请求：被询问人'],
  ['verification-answered', 'assessment.verification-answered.v1', 'ASSIGNEE', null, ['INBOX'], false, false, {}, '核实已答复：承办人'],
  ['opinion-officers', 'assessment.opinion-submitted.v1', 'ROLE', 'OFFICER', ['INBOX', 'EMAIL'], false, true, {}, '专业意见已提交：区打非联办（邮件进每日汇总）'],
  ['decided-assignee', 'assessment.lead-decided.v1', 'ASSIGNEE', null, ['INBOX'], false, false, {}, '认定结果：承办人'],
  ['decided-partner', 'assessment.lead-decided.v1', 'PAIR_PARTNER', null, ['INBOX'], false, false, {}, '认定结果：结对伙伴'],
  ['decided-source', 'assessment.lead-decided.v1', 'SOURCE_SYSTEM', null, ['WEBHOOK'], false, false, {}, '认定结果：回调来源系统（状态）'],
  ['transitioned-assignee', 'assessment.lead-transitioned.v1', 'ASSIGNEE', null, ['INBOX'], false, false, {}, '流转：承办人站内信'],
  ['reminder-notify', 'assessment.deadline-reminder.v1', 'NOTIFY_LIST', null, ALL_PEOPLE, false, false, {}, '期限提醒'],
  ['breach-notify', 'assessment.deadline-breached.v1', 'NOTIFY_LIST', null, URGENT, true, false, {}, '超期：阶梯上的人'],
  ['breach-supervisors', 'assessment.deadline-breached.v1', 'SUPERVISORS', null, URGENT, true, false, {}, '超期：督办'],
  ['alerted-notify', 'assessment.lead-alerted.v1', 'NOTIFY_LIST', null, URGENT, true, false, {}, '预警：指定人员'],
  ['alerted-supervisors', 'assessment.lead-alerted.v1', 'SUPERVISORS', null, URGENT, true, false, { band: ['red'] }, '红色预警：督办'],
  ['case-opened-source', 'escalation.case-opened.v1', 'SOURCE_SYSTEM', null, ['WEBHOOK'], false, false, {}, '进入处置：回调来源系统（状态）'],
  ['case-opened-street', 'escalation.case-opened.v1', 'STREET_RESPONSIBLE', null, ['INBOX'], false, false, {}, '进入处置：街道防非负责人'],
  ['action-street', 'escalation.action-recorded.v1', 'STREET_RESPONSIBLE', null, ['INBOX', 'EMAIL'], false, true, {}, '处置措施：街道（邮件进每日汇总）'],
  ['upstream-supervisors', 'escalation.reported-upstream.v1', 'SUPERVISORS', null, ['INBOX'], false, false, {}, '已上报：督办'],
  ['upstream-ack-supervisors', 'escalation.upstream-acknowledged.v1', 'SUPERVISORS', null, ['INBOX'], false, false, {}, '上级已签收：督办'],
  ['esc-breach-notify', 'escalation.deadline-breached.v1', 'NOTIFY_LIST', null, URGENT, true, false, {}, '处置超期：阶梯上的人'],
  ['esc-breach-supervisors', 'escalation.deadline-breached.v1', 'SUPERVISORS', null, URGENT, true, false, {}, '处置超期：督办'],
  ['closed-source', 'escalation.lead-closed.v1', 'SOURCE_SYSTEM', null, ['WEBHOOK'], false, false, {}, '办结：回调来源系统（结果）'],
  ['closed-reporter', 'escalation.lead-closed.v1', 'REPORTER', null, ['INTAKE_RELAY'], false, false, {}, '办结：经 intake 反馈可联系的举报人（仅反馈文本）'],
  ['closed-assignee', 'escalation.lead-closed.v1', 'ASSIGNEE', null, ['INBOX'], false, false, {}, '办结：承办人'],
  ['closed-street', 'escalation.lead-closed.v1', 'STREET_RESPONSIBLE', null, ['INBOX'], false, false, {}, '办结：街道防非负责人'],
  ['reopened-source', 'escalation.lead-reopened.v1', 'SOURCE_SYSTEM', null, ['WEBHOOK'], false, false, {}, '重新打开：回调来源系统（状态）'],
  ['reopened-assignee', 'escalation.lead-reopened.v1', 'ASSIGNEE', null, ['INBOX', 'EMAIL'], false, false, {}, '重新打开：承办人'],
  ['reopened-supervisors', 'escalation.lead-reopened.v1', 'SUPERVISORS', null, ['INBOX'], false, false, {}, '重新打开：督办'],
  ['delivery-failed-operators', 'notification.delivery-failed.v1', 'ROLE', 'OPERATOR', ['INBOX'], false, false, {}, '通知投递失败：运维站内信'],
];

/** Rules, contacts (copied from roster events), lead routing facts, webhook endpoints, deliveries and inbox items. */
export class InitNotification1767312000000 implements MigrationInterface {
  name = 'InitNotification1767312000000';

  async up(q: QueryRunner): Promise<void> {
    const schema = schemaOf(q);
    const role = runtimeRoleOf(q);
    for (const sql of messagingMigration(schema, role).up) await q.query(sql);
    for (const sql of auditMigration(schema, role).up) await q.query(sql);
    const ddl = [
      `CREATE TABLE contact (
        person_id    text PRIMARY KEY,
        name         text NOT NULL,
        email        text,
        phone        text,
        roles        text[] NOT NULL DEFAULT '{}',
        street_codes text[] NOT NULL DEFAULT '{}',
        grid_ids     text[] NOT NULL DEFAULT '{}',
        active       boolean NOT NULL DEFAULT true,
        locale       text NOT NULL DEFAULT 'zh-CN' CHECK (locale IN ('zh-CN', 'en')),
        updated_at   timestamptz NOT NULL DEFAULT now()
      )`,
      `COMMENT ON TABLE contact IS 'Copy of the roster (assessment.roster-changed.v1): who can be reached how; locale is the person''s own preference'`,
      `CREATE TABLE pairing (
        id           text PRIMARY KEY,
        volunteer_id text NOT NULL,
        sentinel_id  text NOT NULL,
        grid_ids     text[] NOT NULL DEFAULT '{}',
        status       text NOT NULL,
        updated_at   timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE TABLE lead_ref (
        lead_id               text PRIMARY KEY,
        reference             text,
        source_id             text,
        source_channel        text,
        street_code           text,
        grid_ids              text[] NOT NULL DEFAULT '{}',
        band                  text,
        assignee_id           text,
        partner_id            text,
        filed_by              text,
        reporter_contactable  boolean NOT NULL DEFAULT false,
        status                text,
        updated_at            timestamptz NOT NULL DEFAULT now()
      )`,
      `COMMENT ON TABLE lead_ref IS 'What notification needs to route and address a lead: public reference, source, place, assignee. Never reporter identity.'`,
      `CREATE TABLE rule (
        id             text PRIMARY KEY,
        event_type     text NOT NULL,
        audience       text NOT NULL CHECK (audience IN ('ASSIGNEE','PAIR_PARTNER','STREET_RESPONSIBLE','SUPERVISORS','NOTIFY_LIST','SOURCE_SYSTEM','REPORTER','FILER','PERSON_FIELD','ROLE')),
        audience_param text,
        channels       text[] NOT NULL,
        urgent         boolean NOT NULL DEFAULT false,
        digest         boolean NOT NULL DEFAULT false,
        condition      jsonb NOT NULL DEFAULT '{}'::jsonb,
        active         boolean NOT NULL DEFAULT true,
        description    text NOT NULL DEFAULT '',
        updated_at     timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE INDEX rule_event_type_idx ON rule (event_type) WHERE active`,
      `CREATE TABLE webhook_endpoint (
        id          uuid PRIMARY KEY,
        source_id   text NOT NULL UNIQUE,
        url         text NOT NULL,
        key_id      text NOT NULL,
        secret_enc  text NOT NULL,
        active      boolean NOT NULL DEFAULT true,
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`,
      `COMMENT ON COLUMN webhook_endpoint.secret_enc IS 'HMAC secret, AES-256-GCM sealed with ENCRYPTION_KEY (v1.<iv>.<tag>.<ct>)'`,
      `CREATE TABLE delivery (
        id            uuid PRIMARY KEY,
        event_id      uuid NOT NULL,
        event_type    text NOT NULL,
        lead_id       text,
        recipient     text NOT NULL,
        channel       text NOT NULL CHECK (channel IN ('INBOX','EMAIL','SMS','WEBHOOK')),
        rule_ids      text[] NOT NULL DEFAULT '{}',
        urgent        boolean NOT NULL DEFAULT false,
        status        text NOT NULL CHECK (status IN ('PENDING','SENDING','RETRYING','SENT','DEAD','UNCERTAIN','SKIPPED','DIGEST','DIGESTED')),
        subject       text,
        body          text NOT NULL,
        not_before    timestamptz,
        attempts      integer NOT NULL DEFAULT 0,
        last_error    text,
        provider_id   text,
        digest_id     uuid,
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now(),
        sent_at       timestamptz,
        CONSTRAINT delivery_once UNIQUE (event_id, recipient, channel)
      )`,
      `COMMENT ON TABLE delivery IS 'One row per (event, recipient, channel): the intent, written in the consumer transaction before anything is sent; BullMQ job id = id'`,
      `CREATE INDEX delivery_lead_idx ON delivery (lead_id, created_at)`,
      `CREATE INDEX delivery_open_idx ON delivery (status, updated_at) WHERE status IN ('PENDING','SENDING','RETRYING')`,
      `CREATE INDEX delivery_digest_idx ON delivery (recipient, created_at) WHERE status = 'DIGEST'`,
      `CREATE TABLE delivery_history (
        seq          bigserial PRIMARY KEY,
        delivery_id  uuid NOT NULL REFERENCES delivery (id),
        status       text NOT NULL,
        at           timestamptz NOT NULL DEFAULT now(),
        detail       text
      )`,
      `CREATE INDEX delivery_history_delivery_idx ON delivery_history (delivery_id, seq)`,
      `CREATE TABLE inbox_item (
        id           uuid PRIMARY KEY,
        delivery_id  uuid NOT NULL UNIQUE REFERENCES delivery (id),
        person_id    text NOT NULL,
        event_id     uuid NOT NULL,
        event_type   text NOT NULL,
        lead_id      text,
        title        text NOT NULL,
        body         text NOT NULL,
        urgent       boolean NOT NULL DEFAULT false,
        created_at   timestamptz NOT NULL DEFAULT now(),
        read_at      timestamptz
      )`,
      `CREATE INDEX inbox_person_idx ON inbox_item (person_id, created_at DESC)`,
      `CREATE INDEX inbox_unread_idx ON inbox_item (person_id) WHERE read_at IS NULL`,
    ];
    for (const sql of ddl) await q.query(sql);
    for (const r of SEED_RULES) {
      await q.query(
        `INSERT INTO rule (id, event_type, audience, audience_param, channels, urgent, digest, condition, description) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
        [r[0], r[1], r[2], r[3], r[4], r[5], r[6], JSON.stringify(r[7]), r[8]],
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    const schema = schemaOf(q);
    const role = runtimeRoleOf(q);
    for (const t of ['inbox_item', 'delivery_history', 'delivery', 'webhook_endpoint', 'rule', 'lead_ref', 'pairing', 'contact']) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
    for (const sql of auditMigration(schema, role).down) await q.query(sql);
    for (const sql of messagingMigration(schema, role).down) await q.query(sql);
  }
}
