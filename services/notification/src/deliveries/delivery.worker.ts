import { Inject, Injectable, Logger } from '@nestjs/common';
import { CLOCK, type Clock } from '@outpost/clock';
import { Outbox } from '@outpost/messaging';
import { Coalescer, failureText, fulfilled, PermanentSendError, SERVICE_CONFIG } from '@outpost/platform';
import { DataSource } from 'typeorm';
import { CHANNELS, PermanentChannelError, type Channel } from '../channels/channel';
import type { NotificationConfig } from '../config/notification.config';
import type { DeliveryChannel } from '../rules/rule.types';
import { NOTIFICATION_ACTOR } from '../shared/actors';
import { DeliveryRepository } from './delivery.repository';
import type { Delivery } from './delivery.types';

export type WorkOutcome =
  { kind: 'sent' | 'dead' | 'retry' | 'uncertain' | 'nothing-to-do' } | { kind: 'delay'; until: Date };

/**
 * One attempt at one delivery. The order is what makes the effect exactly-once within what each channel allows:
 *  1. the row is the truth: SENT/DEAD/SKIPPED/DIGEST… → nothing to do (a duplicate job, a replayed Kafka message);
 *  2. mark SENDING in its own committed transaction BEFORE calling the provider;
 *  3. send; 4. mark SENT (or RETRYING / DEAD with the reason and notification.delivery-failed.v1 via the outbox).
 * Finding the row already SENDING means an earlier attempt died between 2 and 4: the provider may or may not have
 * it. Webhooks and SMS are sent again with the SAME idempotency key (receivers/gateways drop the repeat); the inbox
 * is idempotent by delivery id; an e-mail is held as UNCERTAIN (no second e-mail) unless EMAIL_UNCERTAIN_POLICY=RESEND.
 */
@Injectable()
export class DeliveryWorker {
  private readonly logger = new Logger(DeliveryWorker.name);
  private readonly channels: Map<DeliveryChannel, Channel>;
  /**
   * Claims and SENT marks of concurrent jobs share statements (see Coalescer): one round trip and one commit for all
   * the jobs waiting at that moment, so the pool and Postgres are not the limit at high worker concurrency. Each job
   * still waits for its own row's commit (claim before send, SENT after). One statement of each kind at a time: two in
   * flight measured no faster in the bench (2026-11-28), and one keeps a row's claims from racing each other.
   */
  private readonly claims = new Coalescer<string, Delivery | null>({
    maxBatch: 100,
    maxInFlight: 1,
    run: async (ids) => {
      const claimed = await this.deliveries.claimDue(this.dataSource, [...new Set(ids)], this.clock.now());
      // Two jobs of one delivery at once (a stalled job picked up again): only the first gets the claim.
      return ids.map((id) => {
        const d = claimed.get(id) ?? null;
        claimed.delete(id);
        return fulfilled(d);
      });
    },
  });
  private readonly sent = new Coalescer<{ id: string; providerId: string | null }, void>({
    maxBatch: 100,
    maxInFlight: 1,
    run: async (items) => {
      await this.deliveries.markSent(this.dataSource, items, this.clock.now());
      return items.map(() => fulfilled(undefined));
    },
  });

  constructor(
    private readonly dataSource: DataSource,
    private readonly deliveries: DeliveryRepository,
    private readonly outbox: Outbox,
    @Inject(CHANNELS) channels: Channel[],
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationConfig,
  ) {
    this.channels = new Map(channels.map((c) => [c.name, c]));
  }

  async process(deliveryId: string, job: { attemptsMade: number; maxAttempts: number }): Promise<WorkOutcome> {
    const now = this.clock.now();
    // Common case in one statement shared with concurrent jobs: a due PENDING/RETRYING row becomes SENDING, committed
    // before the send.
    const claimed = (await this.claims.submit(deliveryId)) ?? (await this.claim(deliveryId, now));
    if (claimed === null) return { kind: 'nothing-to-do' };
    if (claimed === 'uncertain') return { kind: 'uncertain' };
    if ('delayUntil' in claimed) return { kind: 'delay', until: claimed.delayUntil };
    return this.send(claimed, job);
  }

