import { Injectable } from '@nestjs/common';
import type { Person, Role } from '@outpost/contracts';
import { HandleEvent, type EventEnvelope } from '@outpost/messaging';
import { ProblemException } from '@outpost/platform';
import type { EntityManager } from 'typeorm';

/** A person a command names, with the field that names them and the roles they must hold (none: any role). */
export interface NamedPerson {
  id: string;
  path: string;
  roles?: readonly Role[];
}

/**
 * The roster's people as escalation needs them (assessment owns the roster; its events keep this copy): commands may
 * only name active people who hold the roles the task needs.
 */
@Injectable()
export class People {
  @HandleEvent('assessment.roster-changed.v1')
  async onRosterChanged(e: EventEnvelope<'assessment.roster-changed.v1'>, tx: EntityManager): Promise<void> {
    const p = e.payload;
    if (p.entity !== 'person') return;
    await this.upsert(tx, p.person, p.deleted);
  }

  async upsert(
    tx: EntityManager,
    p: Pick<Person, 'id' | 'name' | 'roles' | 'active'>,
    deleted: boolean,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO person (id, name, roles, active, deleted) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO UPDATE SET name = $2, roles = $3, active = $4, deleted = $5`,
      [p.id, p.name, p.roles, p.active, deleted],
    );
  }

  /** 400 with a field path for every named person who is unknown, inactive or without the roles required. */
  async require(tx: EntityManager, named: NamedPerson[]): Promise<void> {
    if (!named.length) return;
    const rows: Array<{ id: string; roles: Role[] }> = await tx.query(
      `SELECT id, roles FROM person WHERE id = ANY($1::text[]) AND active AND NOT deleted`,
      [[...new Set(named.map((n) => n.id))]],
    );
    const found = new Map(rows.map((r) => [r.id, r.roles]));
    const errors = named.flatMap((n) => {
      const roles = found.get(n.id);
      if (!roles) return [{ path: n.path, message: `人员 ${n.id} 不存在或已停用` }];
      if (n.roles && !roles.some((r) => n.roles!.includes(r)))
        return [{ path: n.path, message: `人员 ${n.id} 不具备所需角色（${n.roles.join('/')}）` }];
      return [];
    });
    if (errors.length)
      throw new ProblemException(
        400,
        'VALIDATION_FAILED',
        '所指定的人员不可用：须为在岗并具备相应角色的人员。',
        errors,
      );
  }
}
