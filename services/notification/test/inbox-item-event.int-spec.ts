import { eventually, handledByConsumer } from '@outpost/testing';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { InboxChannel } from '../src/channels/inbox.channel';
import { DeliveryQueues } from '../src/deliveries/delivery-queues';
import { DeliveryRepository } from '../src/deliveries/delivery.repository';
import { Harness } from './support/notification.harness';
import { HttpReceiver } from './support/http-receiver';
import { SmtpSink } from './support/smtp-sink';

jest.setTimeout(120_000);

interface OutboxRow {
  topic: string;
  key: string;
  value: string;
  xmin: string;
}

/**
 * notification.inbox-item-added.v1 is written in the transaction that stores the inbox item. The relay is off here, so
 * neither row is touched after that commit and equal xmin (the inserting transaction id) proves it was ONE transaction.
 */
describe('notification: a new inbox item and its inbox-item-added event are one transaction (real stack)', () => {
  const smtp = new SmtpSink();
  const sms = new HttpReceiver();
  let h: Harness;
  const relayBefore = process.env.OUTBOX_RELAY_ENABLED;

  beforeAll(async () => {
    await Promise.all([smtp.start(), sms.start()]);
    process.env.OUTBOX_RELAY_ENABLED = 'false';
    h = await Harness.start({ smtp, sms });
    await h.seedRosterAndWait();
  });

  afterAll(async () => {
    await h?.close();
    await Promise.all([smtp.stop(), sms.stop()]);
    if (relayBefore === undefined) delete process.env.OUTBOX_RELAY_ENABLED;
    else process.env.OUTBOX_RELAY_ENABLED = relayBefore;
  });

  /** A new lead, registered and assigned to the pair (sentinel and volunteer each get an inbox item). */
  const newAssignedLead = async () => {
    const leadId = `lead-${uuidv7()}`;
    await h.registered(leadId);
    return { leadId, assigned: await h.assigned(leadId, { partnerId: null, dueAt: '2026-03-19T10:00:00Z' }) };
  };

  it('records an inbox delivery as SENT with its item in the consuming transaction: no job, and a redelivered event adds nothing', async () => {
    const { leadId, assigned } = await newAssignedLead();
    const deliveries = await eventually(async () => {
      const rows = await h.sql<{
        id: string;
        status: string;
        attempts: number;
        provider_id: string | null;
        sent_at: Date | null;
        created_at: Date;
        xmin: string;
      }>(
        `SELECT id, status, attempts, provider_id, sent_at, created_at, xmin::text AS xmin FROM delivery
         WHERE event_id = $1 AND channel = 'INBOX' ORDER BY recipient`,
        [assigned.id],
      );
      return rows.length === 2 ? rows : undefined;
    }, 30_000);
    const items = await h.sql<{ id: string; delivery_id: string; created_at: Date; xmin: string }>(
      `SELECT id, delivery_id, created_at, xmin::text AS xmin FROM inbox_item WHERE event_id = $1`,
      [assigned.id],
    );
    const [inboxRow] = await h.sql<{ xmin: string }>(`SELECT xmin::text AS xmin FROM inbox WHERE event_id = $1`, [
      assigned.id,
    ]);
    for (const d of deliveries) {
      const item = items.find((i) => i.delivery_id === d.id);
      expect(item).toBeDefined();
      expect(d).toMatchObject({ status: 'SENT', attempts: 1, provider_id: item!.id });
      // Created, sent and shown in the inbox at one time: when the event was handled.
      expect(d.sent_at).toEqual(item!.created_at);
      expect(d.created_at).toEqual(item!.created_at);
      // Delivery, item and the consumer's inbox row (the event marked as handled) were written by one transaction.
      expect(d.xmin).toBe(item!.xmin);
      expect(d.xmin).toBe(inboxRow!.xmin);
      const history = await h.sql<{ status: string; at: Date }>(
        `SELECT status, at FROM delivery_history WHERE delivery_id = $1 ORDER BY seq`,
        [d.id],
      );
      expect(history).toEqual([{ status: 'SENT', at: item!.created_at }]);
      expect(await h.app.get(DeliveryQueues).jobState('INBOX', d.id)).toBeNull();
    }

    // Kafka delivers the event again (a relay re-publish): the consumer skips it, no second item or event. A later
    // event of the same lead (same key, so the same partition, consumed after it) shows the repeat was handled.
    await h.produceAgain(assigned);
    const marker = await h.assigned(leadId, { partnerId: null, dueAt: '2026-03-20T10:00:00Z' });
    await handledByConsumer((text, params) => h.sql(text, params), [marker.id]);
    expect(await h.sql(`SELECT 1 FROM inbox_item WHERE event_id = $1`, [assigned.id])).toHaveLength(2);
    expect(await h.sql(`SELECT 1 FROM delivery WHERE event_id = $1 AND channel = 'INBOX'`, [assigned.id])).toHaveLength(
      2,
    );
    expect(
      await h.sql(
        `SELECT 1 FROM outbox WHERE topic = 'notification.inbox-item-added.v1' AND value::jsonb->'payload'->>'leadId' = $1`,
        [leadId],
      ),
    ).toHaveLength(4); // two for each of the two assignments
  });

  it('writes one event per new item, with the item, keyed by lead, title only; a repeated send adds neither', async () => {
    const { leadId, assigned } = await newAssignedLead();

    const items = await eventually(async () => {
      const rows = await h.sql<{
        id: string;
        person_id: string;
        title: string;
        body: string;
        urgent: boolean;
        created_at: Date;
        xmin: string;
      }>(
        `SELECT id, person_id, title, body, urgent, created_at, xmin::text AS xmin FROM inbox_item
         WHERE event_id = $1 ORDER BY person_id`,
        [assigned.id],
      );
      return rows.length === 2 ? rows : undefined;
    }, 30_000);
    expect(items.map((i) => i.person_id)).toEqual(['p-sentinel-1', 'p-volunteer-1']);

    const events = await h.sql<OutboxRow>(
      `SELECT topic, key, value, xmin::text AS xmin FROM outbox WHERE topic = 'notification.inbox-item-added.v1'
       AND value::jsonb->'payload'->>'leadId' = $1`,
      [leadId],
    );
    expect(events).toHaveLength(2);
    for (const item of items) {
      const ev = events.find(
        (e) => (JSON.parse(e.value) as { payload: { itemId: string } }).payload.itemId === item.id,
      );
      expect(ev).toBeDefined();
      expect(ev!.xmin).toBe(item.xmin);
      expect(ev!.key).toBe(leadId);
      const env = JSON.parse(ev!.value) as { type: string; leadId: string; payload: Record<string, unknown> };
      expect(env.type).toBe('notification.inbox-item-added.v1');
      expect(env.payload).toEqual({
        itemId: item.id,
        personId: item.person_id,
        eventType: 'assessment.lead-assigned.v1',
        leadId,
        title: item.title,
        urgent: item.urgent,
        createdAt: item.created_at.toISOString(),
      });
      // The body (and anything else rendered for the person) stays in notification.
      expect(ev!.value).not.toContain(item.body);
    }

    const itemEvents = () =>
      h.sql(
        `SELECT 1 FROM outbox WHERE topic = 'notification.inbox-item-added.v1' AND value::jsonb->'payload'->>'leadId' = $1`,
        [leadId],
      );
    // A send repeated for the same delivery (a worker that died after the send and before SENT, or a replay) finds the
    // item and publishes nothing again.
    const [first] = await h.sql<{ id: string; delivery_id: string }>(
      `SELECT id, delivery_id FROM inbox_item WHERE id = $1`,
      [items[0]!.id],
    );
    const delivery = await h.app.get(DeliveryRepository).get(h.app.get(DataSource), first!.delivery_id);
    const again = await h.app.get(InboxChannel).send(delivery!);
    expect(again.providerId).toBe(first!.id);
    expect(await h.sql(`SELECT 1 FROM inbox_item WHERE lead_id = $1`, [leadId])).toHaveLength(2);
    expect(await itemEvents()).toHaveLength(2);

    // Concurrent sends share one statement: repeats of one delivery inside it (and of one already stored) still give
    // one item and one event each.
    const inbox = h.app.get(InboxChannel);
    const other = await h.app
      .get(DeliveryRepository)
      .get(
        h.app.get(DataSource),
        (await h.sql<{ delivery_id: string }>(`SELECT delivery_id FROM inbox_item WHERE id = $1`, [items[1]!.id]))[0]!
          .delivery_id,
      );
    const answers = await Promise.all([delivery!, delivery!, other!, other!, delivery!].map((d) => inbox.send(d)));
    expect(answers.map((a) => a.providerId)).toEqual([first!.id, first!.id, items[1]!.id, items[1]!.id, first!.id]);
    expect(await h.sql(`SELECT 1 FROM inbox_item WHERE lead_id = $1`, [leadId])).toHaveLength(2);
    expect(await itemEvents()).toHaveLength(2);
  });
});
