import { Injectable } from '@nestjs/common';
import { AuditLog, type AuditEntryInput } from '@outpost/audit';
import type { Actor, Topic } from '@outpost/contracts';
import { BatchCollector, EventConsumer, Outbox, type EventEnvelope, type PublishInput } from '@outpost/messaging';
import type { EntityManager } from 'typeorm';

type AnyPublish = { [T in Topic]: Omit<PublishInput<T>, 'leadId' | 'actor'> }[Topic];

/** One record(): its audit entry and its events, built. */
type Recorded = { entry: AuditEntryInput; events: EventEnvelope[] };

/**
 * Writes what a state change leaves behind, in the caller's transaction: one audit entry (actor, from, to, reason)
 * and the outbox events. Use cases call it once per transition, so change, audit and events commit together.
 *
 * In a consumer batch (one transaction for a fetched batch of events) the entries and events are collected and written
 * together at the end of the batch, in the same transaction (BatchCollector): a few statements per batch instead of
 * four or five per transition. Events are built (validated, correlation taken from the transaction) when recorded.
 */
@Injectable()
export class LeadJournal {
  private readonly recorded: BatchCollector<Recorded>;

  constructor(
    private readonly audit: AuditLog,
    private readonly outbox: Outbox,
    consumer: EventConsumer,
  ) {
    this.recorded = new BatchCollector(consumer, (tx, recorded) => this.write(tx, recorded));
  }

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
    await this.recorded.add(tx, { entry, events });
  }

  /** Entries in record order on one chain, events in one statement. */
  private async write(tx: EntityManager, recorded: Recorded[]): Promise<void> {
    await this.audit.appendMany(
      tx,
      recorded.map((r) => r.entry),
    );
    await this.outbox.insertMany(
      tx,
      recorded.flatMap((r) => r.events),
    );
  }
}
