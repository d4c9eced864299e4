import { Injectable, type OnModuleInit } from '@nestjs/common';
import { AuditLog, type AuditEntryInput } from '@outpost/audit';
import type { Actor, Topic } from '@outpost/contracts';
import { EventConsumer, Outbox, type EventEnvelope, type PublishInput } from '@outpost/messaging';
import type { EntityManager } from 'typeorm';

type AnyPublish = { [T in Topic]: Omit<PublishInput<T>, 'leadId' | 'actor'> }[Topic];

/**
 * Writes what a state change leaves behind, in the caller's transaction: one audit entry (actor, from, to, reason)
 * and the outbox events. Use cases call it once per transition, so change, audit and events commit together.
 *
 * In a consumer batch (one transaction for a fetched batch of events, see JournalBatching) the entries and events are
 * collected and written together at the end of the batch, in the same transaction: a few statements per batch instead
 * of four or five per transition. Events are built (validated, correlation taken from the transaction) when recorded.
 */
@Injectable()
export class LeadJournal {
  private readonly batches = new WeakMap<
    EntityManager,
    { audit: AuditEntryInput[]; events: EventEnvelope[]; finishers: Array<() => Promise<void>> }
  >();

  constructor(
    private readonly audit: AuditLog,
    private readonly outbox: Outbox,
  ) {}

  async record(
    tx: EntityManager,
    e: {
      leadId: string;
      actor: Actor;
      action: string;
      from: string | null;
      to: string | null;
      reason: string | null;
      payload?: unknown;
      events: AnyPublish[];
    },
  ): Promise<void> {
    const entry: AuditEntryInput = {
      leadId: e.leadId,
      actor: e.actor,
      action: e.action,
      fromState: e.from,
      toState: e.to,
      reason: e.reason,
      payload: e.payload,
    };
    const events = e.events.map((ev) =>
      this.outbox.build({ ...ev, leadId: e.leadId, actor: e.actor } as PublishInput<Topic>, tx),
    );
    const batch = this.batches.get(tx);
    if (batch) {
      batch.audit.push(entry);
      batch.events.push(...events);
      return;
    }
    await this.audit.append(tx, entry);
    await this.outbox.insertMany(tx, events);
  }

  /** From now until endBatch, record() with this transaction collects instead of writing. */
  beginBatch(tx: EntityManager): void {
    this.batches.set(tx, { audit: [], events: [], finishers: [] });
  }

  /**
   * In a consumer batch: runs `finish` at the end of the batch, before what it collected is written (what `finish`
   * records is written with it), and answers true. Outside a batch it answers false and does nothing.
   */
  atBatchEnd(tx: EntityManager, finish: () => Promise<void>): boolean {
    const batch = this.batches.get(tx);
    batch?.finishers.push(finish);
    return batch !== undefined;
  }

  /** Runs the batch's finishers, then writes what the batch collected (entries in order on one chain, events in one statement). */
  async endBatch(tx: EntityManager): Promise<void> {
    const batch = this.batches.get(tx);
    if (!batch) return;
    for (const finish of batch.finishers) await finish();
    this.batches.delete(tx);
    if (batch.audit.length) await this.audit.appendMany(tx, batch.audit);
    await this.outbox.insertMany(tx, batch.events);
  }
}

/** Turns LeadJournal's batch mode on for every batch the service's event consumer applies in one transaction. */
@Injectable()
export class JournalBatching implements OnModuleInit {
  constructor(
    private readonly consumer: EventConsumer,
    private readonly journal: LeadJournal,
  ) {}

  onModuleInit(): void {
    this.consumer.useBatchHooks({
      before: async (_events, tx) => this.journal.beginBatch(tx),
      after: (tx) => this.journal.endBatch(tx),
    });
  }
}
