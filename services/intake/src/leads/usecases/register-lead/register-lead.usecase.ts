import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { AuditLog, canonicalJson, sha256Hex, type AuditEntryInput } from '@outpost/audit';
import type { Actor, Estimates, LeadLinkedV1, LeadRegisteredV1, ReportFacts } from '@outpost/contracts';
import { correlationFields, Outbox, type CorrelationContext, type EventEnvelope } from '@outpost/messaging';
import { Coalescer, FieldCipher, ProblemException, SERVICE_CONFIG, type FieldError } from '@outpost/platform';
import type { IntakeConfig } from '../../../config/intake.config';
import { GridService } from '../../../grid/grid.service';
import { ScreeningService } from '../../../screening/screening.service';
import { actorOf, idempotencyScopeOf, type Caller } from '../../../sources/source-auth.guard';
import { validateLead, type LeadInput } from '../../dto/lead-input.schema';
import {
  LeadRepository,
  type LeadView,
  type NewLeadRow,
  type OpenPrimary,
  idempotencyClaim,
  sourceRefClaim,
  type RegisteredLead,
  type RegistrationRead,
} from '../../lead.repository';
import { lockIdOf, subjectKeys, type SubjectKey } from '../../subject-keys';

export interface RegisterLeadCommand {
  caller: Caller;
  /** The body as received; validated here so single and batch registration share every rule. */
  body: unknown;
  idempotencyKey: string | null;
  /** The request's correlation context (RequestCorrelation): its lead's event carries it. */
  correlation?: CorrelationContext;
}

export type RegisterLeadResult =
  | { outcome: 'created'; lead: LeadView; linkedTo: string | null }
  | { outcome: 'replayed'; lead: LeadView }
  | { outcome: 'rejected'; errors: FieldError[] };

/** Masks a subject's phone in events and audit (they never carry phone numbers in clear). */
function publicKeyValue(k: SubjectKey): string {
  return k.kind === 'phone' ? `${k.value.slice(0, 3)}****${k.value.slice(-4)}` : k.value;
}

/** What a registration records besides the lead: its audit entries and its event. */
interface LeadRecord {
  audit: AuditEntryInput[];
  event: EventEnvelope;
}

/** A valid lead ready to register, waiting for its group. */
interface Pending {
  caller: Caller;
  row: NewLeadRow;
  keys: SubjectKey[];
  /** The request's correlation context: leads of many requests share a group, each event carries its own request's. */
  correlation: CorrelationContext | undefined;
}

/** A group's answer for one lead: registered now, or to be answered as a replay once the group has committed. */
type GroupOutcome = { outcome: 'created'; lead: LeadView; linkedTo: string | null } | { outcome: 'replay' };

/**
 * Registers one lead: validate → screen → place on the grid → join the next registration group. A group is ONE
 * transaction for every lead that arrived while earlier groups were writing (application-level group commit: under
 * load N requests cost one transaction, alone a lead is written at once; sizes in IntakeConfig): lock the subject keys, idempotency keys and
 * source references, link each lead to an open lead about the same subject (or to one registered earlier in the same
 * group) or register it, append the audit entries and the outbox events (four round trips in all). If a group fails,
 * each of its leads is tried again in a group of its own, so one lead's problem never fails another's request.
 */
@Injectable()
export class RegisterLeadUseCase {
  private readonly groups: Coalescer<Pending, RegisterLeadResult>;

  constructor(
    private readonly db: DataSource,
    private readonly leads: LeadRepository,
    private readonly screening: ScreeningService,
    private readonly grid: GridService,
    private readonly cipher: FieldCipher,
    private readonly audit: AuditLog,
    private readonly outbox: Outbox,
    @Inject(SERVICE_CONFIG) config: IntakeConfig,
  ) {
    this.groups = new Coalescer({
      maxBatch: config.REGISTRATION_GROUP_MAX_LEADS,
      maxInFlight: config.REGISTRATION_GROUPS_IN_FLIGHT,
      waveMs: config.REGISTRATION_GROUP_WAVE_MS,
      run: (items) => this.registerGroup(items),
    });
  }

