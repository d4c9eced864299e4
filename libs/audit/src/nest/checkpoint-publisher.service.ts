import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { AuditCheckpointV1 } from '@outpost/contracts';
import { DataSource } from 'typeorm';
import { toCheckpoint } from '../audit-checkpoint';
import { AuditLog } from '../audit-log';
import { AUDIT_OPTIONS, type ResolvedAuditOptions } from './audit-options';
import { AUDIT_CHECKPOINT_SINK, type CheckpointSink } from './checkpoint-sink';

/**
 * Publishes the chain heads periodically (AUDIT_CHECKPOINT_INTERVAL_MS) and on demand. Heads and the outgoing event
 * are read and written in one transaction, so a checkpoint is published if and only if it was taken.
 */
@Injectable()
export class CheckpointPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CheckpointPublisher.name);
  private timer: NodeJS.Timeout | undefined;
  /** The checkpoint transaction in flight, if any (cleared when it settles). */
  private running: Promise<unknown> | undefined;
  /** Heads of the last checkpoint this process published: an idle service does not repeat itself every minute. */
  private lastHeads: string | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    @Inject(AUDIT_CHECKPOINT_SINK) private readonly sink: CheckpointSink,
    @Inject(AUDIT_OPTIONS) private readonly options: ResolvedAuditOptions,
  ) {}

  onApplicationBootstrap(): void {
    if (this.options.checkpointIntervalMs <= 0) return;
    this.timer = setInterval(() => void this.tick(), this.options.checkpointIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined); // its failure was already logged by tick()
  }

  /** Takes and publishes a checkpoint now, even when the heads did not move. */
  async publishNow(): Promise<AuditCheckpointV1> {
    const run = this.dataSource.transaction(async (tx) => {
      const checkpoint = toCheckpoint(this.options.service, await this.audit.heads(tx), new Date());
      await this.sink.write(tx, checkpoint);
      return checkpoint;
    });
    this.running = run;
    try {
      const checkpoint = await run;
      this.lastHeads = JSON.stringify(checkpoint.chains);
      return checkpoint;
    } finally {
      if (this.running === run) this.running = undefined;
    }
  }

  private async tick(): Promise<void> {
    if (this.running) return; // the previous one is still in flight
    try {
      const heads = JSON.stringify(await this.audit.heads(this.dataSource));
      if (heads === this.lastHeads) return;
      await this.publishNow();
    } catch (err) {
      this.logger.error(
        `audit checkpoint for ${this.options.service} failed: ${(err as Error).message}`,
        (err as Error).stack,
      );
    }
  }
}
