import { Injectable } from '@nestjs/common';
import { AuditLog } from '@outpost/audit';
import type { Actor, Topic } from '@outpost/contracts';
import { Outbox, type PublishInput } from '@outpost/messaging';
import type { EntityManager } from 'typeorm';

type AnyPublish = { [T in Topic]: Omit<PublishInput<T>, 'leadId' | 'actor'> }[Topic];

/**
 * Writes what a state change leaves behind, in the caller's transaction: one audit entry (actor, from, to, reason)
 * and the outbox events. Use cases call it once per transition, so change, audit and events commit together.
 */
@Injectable()
export class LeadJournal {
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
    await this.audit.append(tx, {
      leadId: e.leadId,
      actor: e.actor,
      action: e.action,
      fromState: e.from,
      toState: e.to,
      reason: e.reason,
      payload: e.payload,
    });
    for (const ev of e.events) {
      await this.outbox.add(tx, { ...ev, leadId: e.leadId, actor: e.actor } as PublishInput<Topic>);
    }
  }
}