  async execute(command: RegisterLeadCommand): Promise<RegisterLeadResult> {
    const cmd = withGatewayDefaults(command);
    const validation = validateLead(cmd.body);
    if (!validation.ok) return { outcome: 'rejected', errors: validation.errors };
    const input = validation.lead;
    const { caller } = cmd;
    if (!caller.source.channels.includes(input.sourceChannel)) {
      return {
        outcome: 'rejected',
        errors: [
          {
            path: 'sourceChannel',
            message: `此来源不允许报送渠道 ${input.sourceChannel} (channel not allowed for this source)`,
            code: 'channel_not_allowed',
          },
        ],
      };
    }
    const row = this.prepare(cmd, input);
    const keys = subjectKeys(input.subjects, (s) => this.screening.normalize(s));
    row.subjectKeys = keys.map((k) => k.key);
    return this.groups.submit({ caller, row, keys, correlation: cmd.correlation });
  }

  /** One group; if its transaction fails, each lead again on its own (each then settles with its own error). */
  private async registerGroup(items: Pending[]): Promise<Array<PromiseSettledResult<RegisterLeadResult>>> {
    try {
      const outcomes = await this.registerTogether(items);
      return Promise.allSettled(items.map((item, i) => this.answer(item, outcomes[i]!)));
    } catch (err) {
      if (items.length === 1) throw err;
      return Promise.allSettled(
        items.map(async (item) => this.answer(item, (await this.registerTogether([item]))[0]!)),
      );
    }
  }

  private async answer(item: Pending, o: GroupOutcome): Promise<RegisterLeadResult> {
    return o.outcome === 'created' ? o : this.replay(item.row);
  }

  private async registerTogether(items: Pending[]): Promise<GroupOutcome[]> {
    const lockIds = new Set<string>();
    for (const { row, keys } of items) {
      for (const k of keys) lockIds.add(lockIdOf(k.key));
      const idem = idempotencyClaim(row);
      const ref = sourceRefClaim(row);
      if (idem) lockIds.add(lockIdOf(`idempotency\u0000${idem}`));
      if (ref) lockIds.add(lockIdOf(`source-ref\u0000${ref}`));
    }
    return this.leads.registerGroup(
      [...lockIds],
      {
        keys: [...new Set(items.flatMap((i) => i.row.subjectKeys))],
        references: items.length,
        idempotency: items.flatMap(({ row: r }) =>
          r.idempotencyKey ? [{ scope: r.idempotencyScope!, key: r.idempotencyKey }] : [],
        ),
        sourceRefs: items.flatMap(({ row: r }) => (r.sourceRef ? [{ source: r.sourceId, ref: r.sourceRef }] : [])),
      },
      (read) => {
        const group = this.planGroup(items, read);
        const write = group.leads.length ? { ...group, audit: this.audit.chain(read.head, group.audit) } : null;
        return { write, result: group.outcomes };
      },
    );
  }

  /**
   * Decides, in arrival order, what each lead of a group is: a replay (its idempotency key or source reference is
   * taken, in the database or by an earlier lead of the group), linked to the oldest open lead sharing a subject key
   * (registered before, or earlier in this group), or new.
   */
  private planGroup(items: Pending[], read: RegistrationRead) {
    const leads: RegisteredLead[] = [];
    const bumps = new Map<string, number>();
    const audit: AuditEntryInput[] = [];
    const events: EventEnvelope[] = [];
    const outcomes: GroupOutcome[] = [];
    const idempotency = new Set(read.takenIdempotency);
    const sourceRefs = new Set(read.takenSourceRefs);
    /** Open primaries: the database's (oldest first), then this group's new leads in order. */
    const primaries: Array<{ primary: OpenPrimary; registered: RegisteredLead | null }> = read.primaries.map((p) => ({
      primary: p,
      registered: null,
    }));
    const receivedAt = read.now.toISOString();
    let nextRef = 0;
    for (const { caller, row, keys, correlation } of items) {
      const idem = idempotencyClaim(row);
      const ref = sourceRefClaim(row);
      if ((idem && idempotency.has(idem)) || (ref && sourceRefs.has(ref))) {
        outcomes.push({ outcome: 'replay' });
        continue;
      }
      if (idem) idempotency.add(idem);
      if (ref) sourceRefs.add(ref);
      const reference = read.references[nextRef++]!;
      const actor = actorOf(caller);
      const open = primaries.find((p) => keys.some((k) => p.primary.matchedKeys.includes(k.key)));
      const registered: RegisteredLead = { row, status: open ? 'LINKED' : 'REPORTED', reference, reportCount: 1 };
      let record: LeadRecord;
      if (open) {
        const { primary } = open;
        const matched = keys.filter((k) => primary.matchedKeys.includes(k.key));
        row.primaryLeadId = primary.id;
        row.matchedOn = matched.map((k) => ({ key: k.kind, value: publicKeyValue(k) }));
        record = this.linked(actor, caller, row, reference, primary, matched, correlation);
        primary.reportCount += 1; // the next link to it in this group counts this one
        if (open.registered) open.registered.reportCount = primary.reportCount;
        else bumps.set(primary.id, (bumps.get(primary.id) ?? 0) + 1);
      } else {
        record = this.registered(actor, caller, row, reference, correlation);
        primaries.push({
          primary: { id: row.id, reference, matchedKeys: row.subjectKeys, hits: row.screening.hits, reportCount: 1 },
          registered,
        });
      }
      leads.push(registered);
      audit.push(...record.audit);
      events.push(record.event);
      outcomes.push({
        outcome: 'created',
        linkedTo: row.primaryLeadId,
        lead: {
          id: row.id,
          reference,
          sourceRef: row.sourceRef,
          status: registered.status,
          stage: 'intake',
          receivedAt,
          outcome: null,
          reporterFeedback: null,
          reporterNotifiedAt: null,
          // lead_status.updated_at starts as received_at, so a later GET shows the same view.
          updatedAt: receivedAt,
        },
      });
    }
    return { leads, bumps, audit, events, outcomes };
  }

