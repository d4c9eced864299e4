import { ZodError } from 'zod';
import type { EntityManager } from 'typeorm';
import { bindCorrelation, correlated, requestCorrelation, withCorrelation } from './correlation';
import { Outbox } from './outbox';
import type { PublishInput } from './event-envelope';
import { parseEvent, InvalidMessageError } from './parse-event';

const checkpoint = (seq: number): PublishInput<'audit.checkpoint.v1'> => ({
  topic: 'audit.checkpoint.v1',
  payload: { service: 'intake', takenAt: '2026-11-27T08:00:00.000Z', chains: [{ chain: 0, seq, hash: 'abc' }] },
  leadId: null,
  key: 'intake',
  actor: { type: 'system' },
});

describe(Outbox.name, () => {
  const now = new Date('2026-11-27T08:00:01.000Z');
  const sut = new Outbox({ schema: 'intake', producer: 'intake', now: () => now });

  it('builds a valid envelope with a UUID v7 id, the topic version and the clock time', () => {
    const e = sut.build(checkpoint(1));
    expect(e.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(e).toMatchObject({
      type: 'audit.checkpoint.v1',
      version: 1,
      producer: 'intake',
      occurredAt: now.toISOString(),
      key: 'intake',
    });
    expect(e.correlationId).toBe(e.id);
    expect(e.causationId).toBeNull();
  });

  /** A transaction as the outbox sees it: an EntityManager and its QueryRunner (the binding's key). */
  const transaction = () => ({ queryRunner: {} }) as unknown as EntityManager;

  it("takes correlation, causation and traceparent from the context bound to the transaction, and only that one's", () => {
    const tx = transaction();
    bindCorrelation(tx, { correlationId: 'corr-1', traceparent: '00-abc-def-01', causationId: 'cause-1' });
    expect(sut.build(checkpoint(1), tx)).toMatchObject({
      correlationId: 'corr-1',
      causationId: 'cause-1',
      traceparent: '00-abc-def-01',
    });
    // Another transaction, or no transaction: the event starts its own correlation.
    for (const other of [transaction(), undefined]) {
      const e = sut.build(checkpoint(1), other);
      expect([e.correlationId, e.causationId, e.traceparent]).toEqual([e.id, null, undefined]);
    }
    bindCorrelation(tx, undefined);
    const unbound = sut.build(checkpoint(1), tx);
    expect(unbound.correlationId).toBe(unbound.id);
  });

  it('lets explicit values win over the context', () => {
    const tx = transaction();
    bindCorrelation(tx, { correlationId: 'ctx', causationId: 'ctx-cause' });
    const e = sut.build({ ...checkpoint(1), correlationId: 'mine', causationId: null }, tx);
    expect(e).toMatchObject({ correlationId: 'mine', causationId: null });
  });

  it('binds a context for the time of a call and restores the one before, also when the call fails', async () => {
    const tx = transaction();
    bindCorrelation(tx, { correlationId: 'outer' });
    const inner = await withCorrelation(tx, { correlationId: 'inner', causationId: 'e-1' }, async () =>
      sut.build(checkpoint(1), tx),
    );
    expect(inner).toMatchObject({ correlationId: 'inner', causationId: 'e-1' });
    await expect(
      withCorrelation(tx, { correlationId: 'failing' }, async () => {
        throw new Error('handler failed');
      }),
    ).rejects.toThrow('handler failed');
    expect(sut.build(checkpoint(1), tx)).toMatchObject({ correlationId: 'outer', causationId: null });
  });

  it("binds a request's context to each transaction its command work runs in, whoever opens it", async () => {
    const ctx = { correlationId: 'req-7', traceparent: '00-abc-def-01', causationId: null };
    const work = correlated(ctx, async (tx: EntityManager) => sut.build(checkpoint(1), tx));
    // An opener that retries calls the work again in a new transaction: that one carries the context too.
    for (const tx of [transaction(), transaction()])
      expect(await work(tx)).toMatchObject({ correlationId: 'req-7', traceparent: '00-abc-def-01', causationId: null });
    // No context (no request id): the command's events start their own correlation.
    const own = await correlated(undefined, async (tx: EntityManager) => sut.build(checkpoint(1), tx))(transaction());
    expect(own.correlationId).toBe(own.id);
  });

  it("reads a request's context from its id and a well-formed traceparent only", () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    expect(requestCorrelation({ id: 'req-1', headers: { traceparent } })).toEqual({
      correlationId: 'req-1',
      traceparent,
      causationId: null,
    });
    expect(requestCorrelation({ id: 'req-2', headers: { traceparent: 'not-a-trace' } })).toEqual({
      correlationId: 'req-2',
      causationId: null,
    });
    expect(requestCorrelation({ headers: {} })).toBeUndefined();
  });

  it('throws on a payload that does not match the topic schema', () => {
    // A cast is needed: the typed topic → payload map already rejects this at compile time.
    const bad = {
      ...checkpoint(1),
      payload: { service: 'intake', takenAt: 'yesterday', chains: [] },
    } as unknown as PublishInput<'audit.checkpoint.v1'>;
    expect(() => sut.build(bad)).toThrow(ZodError);
  });

  it('refuses to publish another service’s topic', () => {
    const other = new Outbox({ schema: 'gateway', producer: 'gateway' });
    const input = {
      ...checkpoint(1),
      topic: 'intake.lead-linked.v1',
    } as unknown as PublishInput<'audit.checkpoint.v1'>;
    expect(() => other.build(input)).toThrow(/gateway may not publish intake.lead-linked.v1/);
  });

  it('needs a key when there is no lead id', () => {
    expect(() => sut.build({ ...checkpoint(1), key: undefined })).toThrow(/needs a leadId or an explicit key/);
  });

  it('rejects a schema name that is not a plain identifier', () => {
    expect(() => new Outbox({ schema: 'intake"; drop table x; --', producer: 'intake' })).toThrow(/identifier/);
  });

  it('round-trips through parseEvent', () => {
    const e = sut.build(checkpoint(7));
    expect(parseEvent('audit.checkpoint.v1', Buffer.from(JSON.stringify(e)))).toEqual(e);
  });
});

describe(parseEvent.name, () => {
  const sut = parseEvent;
  const valid = new Outbox({ schema: 'intake', producer: 'intake' }).build(checkpoint(1));

  it.each([
    ['an unknown topic', 'nope.v1', JSON.stringify(valid)],
    ['a tombstone', 'audit.checkpoint.v1', null],
    ['non-JSON', 'audit.checkpoint.v1', '{oops'],
    ['an envelope for another topic', 'intake.lead-linked.v1', JSON.stringify(valid)],
    ['a bad payload', 'audit.checkpoint.v1', JSON.stringify({ ...valid, payload: { service: 'nobody' } })],
    ['a missing envelope field', 'audit.checkpoint.v1', JSON.stringify({ ...valid, id: undefined })],
  ])('rejects %s as an invalid message', (_name, topic, value) => {
    expect(() => sut(topic, value)).toThrow(InvalidMessageError);
  });
});
