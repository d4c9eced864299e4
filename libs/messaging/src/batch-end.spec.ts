import type { DataSource, EntityManager } from 'typeorm';
import { BatchCollector, BatchState } from './batch-end';
import { EventConsumer } from './event-consumer';
import type { KafkaBus } from './kafka-bus';

/** A transaction as the consumer sees it: an EntityManager and its QueryRunner (the key of its batch end). */
const transaction = () => ({ queryRunner: {} }) as unknown as EntityManager;

/** Batch ends need no Kafka or Postgres: withBatchEnd opens one as applyBatch does. */
const consumer = () =>
  new EventConsumer({
    dataSource: {} as DataSource,
    schema: 'svc',
    bus: {} as KafkaBus,
    groupId: 'batch-end-spec',
    handlers: {},
  });

describe('batch end (EventConsumer.atBatchEnd, BatchCollector, BatchState)', () => {
  it('outside a batch transaction defers nothing: the caller works at once, a collector flushes each add', async () => {
    const c = consumer();
    const tx = transaction();
    const fn = jest.fn(async () => undefined);
    expect(c.atBatchEnd(tx, fn)).toBe(false);
    const flushed: string[][] = [];
    const collector = new BatchCollector<string>(c, async (_tx, items) => {
      flushed.push(items);
    });
    await collector.add(tx, 'a');
    await collector.add(tx, 'b', 'c');
    await collector.add(tx);
    expect(flushed).toEqual([['a'], ['b', 'c']]);
    expect(new BatchState(c, { start: () => [], end: async () => undefined }).of(tx)).toBeUndefined();
    expect(fn).not.toHaveBeenCalled();
  });

  it('in a batch transaction defers to its end: after the batch, before withBatchEnd returns, one flush in add order', async () => {
    const c = consumer();
    const [tx, other] = [transaction(), transaction()];
    const log: string[] = [];
    const collector = new BatchCollector<string>(c, async (t, items) => {
      log.push(`${t === tx ? 'tx' : 'other'}: ${items.join(',')}`);
    });
    const result = await c.withBatchEnd(tx, async () => {
      expect(c.atBatchEnd(tx, async () => void log.push('deferred'))).toBe(true);
      await collector.add(tx, 'a');
      await collector.add(other, 'x'); // not a batch transaction: at once
      await collector.add(tx, 'b', 'c');
      log.push('handlers done');
      return 42;
    });
    expect(result).toBe(42);
    expect(log).toEqual(['other: x', 'handlers done', 'deferred', 'tx: a,b,c']);
    // Over: the transaction is no batch transaction any more.
    expect(c.atBatchEnd(tx, async () => undefined)).toBe(false);
  });

  it('runs all work before the writes: what work adds to a collection is written by its one flush', async () => {
    const c = consumer();
    const tx = transaction();
    const log: string[] = [];
    const journal = new BatchCollector<string>(c, async (_tx, items) => void log.push(`write ${items.join(',')}`));
    // Like routing a batch's leads at its end: each route is journalled.
    const routes = new BatchCollector<string>(
      c,
      async (t, items) => {
        log.push(`route ${items.join(',')}`);
        await journal.add(t, ...items.map((i) => `assigned ${i}`));
      },
      { stage: 'work' },
    );
    await c.withBatchEnd(tx, async () => {
      await journal.add(tx, 'triaged 1'); // the journal's write is deferred first ...
      await routes.add(tx, '1');
      await journal.add(tx, 'triaged 2');
      await routes.add(tx, '2');
    });
    // ... yet runs after the routing work, with everything in record order.
    expect(log).toEqual(['route 1,2', 'write triaged 1,triaged 2,assigned 1,assigned 2']);
  });

  it('drains until nothing is pending: what is added after its collection was written is written in the same batch', async () => {
    const c = consumer();
    const tx = transaction();
    const log: string[] = [];
    const a = new BatchCollector<string>(c, async (_tx, items) => void log.push(`a ${items.join(',')}`));
    const b = new BatchCollector<string>(c, async (t, items) => {
      log.push(`b ${items.join(',')}`);
      await a.add(t, 'late'); // a was written already
      c.atBatchEnd(t, async () => void log.push('work deferred by a write'));
    });
    await c.withBatchEnd(tx, async () => {
      await a.add(tx, 'a1');
      await b.add(tx, 'b1');
    });
    expect(log).toEqual(['a a1', 'b b1', 'work deferred by a write', 'a late']);
  });

  it('keeps one state per batch, made on first use and ended once with all of it', async () => {
    const c = consumer();
    const tx = transaction();
    const ended: string[][] = [];
    const state = new BatchState<string[]>(c, {
      start: () => [],
      end: async (_tx, s) => void ended.push(s),
    });
    await c.withBatchEnd(tx, async () => {
      state.of(tx)!.push('a');
      state.of(tx)!.push('b');
      expect(state.of(tx)).toEqual(['a', 'b']);
    });
    expect(ended).toEqual([['a', 'b']]);
    // A new batch in another transaction starts afresh.
    const next = transaction();
    await c.withBatchEnd(next, async () => {
      expect(state.of(next)).toEqual([]);
    });
    expect(ended).toEqual([['a', 'b'], []]);
  });

  it('stops at a failing callback and rejects (the caller rolls back); nothing after it runs', async () => {
    const c = consumer();
    const tx = transaction();
    const written: string[] = [];
    const collector = new BatchCollector<string>(c, async (_tx, items) => void written.push(...items));
    await expect(
      c.withBatchEnd(tx, async () => {
        c.atBatchEnd(tx, async () => {
          throw new Error('batch end broken');
        });
        await collector.add(tx, 'a');
      }),
    ).rejects.toThrow('batch end broken');
    expect(written).toEqual([]);
    expect(c.atBatchEnd(tx, async () => undefined)).toBe(false);
  });

  it('refuses to open a transaction that is a batch transaction already', async () => {
    const c = consumer();
    const tx = transaction();
    await c.withBatchEnd(tx, async () => {
      await expect(c.withBatchEnd(tx, async () => undefined)).rejects.toThrow('batch transaction already');
    });
  });
});
