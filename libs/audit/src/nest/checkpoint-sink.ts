import type { Actor, AuditCheckpointV1 } from '@outpost/contracts';
import type { EntityManager } from 'typeorm';
import { AUDIT_CHECKPOINT_TOPIC } from '../audit-checkpoint';

/** Where a checkpoint goes: written in the same transaction its heads were read in. */
export interface CheckpointSink {
  write(tx: EntityManager, checkpoint: AuditCheckpointV1): Promise<void>;
}

export const AUDIT_CHECKPOINT_SINK = Symbol('AUDIT_CHECKPOINT_SINK');

/** The part of @outpost/messaging's Outbox the checkpoint publisher needs (structural, so either side can evolve). */
export interface CheckpointOutbox {
  add(
    tx: EntityManager,
    input: {
      topic: typeof AUDIT_CHECKPOINT_TOPIC;
      payload: AuditCheckpointV1;
      leadId: null;
      key: string;
      actor: Actor;
    },
  ): Promise<unknown>;
}

/** Checkpoints as `audit.checkpoint.v1` events through the transactional outbox: key = service name, no lead. */
export function outboxCheckpointSink(outbox: CheckpointOutbox): CheckpointSink {
  return {
    async write(tx, checkpoint) {
      await outbox.add(tx, {
        topic: AUDIT_CHECKPOINT_TOPIC,
        payload: checkpoint,
        leadId: null,
        key: checkpoint.service,
        actor: { type: 'system', name: 'audit-checkpoint' },
      });
    },
  };
}
