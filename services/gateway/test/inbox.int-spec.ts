import type { InboxItem } from '@outpost/contracts';
import { envelopeHeaders, Outbox } from '@outpost/messaging';
import { eventually } from '@outpost/testing';
import { randomUUID } from 'node:crypto';
import { closeEventStreams, openEventStream } from './support/event-stream';
import { GatewayHarness } from './support/gateway-harness';
import { freePort, NotificationProcess } from './support/notification-process';

jest.setTimeout(240_000);

/**
 * The gateway shows each user's own notification inbox and pushes new items live. Real stack end to end: the REAL
 * notification service (its own process, run from source, same database and topic prefix) turns a lead assignment into
 * inbox items and publishes notification.inbox-item-added.v1 through its outbox; the gateway consumes it, NOTIFYs at
 * commit and pushes `event: inbox` to that person's SSE connections only; the HTTP API proxies to notification with
 * the user's internal token.
 */
describe('gateway: notification inbox over HTTP and live over SSE (real notification service)', () => {
  let h: GatewayHarness;
  let notification: NotificationProcess | null = null;
  let port = 0;
  const tokens: Record<string, string> = {};
  const auth = (login: string) => ({ authorization: `Bearer ${tokens[login]}` });

  const get = (login: string, url: string) => h.app.inject({ method: 'GET', url, headers: auth(login) });
  const post = (login: string, url: string) => h.app.inject({ method: 'POST', url, headers: auth(login) });

  const openStream = (login: string) => openEventStream(port, tokens[login]!);

  /** The `event: inbox` frames of a stream, parsed. */
  const inboxEvents = (text: string) =>
    text
      .split('\n\n')
      .filter((frame) => frame.startsWith('event: inbox\n'))
      .map(
        (frame) =>
          JSON.parse(
            frame
              .split('\n')
              .find((l) => l.startsWith('data: '))!
              .slice(6),
          ) as InboxItem & {
            itemId: string;
            personId: string;
          },
      );

  beforeAll(async () => {
    notification = new NotificationProcess(await freePort());
    h = await GatewayHarness.start({ env: { NOTIFICATION_URL: notification.url } });
    await notification.start(h);
    for (const login of ['sentinel1', 'sentinel2', 'volunteer1', 'operator1']) tokens[login] = await h.token(login);
    port = await h.listen();
  });

  afterEach(closeEventStreams);

  afterAll(async () => {
    await notification?.stop();
    await h?.stop();
  });

  it("an assignment becomes the assignee's inbox item: listed for them, pushed live to them only, read state kept", async () => {
    const assignee = await openStream('sentinel1');
    const other = await openStream('sentinel2');
    const operator = await openStream('operator1'); // not a lead reader: still gets its own inbox stream
    await eventually(() => (assignee.text().includes('event: ready') ? true : undefined));
    await eventually(() => (other.text().includes('event: ready') ? true : undefined));
    await eventually(() => (operator.text().includes('event: ready') ? true : undefined));

    const leadId = await h.assignNewLead('2026-03-19T10:00:00Z');

    // HTTP: the assignee's inbox has it (title rendered by notification, in Chinese).
    const mine = await notification!.explained(h, () =>
      eventually(async () => {
        const res = await get('sentinel1', '/api/v1/inbox');
        expect(res.statusCode).toBe(200);
        const body = res.json() as { items: InboxItem[]; unread: number };
        return body.items.some((i) => i.leadId === leadId && i.eventType === 'assessment.lead-assigned.v1')
          ? body
          : undefined;
      }, 60_000),
    );
    const item = mine.items.find((i) => i.leadId === leadId && i.eventType === 'assessment.lead-assigned.v1')!;
    expect(item.title).toContain('已分派');
    expect(item.readAt).toBeNull();

    // SSE: the assignee's stream got `event: inbox` with that item; another person's stream got no inbox event at all.
    const pushed = await notification!.explained(h, () =>
      eventually(() => inboxEvents(assignee.text()).find((e) => e.itemId === item.id), 30_000),
    );
    expect(pushed).toMatchObject({
      itemId: item.id,
      personId: 'p-sentinel-1',
      eventType: 'assessment.lead-assigned.v1',
      leadId,
      title: item.title,
      urgent: item.urgent,
    });
    expect(new Date(pushed.createdAt).getTime()).toBe(new Date(item.createdAt).getTime());
    expect(pushed).not.toHaveProperty('body');
    expect(inboxEvents(assignee.text()).every((e) => e.personId === 'p-sentinel-1')).toBe(true);
    // The pair partner's item was pushed too (same event): by then the other streams have had their chance.
    const partnerItem = await eventually(async () => {
      const body = (await get('volunteer1', '/api/v1/inbox')).json() as { items: InboxItem[] };
      return body.items.find((i) => i.leadId === leadId);
    }, 30_000);
    expect(partnerItem.id).not.toBe(item.id);
    await new Promise((r) => setTimeout(r, 1000));
    expect(other.text()).not.toContain('event: inbox');
    expect(operator.text()).not.toContain('event: inbox');
    expect(operator.text()).not.toContain('event: lead'); // the operator reads no leads
    expect(assignee.text()).not.toContain(partnerItem.id);

    // HTTP isolation: another user sees none of it and cannot mark it read.
    const others = (await get('sentinel2', '/api/v1/inbox')).json() as { items: InboxItem[]; unread: number };
    expect(others.items.filter((i) => i.leadId === leadId)).toEqual([]);
    const foreign = await post('sentinel2', `/api/v1/inbox/${item.id}/read`);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.headers['content-type']).toContain('application/problem+json');

    // Unread count decrements on read; the item keeps its readAt; read-all clears the rest.
    const before = (await get('sentinel1', '/api/v1/inbox/unread-count')).json() as { unread: number };
    expect(before.unread).toBeGreaterThanOrEqual(1);
    const read = await post('sentinel1', `/api/v1/inbox/${item.id}/read`);
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({ id: item.id, unread: before.unread - 1 });
    expect((read.json() as InboxItem).readAt).toBeTruthy();
    expect((await get('sentinel1', '/api/v1/inbox/unread-count')).json()).toEqual({ unread: before.unread - 1 });
    const unreadOnly = (await get('sentinel1', '/api/v1/inbox?unread=true')).json() as { items: InboxItem[] };
    expect(unreadOnly.items.map((i) => i.id)).not.toContain(item.id);
    const partnerUnread = (await get('volunteer1', '/api/v1/inbox/unread-count')).json() as { unread: number };
    const all = await post('sentinel1', '/api/v1/inbox/read-all');
    expect(all.statusCode).toBe(200);
    expect(all.json()).toMatchObject({ unread: 0 });
    expect((await get('sentinel1', '/api/v1/inbox/unread-count')).json()).toEqual({ unread: 0 });
    // The partner's item is untouched by the assignee's read-all.
    expect((await get('volunteer1', '/api/v1/inbox/unread-count')).json()).toEqual(partnerUnread);

    assignee.close();
    other.close();
    operator.close();
  });

  it('pages with limit/before (keyset), validates its input, and every role may read its own inbox', async () => {
    const leadId = await h.assignNewLead(null);
    await eventually(async () => {
      const body = (await get('sentinel1', '/api/v1/inbox')).json() as { items: InboxItem[] };
      return body.items.some((i) => i.leadId === leadId) && body.items.length >= 2 ? true : undefined;
    }, 60_000);
    const first = (await get('sentinel1', '/api/v1/inbox?limit=1')).json() as { items: InboxItem[] };
    expect(first.items).toHaveLength(1);
    const next = (await get('sentinel1', `/api/v1/inbox?limit=1&before=${first.items[0]!.id}`)).json() as {
      items: InboxItem[];
    };
    expect(next.items).toHaveLength(1);
    expect(next.items[0]!.id < first.items[0]!.id).toBe(true);

    const bad = await get('sentinel1', '/api/v1/inbox?limit=0&before=nope');
    expect(bad.statusCode).toBe(400);
    expect((bad.json() as { errors: Array<{ path: string }> }).errors.map((e) => e.path).sort()).toEqual([
      'before',
      'limit',
    ]);
    expect((await post('sentinel1', '/api/v1/inbox/not-a-uuid/read')).statusCode).toBe(400);
    // Empty parameters mean "not given".
    const empty = await get('sentinel1', '/api/v1/inbox?unread=&limit=&before=');
    expect(empty.statusCode).toBe(200);
    expect((empty.json() as { items: InboxItem[] }).items.length).toBeGreaterThanOrEqual(2);

    expect((await get('operator1', '/api/v1/inbox')).statusCode).toBe(200);
    // Documented in the gateway's OpenAPI, in Chinese like the other routes.
    const doc = (await h.app.inject({ method: 'GET', url: '/docs-json' })).json() as {
      paths: Record<string, Record<string, { summary?: string }>>;
    };
    expect(doc.paths['/api/v1/inbox']?.get?.summary).toContain('站内信');
    expect(doc.paths['/api/v1/inbox/unread-count']?.get?.summary).toContain('未读');
    expect(doc.paths['/api/v1/inbox/read-all']?.post?.summary).toContain('已读');
    expect(doc.paths['/api/v1/inbox/{id}/read']?.post?.summary).toContain('已读');
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/inbox' })).statusCode).toBe(401);
  });

  it('pushes a redelivered inbox-item-added event once (the gateway inbox dedups by event id)', async () => {
    const stream = await openStream('sentinel2');
    await eventually(() => (stream.text().includes('event: ready') ? true : undefined));
    const outbox = new Outbox({ schema: 'unused', producer: 'notification' });
    const event = (itemId: string) =>
      outbox.build({
        topic: 'notification.inbox-item-added.v1',
        leadId: null,
        key: itemId,
        actor: { type: 'system', name: 'notification' },
        payload: {
          itemId,
          personId: 'p-sentinel-2',
          eventType: 'assessment.deadline-reminder.v1',
          leadId: null,
          title: '测试提醒',
          urgent: true,
          createdAt: new Date().toISOString(),
        },
      });
    const send = (env: ReturnType<typeof event>) =>
      h.bus.send([{ topic: env.type, key: 'same-key', value: JSON.stringify(env), headers: envelopeHeaders(env) }]);
    const dup = event(randomUUID());
    const marker = event(randomUUID());
    await send(dup);
    await send(dup); // Kafka redelivery / relay re-publish: same envelope, same id
    await send(marker); // same key, so same partition: handled after both copies
    await eventually(() =>
      inboxEvents(stream.text()).some((e) => e.itemId === marker.payload.itemId) ? true : undefined,
    );
    expect(inboxEvents(stream.text()).filter((e) => e.itemId === dup.payload.itemId)).toHaveLength(1);
    expect(inboxEvents(stream.text())[0]).toMatchObject({ urgent: true, title: '测试提醒', leadId: null });

    // Items arriving together are applied in one batch and pushed by one statement at its end: each once, in order,
    // the redelivered copy inside the same batch included.
    const burst = Array.from({ length: 6 }, () => event(randomUUID()));
    await h.bus.send(
      [...burst, burst[2]!].map((env) => ({
        topic: env.type,
        key: 'same-key',
        value: JSON.stringify(env),
        headers: envelopeHeaders(env),
      })),
    );
    const burstIds = burst.map((e) => e.payload.itemId);
    const pushed = await eventually(() => {
      const ids = inboxEvents(stream.text())
        .map((e) => e.itemId)
        .filter((id) => burstIds.includes(id));
      return ids.length >= burst.length ? ids : undefined;
    });
    await new Promise((r) => setTimeout(r, 500)); // a second push of the repeated item would have arrived by now
    expect(
      inboxEvents(stream.text())
        .map((e) => e.itemId)
        .filter((id) => burstIds.includes(id)),
    ).toEqual(burstIds);
    expect(pushed).toEqual(burstIds);
    stream.close();
  });

  it('answers 503 problem+json when notification is down', async () => {
    await notification!.stop();
    for (const [method, url] of [
      ['GET', '/api/v1/inbox'],
      ['GET', '/api/v1/inbox/unread-count'],
      ['POST', '/api/v1/inbox/read-all'],
      ['POST', `/api/v1/inbox/${randomUUID()}/read`],
    ] as const) {
      const res = await h.app.inject({ method, url, headers: auth('sentinel1') });
      expect(`${method} ${url} ${res.statusCode}`).toBe(`${method} ${url} 503`);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE', service: 'notification' });
    }
  });
});