  /** The careful path for anything but a due PENDING/RETRYING row: finished, not yet due, or SENDING after a crash. */
  private async claim(deliveryId: string, now: Date): Promise<Delivery | 'uncertain' | { delayUntil: Date } | null> {
    const current = await this.deliveries.get(this.dataSource, deliveryId);
    // Enqueued right after commit, so normally visible; if not (yet), BullMQ retries.
    if (!current) throw new Error(`delivery ${deliveryId} not found`);
    if (!['PENDING', 'RETRYING', 'SENDING'].includes(current.status)) return null;
    if (current.notBefore && current.notBefore > now) return { delayUntil: current.notBefore };

    return this.dataSource.transaction(async (tx) => {
      const before = await this.deliveries.get(tx, deliveryId, true);
      if (!before || !['PENDING', 'RETRYING', 'SENDING'].includes(before.status)) return null;
      if (before.status === 'SENDING' && before.channel === 'EMAIL' && this.config.EMAIL_UNCERTAIN_POLICY === 'HOLD') {
        await this.deliveries.transition(tx, deliveryId, ['SENDING'], 'UNCERTAIN', now, {
          lastError:
            'worker stopped after handing the e-mail to SMTP and before recording the result; not resent (an operator may replay)',
        });
        await this.publishFailure(tx, before, 'UNCERTAIN: e-mail outcome unknown after a worker crash', false);
        return 'uncertain' as const;
      }
      const detail =
        before.status === 'SENDING'
          ? 'resumed after an interrupted attempt: resending with the same idempotency key'
          : null;
      await this.deliveries.transition(tx, deliveryId, ['PENDING', 'RETRYING', 'SENDING'], 'SENDING', now, {
        countAttempt: true,
        detail,
      });
      return (await this.deliveries.get(tx, deliveryId))!;
    });
  }

  private async send(claimed: Delivery, job: { attemptsMade: number; maxAttempts: number }): Promise<WorkOutcome> {
    const deliveryId = claimed.id;
    const channel = this.channels.get(claimed.channel);
    try {
      if (!channel) throw new PermanentChannelError(`no channel ${claimed.channel}`);
      const result = await channel.send(claimed);
      if (this.config.NOTIFICATION_CRASH_AFTER_SEND.includes(claimed.channel)) {
        // Test hook (fault injection): die like kill -9 after the provider accepted and before SENT is recorded.
        process.kill(process.pid, 'SIGKILL');
        await new Promise(() => undefined);
      }
      await this.sent.submit({ id: deliveryId, providerId: result.providerId ?? null });
      return { kind: 'sent' };
    } catch (err) {
      // PermanentChannelError and the outbound clients' PermanentSendError (SMS gateway, SMTP) alike.
      const permanent = err instanceof PermanentSendError;
      const last = job.attemptsMade + 1 >= job.maxAttempts;
      const reason = failureText(err, 2000);
      if (permanent || last) {
        await this.dataSource.transaction(async (tx) => {
          const before = await this.deliveries.transition(tx, deliveryId, ['SENDING'], 'DEAD', this.clock.now(), {
            lastError: `${permanent ? 'permanent failure' : `gave up after ${claimed.attempts} attempts`}: ${reason}`,
          });
          if (before) await this.publishFailure(tx, { ...before, attempts: claimed.attempts }, reason, true);
        });
        this.logger.warn(`delivery ${deliveryId} (${claimed.channel}) is DEAD: ${reason}`);
        return { kind: 'dead' };
      }
      await this.deliveries.markRetrying(this.dataSource, deliveryId, reason, this.clock.now());
      throw err; // BullMQ schedules the next attempt (exponential backoff with jitter)
    }
  }

  /** notification.delivery-failed.v1 for operators (not for failures of that very notification: no loops). */
  private async publishFailure(
    tx: import('typeorm').EntityManager,
    d: Delivery,
    error: string,
    deadLettered: boolean,
  ): Promise<void> {
    if (d.eventType === 'notification.delivery-failed.v1') return;
    await this.outbox.add(tx, {
      topic: 'notification.delivery-failed.v1',
      leadId: d.leadId,
      key: d.leadId ?? d.id,
      actor: NOTIFICATION_ACTOR,
      payload: {
        leadId: d.leadId,
        deliveryId: d.id,
        channel: d.channel,
        recipient: d.recipient,
        sourceEventId: d.eventId,
        attempts: d.attempts,
        error: error.slice(0, 1000),
        deadLettered,
      },
    });
  }
}
