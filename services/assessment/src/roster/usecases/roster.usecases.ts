import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AuditLog } from '@outpost/audit';
import type { Actor, Pairing, Person } from '@outpost/contracts';
import { correlated, Outbox, type CorrelationContext } from '@outpost/messaging';
import { ProblemException, zodFieldErrors, type FieldError } from '@outpost/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { parseCsv } from '../csv';
import { RosterRepository, type PairingRecord } from '../roster.repository';
import { pairingInputSchema, personInputSchema, type PairingInput, type PersonInput } from '../roster.schemas';

export interface ImportReport {
  imported: number;
  failed: number;
  errors: Array<{ line: number; id: string | null; errors: FieldError[] }>;
}

/**
 * Roster writes: each change, its audit entry and its roster-changed event in one transaction. `correlation`: the
 * request's (RequestCorrelation), which the event carries; without one (the demo seed) each event starts its own.
 */
@Injectable()
export class RosterUsecases {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly repo: RosterRepository,
    private readonly outbox: Outbox,
    private readonly audit: AuditLog,
  ) {}

  async createPerson(actor: Actor, input: PersonInput, correlation?: CorrelationContext): Promise<Person> {
    return this.db.transaction(
      correlated(correlation, async (tx) => {
        if (await this.repo.findPerson(tx, input.id, true))
          throw new ProblemException(409, 'PERSON_EXISTS', `人员 ${input.id} 已存在，请用 PUT 修改`);
        return this.savePerson(tx, actor, input);
      }),
    );
  }

  async putPerson(actor: Actor, input: PersonInput, correlation?: CorrelationContext): Promise<Person> {
    return this.db.transaction(correlated(correlation, (tx) => this.savePerson(tx, actor, input)));
  }

  async deactivatePerson(actor: Actor, id: string, correlation?: CorrelationContext): Promise<Person> {
    return this.db.transaction(
      correlated(correlation, async (tx) => {
        const person = await this.repo.deactivatePerson(tx, id);
        if (!person) throw new ProblemException(404, 'PERSON_NOT_FOUND', `人员 ${id} 不存在`);
        await this.record(tx, actor, 'roster.person.deactivated', id, { entity: 'person', person, deleted: true });
        return person;
      }),
    );
  }

  async createPairing(actor: Actor, input: PairingInput, correlation?: CorrelationContext): Promise<PairingRecord> {
    return this.db.transaction(
      correlated(correlation, async (tx) => {
        if (await this.repo.findPairing(tx, input.id))
          throw new ProblemException(409, 'PAIRING_EXISTS', `结对 ${input.id} 已存在，请用 PUT 修改`);
        return this.savePairing(tx, actor, input);
      }),
    );
  }

  async putPairing(actor: Actor, input: PairingInput, correlation?: CorrelationContext): Promise<PairingRecord> {
    return this.db.transaction(correlated(correlation, (tx) => this.savePairing(tx, actor, input)));
  }

  async endPairing(actor: Actor, id: string, correlation?: CorrelationContext): Promise<PairingRecord> {
    return this.db.transaction(
      correlated(correlation, async (tx) => {
        const pairing = await this.repo.endPairing(tx, id);
        if (!pairing) throw new ProblemException(404, 'PAIRING_NOT_FOUND', `结对 ${id} 不存在`);
        await this.record(tx, actor, 'roster.pairing.ended', id, {
          entity: 'pairing',
          pairing: toContract(pairing),
          deleted: true,
        });
        return pairing;
      }),
    );
  }

  /**
   * CSV import: column `kind` = person | pairing; list columns separated by `|`. People are applied before pairings so
   * one file can create both. Valid rows are applied (each in its own transaction, all in the request's correlation);
   * invalid rows are reported by line.
   */
  async importCsv(actor: Actor, text: string, correlation?: CorrelationContext): Promise<ImportReport> {
    const rows = parseCsv(text);
    if (rows.length === 0) throw new ProblemException(400, 'EMPTY_CSV', 'CSV 没有数据行（第一行应为表头）');
    const report: ImportReport = { imported: 0, failed: 0, errors: [] };
    const ordered = [
      ...rows.filter((r) => r.values.kind === 'person'),
      ...rows.filter((r) => r.values.kind !== 'person'),
    ];
    for (const { line, values } of ordered) {
      const id = values.id || null;
      try {
        if (values.kind === 'person')
          await this.putPerson(actor, parseRow(personInputSchema, personFromCsv(values)), correlation);
        else if (values.kind === 'pairing')
          await this.putPairing(actor, parseRow(pairingInputSchema, pairingFromCsv(values)), correlation);
        else
          throw new ProblemException(400, 'BAD_ROW', 'kind', [
            { path: 'kind', message: 'kind 必须是 person 或 pairing' },
          ]);
        report.imported++;
      } catch (err) {
        if (!(err instanceof ProblemException)) throw err;
        report.failed++;
        report.errors.push({
          line,
          id,
          errors: err.errors?.length ? err.errors : [{ path: '(row)', message: err.message }],
        });
      }
    }
    report.errors.sort((a, b) => a.line - b.line);
    return report;
  }

  private async savePerson(tx: EntityManager, actor: Actor, input: PersonInput): Promise<Person> {
    const before = await this.repo.findPerson(tx, input.id, true);
    const person = await this.repo.upsertPerson(tx, input);
    await this.record(tx, actor, before ? 'roster.person.updated' : 'roster.person.created', person.id, {
      entity: 'person',
      person,
      deleted: false,
    });
    return person;
  }

  private async savePairing(tx: EntityManager, actor: Actor, input: PairingInput): Promise<PairingRecord> {
    const volunteer = await this.repo.findPerson(tx, input.volunteerId);
    const sentinel = await this.repo.findPerson(tx, input.sentinelId);
    const errors: FieldError[] = [];
    if (!volunteer?.roles.includes('VOLUNTEER'))
      errors.push({ path: 'volunteerId', message: `${input.volunteerId} 不是名册中的志愿者` });
    if (!sentinel?.roles.includes('SENTINEL'))
      errors.push({ path: 'sentinelId', message: `${input.sentinelId} 不是名册中的前哨员` });
    if (errors.length)
      throw new ProblemException(422, 'INVALID_PAIRING', '结对双方必须是名册中的志愿者和前哨员', errors);
    const before = await this.repo.findPairing(tx, input.id);
    const pairing = await this.repo.upsertPairing(tx, input);
    await this.record(tx, actor, before ? 'roster.pairing.updated' : 'roster.pairing.created', pairing.id, {
      entity: 'pairing',
      pairing: toContract(pairing),
      deleted: false,
    });
    return pairing;
  }

  private async record(
    tx: EntityManager,
    actor: Actor,
    action: string,
    key: string,
    payload:
      | { entity: 'person'; person: Person; deleted: boolean }
      | { entity: 'pairing'; pairing: Pairing; deleted: boolean },
  ): Promise<void> {
    await this.audit.append(tx, { leadId: null, actor, action, reason: key, payload });
    await this.outbox.add(tx, { topic: 'assessment.roster-changed.v1', payload, leadId: null, key, actor });
  }
}

