import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateInstanceKeyPair, recordId, signText, threadIdFor, verifyRecordSignature, type LogRecord } from '@syncropel/algebra';
import { FEDERATION_PAIRS_THREAD, KernelError, THREAD_OWNER_TOPIC, createKernel, type ForeignRules, type Kernel } from '@syncropel/kernel';
import { createMemoryLogStore } from '@syncropel/log';
import { openSqliteLogStore } from '@syncropel/log-sqlite';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

const key = generateInstanceKeyPair();
const dir = mkdtempSync(join(tmpdir(), 'spl-foreign-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let kernels: Kernel[] = [];
afterEach(async () => {
  for (const k of kernels) await k.stop();
  kernels = [];
});

const thread = threadIdFor('shared');
const rec = (clock: number, parents: string[] = [], extra: Partial<LogRecord> = {}): LogRecord => ({
  parents: [...parents].sort(),
  thread,
  actor: 'did:sync:user:bob',
  act: 'KNOW',
  body: { n: clock },
  clock,
  data_type: 'SCALAR',
  judged_by: null,
  ...extra,
});
const anyRecord: ForeignRules = { admit: () => undefined };

async function start(options: Partial<Parameters<typeof createKernel>[0]> = {}): Promise<Kernel> {
  const k = createKernel({ store: createMemoryLogStore(), actor: key.did, ...options });
  await k.start();
  kernels.push(k);
  return k;
}

describe('the kernel signs what it says', () => {
  it('its own records carry a sig by the instance key over the id bytes; others are left as sent', async () => {
    const k = await start({ signer: (text) => signText(text, key.secretKey) });
    const own = await k.emit(key.did, { thread, act: 'KNOW', body: { note: 1 } });
    expect(own.record.sig).toMatch(/^[0-9a-f]{128}$/);
    expect(verifyRecordSignature(own.record, key.publicKey)).toBe(true);
    const theirs = await k.ingest(rec(0, [], { act: 'INTEND' }));
    expect(theirs.record.sig).toBeUndefined();
  });

  it('without a signer its records are unsigned', async () => {
    const k = await start();
    expect((await k.emit(key.did, { thread, act: 'KNOW', body: {} })).record.sig).toBeUndefined();
  });
});

describe('ingesting foreign records', () => {
  it('a record whose parents are missing waits (nothing stored); offered again after them, it is stored', async () => {
    const k = await start();
    const a = rec(0);
    const b = rec(1, [recordId(a)]);
    const first = await k.ingestForeign([b], anyRecord);
    expect(first).toEqual([{ status: 'waiting', id: recordId(b), missing: [recordId(a)] }]);
    expect(await k.record(recordId(b))).toBeUndefined();
    // Parent and child in one batch, child first: the child still waits for a parent stored after it in the batch.
    const second = await k.ingestForeign([a, b], anyRecord);
    expect(second.map((o) => o.status)).toEqual(['created', 'created']);
    expect((await k.ingestForeign([a, b], anyRecord)).map((o) => o.status)).toEqual(['duplicate', 'duplicate']);
  });

  it('clocks that do not advance are stored, and a later local write still goes above them', async () => {
    const k = await start();
    const [high, low, same] = [rec(9), rec(3), rec(9, [], { body: { fork: true } })];
    const out = await k.ingestForeign([high, low, same], anyRecord);
    expect(out.map((o) => o.status)).toEqual(['created', 'created', 'created']);
    expect(await k.lastClock('did:sync:user:bob', thread)).toBe(9);
    await expect(k.ingest(rec(9, [], { body: { local: true } }))).rejects.toMatchObject({ code: 'CLOCK_CONFLICT' });
    expect((await k.ingest(rec(10))).status).toBe('created');
    expect(await k.lastClock('did:sync:user:bob', thread)).toBe(10);
  });

  it('refuses records one by one: the caller’s rules and malformed input; the rest of the batch is stored', async () => {
    const k = await start();
    const rules: ForeignRules = {
      admit(r, _id, field) {
        if (r.actor === 'did:sync:user:mallory') throw new KernelError('DID_CLAIM_DENIED', `${field}.actor is not allowed here`, `${field}.actor`);
      },
    };
    const out = await k.ingestForeign([rec(0, [], { actor: 'did:sync:user:mallory' }), { nope: true }, rec(1)], rules);
    expect(out[0]).toMatchObject({ status: 'refused', code: 'DID_CLAIM_DENIED', message: 'records[0].actor is not allowed here' });
    expect(out[1]).toMatchObject({ status: 'refused', id: null, code: 'VALIDATION_FAILED' });
    expect(out[2]).toMatchObject({ status: 'created' });
    expect(k.health().record_count).toBe(1);
  });

  it('survives a restart on SQLite exactly as stored (signatures and out-of-order clocks)', async () => {
    const path = join(dir, 'foreign.db');
    const store = openSqliteLogStore({ path });
    const k = await start({ store });
    const signed = { ...rec(5), sig: signText('x', key.secretKey) };
    await k.ingestForeign([signed, rec(2)], anyRecord);
    await k.stop();
    kernels = [];
    await store.close();
    const again = openSqliteLogStore({ path });
    const k2 = await start({ store: again });
    expect((await k2.record(recordId(signed)))?.sig).toBe(signed.sig);
    expect(await k2.lastClock('did:sync:user:bob', thread)).toBe(5);
    await k2.stop();
    kernels = [];
    await again.close();
  });
});

describe('work ownership', () => {
  it('work on a thread another instance owns is not dispatched here; on its own threads it is', async () => {
    const k = await start({ workLoop: true });
    const other = generateInstanceKeyPair().did;
    const theirs = threadIdFor('theirs');
    await k.emit(key.did, { thread: FEDERATION_PAIRS_THREAD, act: 'LEARN', body: { topic: THREAD_OWNER_TOPIC, name: theirs, thread: theirs, owner: other } });
    expect(k.threadOwner(theirs)).toBe(other);
    expect(k.threadOwner(thread)).toBe(key.did);
    await k.ingestForeign([rec(0, [], { thread: theirs, act: 'INTEND' })], anyRecord);
    await k.ingestForeign([rec(1, [], { act: 'INTEND' })], anyRecord);
    // Only the INTEND on this instance's own thread waits for RECONCILE (no adapter: it gets a notice).
    for (let i = 0; i < 200 && k.health().reconciled_total < 1; i++) await new Promise((r) => setTimeout(r, 10));
    expect(k.health().reconciled_total).toBe(1);
    expect((await k.records({ thread: theirs, limit: 10 })).filter((r) => r.actor === key.did)).toEqual([]);
    expect((await k.records({ thread, limit: 10 })).filter((r) => r.actor === key.did)).toHaveLength(1);
  });
});
