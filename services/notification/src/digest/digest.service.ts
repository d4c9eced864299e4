import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { CLOCK, type Clock } from '@outpost/clock';
import { SERVICE_CONFIG } from '@outpost/platform';
import { Queue, Worker } from 'bullmq';
import IORedis, { type Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { NotificationConfig } from '../config/notification.config';
import { ContactRepository } from '../contacts/contact.repository';
import { DeliveryQueues } from '../deliveries/delivery-queues';
import { DeliveryRepository } from '../deliveries/delivery.repository';
import { localDate } from '../deliveries/quiet-hours';
import { parseRecipientKey } from '../rules/rule.types';
import { renderDigest } from '../templates/templates';

/** A UUID derived from text: the digest of one person for one day always has the same "event id". */
function uuidFrom(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export const DIGEST_EVENT_TYPE = 'notification.daily-digest';

/**
 * Daily digest: non-urgent e-mail/SMS items held as DIGEST are folded into one e-mail per person. The digest is itself
 * a delivery (event id = hash(person, local date), so running twice a day makes one), sent by the EMAIL worker with
 * the same guarantees. Scheduled by a BullMQ job scheduler at DIGEST_AT Asia/Shanghai; operators can run it by hand.
 */
@Injectable()
export class DigestService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DigestService.name);
  private queue?: Queue;
  private worker?: Worker;
  private readonly connections: Redis[] = [];

  constructor(
    private readonly dataSource: DataSource,
    private readonly deliveries: DeliveryRepository,
    private readonly contacts: ContactRepository,
    private readonly queues: DeliveryQueues,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.NOTIFICATION_WORKERS) return;
    const name = `${this.config.NOTIFICATION_QUEUE_PREFIX}-digest`;
    this.queue = new Queue(name, { connection: this.redis(false) });
    const [h, m] = this.config.DIGEST_AT.split(':').map(Number);
    await this.queue.upsertJobScheduler(
      'daily-digest',
      { pattern: `${m} ${h} * * *`, tz: 'Asia/Shanghai' },
      { name: 'digest' },
    );
    this.worker = new Worker(name, async () => this.run(), { connection: this.redis(true) });
    this.worker.on('error', (err) => this.logger.error(`digest worker: ${String(err)}`));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.worker?.close();
    await this.queue?.close();
    await Promise.all(this.connections.map((c) => c.quit().catch(() => c.disconnect())));
    this.connections.length = 0;
  }

  /** Builds today's digest for everyone with held items; returns how many digests were created. */
  async run(): Promise<{ digests: number; items: number }> {
    const now = this.clock.now();
    const date = localDate(now);
    const held: Array<{ recipient: string }> = await this.dataSource.query(
      `SELECT DISTINCT recipient FROM delivery WHERE status = 'DIGEST' AND created_at <= $1 ORDER BY recipient`,
      [now],
    );
    let digests = 0;
    let items = 0;
    for (const { recipient } of held) {
      const created = await this.dataSource.transaction(async (tx) => {
        const rows: Array<{
          id: string;
          event_id: string;
          lead_id: string | null;
          subject: string | null;
          body: string;
          created_at: Date;
        }> = await tx.query(
          `SELECT id, event_id, lead_id, subject, body, created_at FROM delivery WHERE recipient = $1 AND status = 'DIGEST' AND created_at <= $2
           ORDER BY created_at, id FOR UPDATE SKIP LOCKED`,
          [recipient, now],
        );
        if (!rows.length) return null;
        const person = parseRecipientKey(recipient);
        const contact = person.kind === 'person' ? await this.contacts.get(tx, person.personId) : null;
        // One line per event even when the person held it for both e-mail and SMS.
        const seen = new Set<string>();
        const lines = rows.filter((r) => (seen.has(r.event_id) ? false : (seen.add(r.event_id), true)));
        const digestId = uuidv7();
        let enqueue = false;
        if (contact?.email && contact.active) {
          const msg = renderDigest(
            lines.map((r) => ({ subject: r.subject, body: r.body, createdAt: r.created_at })),
            date,
            contact.locale,
          );
          enqueue = await this.deliveries.insert(
            tx,
            {
              id: digestId,
              eventId: uuidFrom(`digest|${recipient}|${date}`),
              eventType: DIGEST_EVENT_TYPE,
              leadId: null,
              recipient,
              channel: 'EMAIL',
              ruleIds: [],
              urgent: false,
              status: 'PENDING',
              subject: msg.subject,
              body: msg.body,
              notBefore: null,
            },
            now,
          );
          if (!enqueue) return null; // today's digest already went out: these wait for tomorrow's
        }
        for (const r of rows) {
          await this.deliveries.transition(tx, r.id, ['DIGEST'], 'DIGESTED', now, {
            digestId: enqueue ? digestId : undefined,
            detail: enqueue
              ? `in daily digest ${digestId}`
              : 'no e-mail address for a digest: visible in the inbox only',
          });
        }
        return { enqueue, digestId, count: rows.length };
      });
      if (!created) continue;
      items += created.count;
      if (created.enqueue) {
        digests++;
        await this.queues
          .enqueue({ id: created.digestId, channel: 'EMAIL', notBefore: null })
          .catch((e: unknown) => this.logger.warn(`digest enqueue (reconciler repairs): ${String(e)}`));
      }
    }
    return { digests, items };
  }

  private redis(forWorker: boolean): Redis {
    const c = new IORedis(this.config.REDIS_URL, { maxRetriesPerRequest: forWorker ? null : 3 });
    this.connections.push(c);
    return c;
  }
}
