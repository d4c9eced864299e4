import { type AuditCheckpointV1 } from '@outpost/contracts';
import { type AuditEntry, type AuditLog, computeEntryHash, toCheckpoint, verifyAuditLog } from '../src';
import {
  type AuditTestDb,
  chainEntries,
  entryInput,
  migrate,
  openAuditTestDb,
  relink,
  rewriteChain,
  seed,
  tamper,
} from './audit-fixture';

/**
 * The verifier against an adversary with superuser rights who knows the hash algorithm: each way of tampering must be
 * reported at the right place with the right reason (a verifier only tested on clean data proves little).
 */
describe(verifyAuditLog.name, () => {
  let t: AuditTestDb;
  let k = 0;

  beforeAll(async () => {
    t = await openAuditTestDb('audit_tamper');
  });
  afterAll(async () => {
    await t.close();
  });

  /** A fresh schema with 40 entries over 3 chains; `target` is a chain with at least 10 entries. */
  async function fixture(): Promise<{
    schema: string;
    log: AuditLog;
    target: number;
    checkpoint: () => Promise<AuditCheckpointV1>;
  }> {
    const schema = `tamper_${k++}`;
    const log = await migrate(t, schema, 3);
    let target = -1;
    for (let i = 0; i < 4; i++) {
      const batch = await seed(t, log, 10);
      if (i === 0) target = batch[0]!.chain;
    }
    const checkpoint = async () => toCheckpoint('intake', await log.heads(t.admin), new Date());
    return { schema, log, target, checkpoint };
  }

  it('an untouched log verifies clean, against a checkpoint too, also after later appends', async () => {
    const { schema, log, checkpoint } = await fixture();
    const cp = await checkpoint();
    await seed(t, log, 5);
    const sut = await verifyAuditLog(t.admin, schema, [cp]);
    expect(sut).toMatchObject({
      ok: true,
      entriesChecked: 45,
      chains: 3,
      firstBreak: null,
      checkpointsChecked: 1,
      breaks: [],
    });
  });

  it('detects an edited entry', async () => {
    const { schema, target } = await fixture();
    await tamper(t, schema, (q) =>
      q(`UPDATE "${schema}".audit_log SET reason = 'nothing to see' WHERE chain = $1 AND seq = 5`, [target]).then(
        () => undefined,
      ),
    );
    const sut = await verifyAuditLog(t.admin, schema);
    expect(sut.ok).toBe(false);
    expect(sut.firstBreak).toEqual({ chain: target, seq: 5, reason: 'hash mismatch: entry edited' });
  });

  it('detects an edited entry whose own hash was recomputed (the next link breaks)', async () => {
    const { schema, target } = await fixture();
    const [e5] = (await chainEntries(t, schema, target)).filter((e) => e.seq === 5);
    const forged = { ...e5!, toState: 'CLOSED' };
    await tamper(t, schema, (q) =>
      q(`UPDATE "${schema}".audit_log SET to_state = 'CLOSED', hash = $3 WHERE chain = $1 AND seq = $2`, [
        target,
        5,
        computeEntryHash(forged),
      ]).then(() => undefined),
    );
    expect((await verifyAuditLog(t.admin, schema)).firstBreak).toEqual({
      chain: target,
      seq: 6,
      reason: 'prevHash mismatch',
    });
  });

  it('detects a deleted entry', async () => {
    const { schema, target } = await fixture();
    await tamper(t, schema, (q) =>
      q(`DELETE FROM "${schema}".audit_log WHERE chain = $1 AND seq = 4`, [target]).then(() => undefined),
    );
    const sut = await verifyAuditLog(t.admin, schema);
    expect(sut.firstBreak).toEqual({ chain: target, seq: 4, reason: 'seq gap: entry deleted' });
  });

  it('detects a reordered pair, even with each entry re-hashed for its new position', async () => {
    const { schema, target } = await fixture();
    const entries = await chainEntries(t, schema, target);
    const a = entries[2]!; // seq 3
    const b = entries[3]!; // seq 4
    const swapped = [
      { ...b, seq: a.seq },
      { ...a, seq: b.seq },
    ].map((e) => ({ ...e, hash: computeEntryHash(e) }));
    await rewriteChain(t, schema, target, [...entries.slice(0, 2), ...swapped, ...entries.slice(4)]);
    const sut = await verifyAuditLog(t.admin, schema);
    expect(sut.firstBreak).toEqual({ chain: target, seq: 3, reason: 'prevHash mismatch' });
  });

  it('detects an inserted forged entry (later entries renumbered and re-hashed)', async () => {
    const { schema, target } = await fixture();
    const entries = await chainEntries(t, schema, target);
    const prev = entries[4]!; // seq 5
    const forgedFields = { ...prev, seq: 6, action: 'lead.closed', reason: 'backdated closure', prevHash: prev.hash };
    const forged: AuditEntry = { ...forgedFields, hash: computeEntryHash(forgedFields) };
    const shifted = entries
      .slice(5)
      .map((e) => ({ ...e, seq: e.seq + 1 }))
      .map((e) => ({ ...e, hash: computeEntryHash(e) }));
    await rewriteChain(t, schema, target, [...entries.slice(0, 5), forged, ...shifted]);
    const sut = await verifyAuditLog(t.admin, schema);
    expect(sut.firstBreak).toEqual({ chain: target, seq: 7, reason: 'prevHash mismatch' });
  });

  it('detects a forged entry appended behind the head', async () => {
    const { schema, target } = await fixture();
    const entries = await chainEntries(t, schema, target);
    const last = entries.at(-1)!;
    const fields = { ...last, seq: last.seq + 1, action: 'lead.closed', prevHash: last.hash };
    const forged = { ...fields, hash: computeEntryHash(fields) };
    await tamper(t, schema, async (q) => {
      await q(
        `INSERT INTO "${schema}".audit_log SELECT chain, $2, lead_id, actor, $3, from_state, to_state, reason, payload_digest, at, $4, $5
         FROM "${schema}".audit_log WHERE chain = $1 AND seq = $6`,
        [target, forged.seq, forged.action, forged.prevHash, forged.hash, last.seq],
      );
    });
    const sut = await verifyAuditLog(t.admin, schema);
    expect(sut.firstBreak).toEqual({ chain: target, seq: last.seq + 1, reason: 'entry beyond head: forged' });
  });

  it('detects a truncated tail: from the head, and against the checkpoint when the head was wound back too', async () => {
    const { schema, target, checkpoint } = await fixture();
    const cp = await checkpoint();
    const entries = await chainEntries(t, schema, target);
    const keep = entries.slice(0, entries.length - 3);
    const cpSeq = cp.chains.find((c) => c.chain === target)!.seq;
    expect(cpSeq).toBe(entries.length);

    await tamper(t, schema, (q) =>
      q(`DELETE FROM "${schema}".audit_log WHERE chain = $1 AND seq > $2`, [target, keep.length]).then(() => undefined),
    );
    expect((await verifyAuditLog(t.admin, schema)).firstBreak).toEqual({
      chain: target,
      seq: keep.length + 1,
      reason: 'head seq missing: truncated',
    });

    await tamper(t, schema, (q) =>
      q(`UPDATE "${schema}".audit_head SET seq = $2, hash = $3 WHERE chain = $1`, [
        target,
        keep.length,
        keep.at(-1)!.hash,
      ]).then(() => undefined),
    );
    // The database alone now looks consistent: only the published checkpoint can tell.
    expect((await verifyAuditLog(t.admin, schema)).ok).toBe(true);
    const sut = await verifyAuditLog(t.admin, schema, [cp]);
    expect(sut.ok).toBe(false);
    expect(sut.firstBreak).toEqual({ chain: target, seq: cpSeq, reason: 'checkpoint seq missing: truncated' });
    expect(sut.checkpointsChecked).toBe(1);
  });

  it('detects a whole-table rewrite with recomputed hashes and heads, against the checkpoint', async () => {
    const { schema, checkpoint } = await fixture();
    const cp = await checkpoint();
    const chains = cp.chains.filter((c) => c.seq > 0).map((c) => c.chain);
    for (const chain of chains) {
      const entries = await chainEntries(t, schema, chain);
      const edited = entries.map((e, i) => (i === 0 ? { ...e, reason: 'rewritten history' } : e));
      await rewriteChain(t, schema, chain, relink(edited, entries[0]!.prevHash));
    }
    expect((await verifyAuditLog(t.admin, schema)).ok).toBe(true);
    const sut = await verifyAuditLog(t.admin, schema, [cp]);
    expect(sut.ok).toBe(false);
    const first = cp.chains.filter((c) => c.seq > 0).sort((a, b) => a.chain - b.chain)[0]!;
    expect(sut.firstBreak).toEqual({
      chain: first.chain,
      seq: first.seq,
      reason: 'checkpoint hash mismatch: rewritten',
    });
    expect(sut.breaks).toHaveLength(chains.length);
  });

  it('reports only the first break of each chain and keeps verifying the other chains', async () => {
    const { schema, target } = await fixture();
    await tamper(t, schema, async (q) => {
      await q(`UPDATE "${schema}".audit_log SET action = 'x' WHERE chain = $1 AND seq IN (2, 3)`, [target]);
    });
    const sut = await verifyAuditLog(t.admin, schema, [], { batchSize: 7 });
    expect(sut.breaks).toEqual([{ chain: target, seq: 2, reason: 'hash mismatch: entry edited' }]);
    expect(sut.entriesChecked).toBe(40 - (await chainEntries(t, schema, target)).length + 1);
  });

  it('writes entries the verifier accepts for every actor shape', async () => {
    const schema = `tamper_${k++}`;
    const log = await migrate(t, schema, 2);
    await t.runtime.transaction((tx) =>
      log.appendMany(tx, [
        { ...entryInput(), actor: { type: 'source', sourceId: 'src-1', name: '96110' } },
        {
          ...entryInput(),
          actor: { type: 'user', userId: 'u', role: 'SUPERVISOR' },
          leadId: null,
          payload: { nested: { b: 1, a: [1, '二'] } },
        },
        { ...entryInput(), actor: { type: 'system', name: 'sla-timer' }, reason: 'it\'s "quoted"\n' },
      ]),
    );
    expect(await verifyAuditLog(t.admin, schema)).toMatchObject({ ok: true, entriesChecked: 3 });
  });
});