  private prepare(cmd: RegisterLeadCommand, input: LeadInput): NewLeadRow {
    const { caller } = cmd;
    const title = input.title ?? input.description.slice(0, 40);
    const reporter = input.reporter ?? { anonymous: true };
    const identity = reporter.anonymous
      ? null
      : {
          name: reporter.name ?? null,
          phone: reporter.phone ?? null,
          contact: reporter.contact ?? null,
          firstReport: reporter.firstReport ?? null,
        };
    const e = input.estimates;
    const estimates: Estimates = {
      promisedYieldPct: e?.promisedYieldPct ?? null,
      amountYuan: e?.amountYuan ?? null,
      participants: e?.participants ?? null,
      lossYuan: e?.lossYuan ?? null,
      elderlyInvolved: e?.elderlyInvolved ?? null,
    };
    return {
      id: uuidv7(),
      sourceId: caller.source.id,
      sourceRef: input.sourceRef ?? null,
      idempotencyScope: cmd.idempotencyKey ? idempotencyScopeOf(caller) : null,
      idempotencyKey: cmd.idempotencyKey,
      requestHash: sha256Hex(canonicalJson(cmd.body)),
      sourceChannel: input.sourceChannel,
      filedBy: caller.kind === 'user' ? caller.principal.userId : null,
      discoveredAt: input.discoveredAt ? new Date(input.discoveredAt).toISOString() : null,
      reportedAt: new Date(input.reportedAt ?? Date.now()).toISOString(),
      title,
      description: input.description,
      suggestedCategory: input.suggestedCategory ?? null,
      subjects: input.subjects,
      location: input.location ?? {},
      placement: this.grid.resolve(input.location),
      estimates,
      channels: input.channels,
      externalRefs: input.externalRefs,
      confidentiality: input.confidentiality,
      reporterAnonymous: reporter.anonymous,
      reporterContactable: !reporter.anonymous && Boolean(reporter.phone || reporter.contact),
      reporterSealed: identity ? this.cipher.encrypt(JSON.stringify(identity)) : null,
      screening: this.screening.screenLead(input, title),
      subjectKeys: [],
      primaryLeadId: null,
      matchedOn: null,
    };
  }

  /** What the report itself says, as the events carry it (never the reporter's identity). */
  private reportFacts(caller: Caller, row: NewLeadRow): ReportFacts {
    return {
      sourceId: caller.source.id,
      sourceName: caller.source.name,
      sourceChannel: row.sourceChannel as ReportFacts['sourceChannel'],
      sourceRef: row.sourceRef,
      discoveredAt: row.discoveredAt,
      reportedAt: row.reportedAt,
      title: row.title,
      description: row.description,
      suggestedCategory: row.suggestedCategory as ReportFacts['suggestedCategory'],
      subjects: (row.subjects as LeadInput['subjects']).map((s) => ({
        kind: s.kind,
        name: s.name,
        uscc: s.uscc ?? null,
        registeredAddress: s.registeredAddress ?? null,
        businessScope: s.businessScope ?? null,
      })),
      placement: row.placement,
      channels: row.channels,
      reporter: { anonymous: row.reporterAnonymous, contactable: row.reporterContactable },
      confidentiality: row.confidentiality as ReportFacts['confidentiality'],
      filedBy: row.filedBy,
    };
  }

