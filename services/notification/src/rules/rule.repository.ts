import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Audience, Rule, RuleChannel, RuleCondition } from './rule.types';

interface RuleRow {
  id: string;
  event_type: string;
  audience: Audience;
  audience_param: string | null;
  channels: RuleChannel[];
  urgent: boolean;
  digest: boolean;
  condition: RuleCondition;
  active: boolean;
  description: string;
  updated_at: Date;
}
const toRule = (r: RuleRow): Rule & { updatedAt: Date } => ({
  id: r.id,
  eventType: r.event_type,
  audience: r.audience,
  audienceParam: r.audience_param,
  channels: r.channels,
  urgent: r.urgent,
  digest: r.digest,
  condition: r.condition,
  active: r.active,
  description: r.description,
  updatedAt: r.updated_at,
});

/** Rules are rows (seeded by the migration, changed through /v1/rules); read per event, so a change applies at once. */
@Injectable()
export class RuleRepository {
  constructor(private readonly dataSource: DataSource) {}

  async forEvent(tx: EntityManager, eventType: string): Promise<Rule[]> {
    const rows: RuleRow[] = await tx.query(`SELECT * FROM rule WHERE event_type = $1 AND active ORDER BY id`, [
      eventType,
    ]);
    return rows.map(toRule);
  }

  async list(eventType?: string): Promise<Array<Rule & { updatedAt: Date }>> {
    const rows: RuleRow[] = await this.dataSource.query(
      `SELECT * FROM rule WHERE ($1::text IS NULL OR event_type = $1) ORDER BY event_type, id`,
      [eventType ?? null],
    );
    return rows.map(toRule);
  }

  async get(db: DataSource | EntityManager, id: string): Promise<(Rule & { updatedAt: Date }) | null> {
    const rows: RuleRow[] = await db.query(`SELECT * FROM rule WHERE id = $1`, [id]);
    return rows[0] ? toRule(rows[0]) : null;
  }

  async insert(tx: EntityManager, r: Rule): Promise<boolean> {
    const rows: unknown[] = await tx.query(
      `INSERT INTO rule (id, event_type, audience, audience_param, channels, urgent, digest, condition, active, description)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT (id) DO NOTHING RETURNING id`,
      [
        r.id,
        r.eventType,
        r.audience,
        r.audienceParam,
        r.channels,
        r.urgent,
        r.digest,
        JSON.stringify(r.condition),
        r.active,
        r.description,
      ],
    );
    return rows.length > 0;
  }

  async update(tx: EntityManager, r: Rule): Promise<void> {
    await tx.query(
      `UPDATE rule SET event_type = $2, audience = $3, audience_param = $4, channels = $5, urgent = $6, digest = $7, condition = $8, active = $9,
         description = $10, updated_at = now() WHERE id = $1`,
      [
        r.id,
        r.eventType,
        r.audience,
        r.audienceParam,
        r.channels,
        r.urgent,
        r.digest,
        JSON.stringify(r.condition),
        r.active,
        r.description,
      ],
    );
  }
}