function toContract(p: PairingRecord): Pairing {
  return {
    id: p.id,
    volunteerId: p.volunteerId,
    sentinelId: p.sentinelId,
    gridIds: p.gridIds,
    agreementSignedAt: p.agreementSignedAt,
    status: p.status,
  };
}

function parseRow<T>(
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: import('zod').ZodError } },
  v: unknown,
): T {
  const r = schema.safeParse(v);
  if (!r.success) throw new ProblemException(400, 'INVALID_ROW', '行数据不合法', zodFieldErrors(r.error));
  return r.data;
}

const list = (s: string | undefined): string[] =>
  s
    ? s
        .split('|')
        .map((x) => x.trim())
        .filter(Boolean)
    : [];
const textOrNull = (s: string | undefined): string | null => (s ? s : null);
const boolOr = (s: string | undefined, d: boolean): boolean | string =>
  s === undefined || s === '' ? d : s === 'true' || s === '1' ? true : s === 'false' || s === '0' ? false : s;

function personFromCsv(v: Record<string, string>): unknown {
  return {
    id: v.id,
    name: v.name,
    roles: list(v.roles),
    canCertify: boolOr(v.canCertify, false),
    unit: textOrNull(v.unit),
    institution: textOrNull(v.institution),
    branch: textOrNull(v.branch),
    volunteerRoles: list(v.volunteerRoles),
    streetCodes: list(v.streetCodes),
    gridIds: list(v.gridIds),
    phone: textOrNull(v.phone),
    email: textOrNull(v.email),
    active: boolOr(v.active, true),
  };
}

function pairingFromCsv(v: Record<string, string>): unknown {
  return {
    id: v.id,
    volunteerId: v.volunteerId,
    sentinelId: v.sentinelId,
    gridIds: list(v.gridIds),
    agreementSignedAt: textOrNull(v.agreementSignedAt),
    contactCadence: textOrNull(v.contactCadence),
    status: v.status || 'ACTIVE',
  };
}