  /** The audit entry and event of a new lead (written with it, in the same statement). */
  private registered(
    actor: Actor,
    caller: Caller,
    row: NewLeadRow,
    reference: string,
    correlation: CorrelationContext | undefined,
  ): LeadRecord {
    const payload: LeadRegisteredV1 = {
      leadId: row.id,
      reference,
      ...this.reportFacts(caller, row),
      estimates: row.estimates as Estimates,
      screening: row.screening,
    };
    return {
      audit: [
        {
          leadId: row.id,
          actor,
          action: 'lead.registered',
          fromState: null,
          toState: 'REPORTED',
          reason: null,
          payload: { reference, sourceId: caller.source.id, band: row.screening.band, gridIds: row.placement.gridIds },
        },
      ],
      event: this.outbox.build({
        topic: 'intake.lead-registered.v1',
        payload,
        leadId: row.id,
        actor,
        ...correlationFields(correlation),
      }),
    };
  }

  /** The audit entries (new lead linked; report added to the primary) and event of a linked lead. */
  private linked(
    actor: Actor,
    caller: Caller,
    row: NewLeadRow,
    reference: string,
    primary: OpenPrimary,
    matched: SubjectKey[],
    correlation: CorrelationContext | undefined,
  ): LeadRecord {
    const known = new Set(primary.hits.map((h) => `${h.indicator}\u0000${h.term}`));
    const payload: LeadLinkedV1 = {
      leadId: primary.id,
      linkedLeadId: row.id,
      linkedReference: reference,
      matchedOn: matched.map((k) => ({ key: k.kind, value: publicKeyValue(k) })),
      // The primary's row is locked since the read, so this is the count the write's +1 produces.
      reportCount: primary.reportCount + 1,
      screening: row.screening,
      newHits: row.screening.hits.filter((h) => !known.has(`${h.indicator}\u0000${h.term}`)),
      estimates: row.estimates as Estimates,
      report: this.reportFacts(caller, row),
    };
    const audit: AuditEntryInput[] = [
      {
        leadId: row.id,
        actor,
        action: 'lead.linked',
        fromState: null,
        toState: 'LINKED',
        reason: `与线索 ${primary.reference} 涉及同一对象 (same subject as an open lead)`,
        payload: { reference, primaryLeadId: primary.id, matchedOn: payload.matchedOn },
      },
      {
        leadId: primary.id,
        actor,
        action: 'lead.report-added',
        fromState: null,
        toState: null,
        reason: `新增关联线索 ${reference}`,
        payload: { linkedLeadId: row.id, reportCount: payload.reportCount },
      },
    ];
    return {
      audit,
      event: this.outbox.build({
        topic: 'intake.lead-linked.v1',
        payload,
        leadId: primary.id,
        actor,
        ...correlationFields(correlation),
      }),
    };
  }

  /** The lead already exists: answer with the original result, or refuse a reused Idempotency-Key with another body. */
  private async replay(row: NewLeadRow): Promise<RegisterLeadResult> {
    const existing = await this.leads.findExisting(this.db, {
      idempotencyScope: row.idempotencyScope,
      idempotencyKey: row.idempotencyKey,
      sourceId: row.sourceId,
      sourceRef: row.sourceRef,
    });
    if (!existing) throw new Error('lead insert conflicted but no existing lead was found');
    if (existing.matchedIdempotencyKey && existing.requestHash !== row.requestHash) {
      throw new ProblemException(
        422,
        'IDEMPOTENCY_KEY_REUSED',
        'This Idempotency-Key was already used with a different request body (幂等键已用于不同的请求).',
      );
    }
    return { outcome: 'replayed', lead: existing.view };
  }
}

/** People filing through the gateway are on patrol unless they say otherwise. */
function withGatewayDefaults(cmd: RegisterLeadCommand): RegisterLeadCommand {
  const b = cmd.body;
  if (cmd.caller.kind !== 'user' || !b || typeof b !== 'object' || Array.isArray(b) || 'sourceChannel' in b) return cmd;
  return { ...cmd, body: { ...(b as Record<string, unknown>), sourceChannel: 'PATROL' } };
}
