import { recordId, threadIdFor, type LogRecord } from '@syncropel/algebra';
import { createKernel, isKernelError, MAX_CLOCK_STEP, type Authority, type Kernel, type Writer } from '@syncropel/kernel';
import { createMemoryLogStore, type LogStore } from '@syncropel/log';
import { describe, expect, it } from 'vitest';

const ENGINE = `did:sync:instance:${'c3'.repeat(32)}`;
const thread = threadIdFor('authority');
const other = threadIdFor('authority-other');
const rec = (actor: string, clock: number, extra: object = {}) => ({ parents: [], thread, actor, act: 'DO', body: {}, clock, data_type: 'SCALAR', ...extra });

/** A service-account-like writer: its own DID, listed extra DIDs, and the authorities it holds. */
function writer(did: string, actors: string[] = [], holds: Authority[] = [], admit?: Writer['admit']): Writer {
  return { did, actors, holds: (a) => holds.includes(a), ...(admit ? { admit } : {}) };
}

async function started(store: LogStore = createMemoryLogStore()): Promise<{ kernel: Kernel; store: LogStore }> {
  const kernel = createKernel({ store, actor: ENGINE });
  await kernel.start();
  return { kernel, store };
}

async function refusal(p: Promise<unknown>): Promise<{ code: string; field?: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (isKernelError(e)) return { code: e.code, message: e.message, ...(e.field === undefined ? {} : { field: e.field }) };
    throw e;
  }
  throw new Error('expected a refusal');
}

const ci = writer('did:sync:sa:sa-ci', ['did:sync:agent:x']);

describe('ingest checks every record against its writer', () => {
  it('refuses the daemon-only threads to every caller of kernel.ingest, host included, while the kernel still writes them', async () => {
    const { kernel, store } = await started();
    for (const t of ['th_service_accounts', 'th_audit', 'th_federation_pairs']) {
      const forged = { ...rec('did:sync:user:alice', 0), thread: t, act: 'LEARN', body: { topic: 'service_account', sa_id: 'evil', scopes: ['admin'] } };
      expect(await refusal(kernel.ingest(forged))).toMatchObject({ code: 'RESERVED_THREAD', field: 'thread' });
      expect(await refusal(kernel.ingest({ ...forged, actor: 'did:sync:sa:sa-ci' }, { writer: ci }))).toMatchObject({ code: 'RESERVED_THREAD', field: 'thread' });
      expect(await refusal(kernel.ingestBatch([rec('did:sync:user:alice', 1), forged]))).toMatchObject({ code: 'RESERVED_THREAD', field: 'records[1].thread' });
    }
    expect(await store.count()).toBe(0);
    await kernel.emit(ENGINE, { thread: 'th_audit', act: 'KNOW', body: { topic: 'kernel-may' } });
    expect(await store.count()).toBe(1);
    await kernel.stop();
  });

  it("refuses the instance's own DID in actor or judged_by, in any case, from every writer", async () => {
    const { kernel, store } = await started();
    for (const did of [ENGINE, ENGINE.toUpperCase().replace('DID:SYNC:INSTANCE', 'did:sync:instance')]) {
      expect(await refusal(kernel.ingest(rec(did, 0)))).toMatchObject({ code: 'DID_CLAIM_DENIED', field: 'actor' });
      expect(await refusal(kernel.ingest({ ...rec('did:sync:user:alice', 0), judged_by: did }))).toMatchObject({ code: 'DID_CLAIM_DENIED', field: 'judged_by' });
      const listed = writer('did:sync:sa:sa-ci', [did]);
      expect(await refusal(kernel.ingest(rec(did, 0), { writer: listed }))).toMatchObject({ code: 'DID_CLAIM_DENIED', field: 'actor' });
    }
    expect(await store.count()).toBe(0);
    await kernel.stop();
  });

  it('binds actor and judged_by to the writer: its own DID and the ones listed for it, nothing else', async () => {
    const { kernel, store } = await started();
    expect((await kernel.ingest(rec('did:sync:sa:sa-ci', 0), { writer: ci })).status).toBe('created');
    expect((await kernel.ingest(rec('did:sync:agent:x', 0, { judged_by: 'did:sync:sa:sa-ci' }), { writer: ci })).status).toBe('created');
    const forged = await refusal(kernel.ingest(rec('did:sync:sa:sa-bootstrap-env', 0), { writer: ci }));
    expect(forged).toMatchObject({ code: 'DID_CLAIM_DENIED', field: 'actor' });
    expect(forged.message).toContain('did:sync:sa:sa-bootstrap-env');
    const verdict = rec('did:sync:sa:sa-ci', 1, { act: 'KNOW', body: { verdict: 'success', domain: 'code', subject: 'did:sync:agent:echo' }, judged_by: 'did:sync:user:boss' });
    expect(await refusal(kernel.ingest(verdict, { writer: ci }))).toMatchObject({ code: 'DID_CLAIM_DENIED', field: 'judged_by' });
    expect(await refusal(kernel.ingestBatch([rec('did:sync:sa:sa-ci', 2), rec('did:sync:agent:y', 0)], { writer: ci }))).toMatchObject({ code: 'DID_CLAIM_DENIED', field: 'records[1].actor' });
    expect(await store.count()).toBe(2);
    expect(kernel.trust({ actor: 'did:sync:agent:echo' })).toEqual([]);
    await kernel.stop();
  });

  it('answering a record that is not in the log yet takes the authority to decide (folds would apply it when the target arrives)', async () => {
    const { kernel, store } = await started();
    const future = recordId({ ...rec('did:sync:user:alice', 0), act: 'INTEND', judged_by: null } as LogRecord);
    for (const key of ['fulfills', 'cancels']) {
      const early = rec('did:sync:sa:sa-ci', key === 'fulfills' ? 0 : 1, { act: 'KNOW', body: { [key]: future } });
      expect(await refusal(kernel.ingest(early, { writer: ci }))).toMatchObject({ code: 'DECISION_DENIED', field: `body.${key}` });
    }
    const lead = writer('did:sync:sa:sa-lead', [], ['decide']);
    expect((await kernel.ingest(rec('did:sync:sa:sa-lead', 0, { act: 'DO', body: { cancels: future } }), { writer: lead })).status).toBe('created');
    expect(await store.count()).toBe(1);
    await kernel.stop();
  });

  it('takes config on th_engine_config only from a writer that holds configure, or its own refusal', async () => {
    const { kernel, store } = await started();
    const config = { ...rec('did:sync:sa:sa-ci', 0), thread: 'th_engine_config', act: 'LEARN', body: { topic: 'tick_interval', name: 'default', seconds: 30 } };
    expect(await refusal(kernel.ingest(config, { writer: ci }))).toMatchObject({ code: 'RESERVED_THREAD', field: 'thread' });
    const says: Writer = { ...ci, holds: () => { throw new Error('lacks config:write'); } };
    await expect(kernel.ingest(config, { writer: says })).rejects.toThrow('lacks config:write');
    expect(await store.count()).toBe(0);
    expect((await kernel.ingest(config, { writer: writer('did:sync:sa:sa-ci', [], ['configure']) })).status).toBe('created');
    await kernel.stop();
  });

  it('lets admit refuse any record last, after the kernel checks passed', async () => {
    const { kernel, store } = await started();
    const seen: string[] = [];
    const gate = writer('did:sync:sa:sa-ci', [], [], (r, field) => {
      seen.push(`${field}:${r.clock}`);
      if (r.clock === 1) throw new Error(`${field || 'record'} refused by admit`);
    });
    await expect(kernel.ingestBatch([rec('did:sync:sa:sa-ci', 0), rec('did:sync:sa:sa-ci', 1)], { writer: gate })).rejects.toThrow('records[1] refused by admit');
    expect(seen).toEqual(['records[0]:0', 'records[1]:1']);
    expect(await store.count()).toBe(0);
    await kernel.stop();
  });
});

describe('answers: decisions and closing work are an authority', () => {
  /** A pending AITL request written by the engine, as the work loop writes them. */
  async function request(kernel: Kernel, on = thread): Promise<string> {
    const { record } = await kernel.emit(ENGINE, { thread: on, act: 'KNOW', body: { awaits: 'actor_decision', rule: 'prod' } });
    return record.id;
  }
  const decider = writer('did:sync:sa:sa-lead', [], ['decide']);

  it('refuses a DO that fulfils or cancels an AITL request from a writer without decide, by record and by kernel.decide', async () => {
    const { kernel } = await started();
    const id = await request(kernel);
    for (const key of ['fulfills', 'cancels']) {
      const forged = rec('did:sync:sa:sa-ci', 0, { parents: [id], body: { [key]: id } });
      expect(await refusal(kernel.ingest(forged, { writer: ci }))).toMatchObject({ code: 'DECISION_DENIED', field: `body.${key}` });
      // A KNOW citing it would close the thread: the same authority is needed.
      expect(await refusal(kernel.ingest({ ...forged, act: 'KNOW' }, { writer: ci }))).toMatchObject({ code: 'DECISION_DENIED' });
    }
    expect(await refusal(kernel.decide(id, { approve: true, actor: 'did:sync:sa:sa-ci' }, { writer: ci }))).toMatchObject({ code: 'DECISION_DENIED' });
    expect(kernel.pendingDecisions().map((d) => d.id)).toEqual([id]);
    const approved = await kernel.decide(id, { approve: true, actor: 'did:sync:sa:sa-lead' }, { writer: decider });
    expect(approved.record.body).toMatchObject({ fulfills: id, decision: 'approve' });
    expect(kernel.pendingDecisions()).toEqual([]);
    await kernel.stop();
  });

  it('refuses an answer written on another thread than the record it answers, even from a decider', async () => {
    const { kernel, store } = await started();
    const id = await request(kernel, other);
    const answer = rec('did:sync:sa:sa-lead', 0, { parents: [id], body: { fulfills: id } });
    expect(await refusal(kernel.ingest(answer, { writer: decider }))).toMatchObject({ code: 'VALIDATION_FAILED', field: 'body.fulfills' });
    expect(await store.count()).toBe(1);
    await kernel.stop();
  });

  it("lets a writer close its own work and work addressed to it, and needs decide for anyone else's", async () => {
    const { kernel } = await started();
    const alice = writer('did:sync:sa:alice');
    const intend = (await kernel.ingest(rec('did:sync:sa:alice', 0, { act: 'INTEND', body: { goal: 'x' } }), { writer: alice })).record;
    const addressed = (await kernel.ingest(rec('did:sync:sa:alice', 1, { act: 'INTEND', body: { to: 'did:sync:agent:x' } }), { writer: alice })).record;
    const close = (actor: string, clock: number, id: string) => rec(actor, clock, { act: 'KNOW', parents: [id], body: { fulfills: id } });

    expect(await refusal(kernel.ingest(close('did:sync:sa:sa-ci', 0, intend.id), { writer: ci }))).toMatchObject({ code: 'DECISION_DENIED', field: 'body.fulfills' });
    expect((await kernel.thread(thread))?.status).toBe('open');
    expect((await kernel.ingest(close('did:sync:agent:x', 0, addressed.id), { writer: ci })).status).toBe('created');
    expect((await kernel.ingest(close('did:sync:sa:sa-lead', 0, intend.id), { writer: decider })).status).toBe('created');
    expect((await kernel.ingest(rec('did:sync:sa:alice', 2, { act: 'DO', body: { cancels: intend.id } }), { writer: alice })).status).toBe('created');
    await kernel.stop();
  });

  it('checks an answer against a record earlier in the same batch, or one still waiting to commit', async () => {
    const { kernel, store } = await started();
    // Anyone may ask for a decision; only a decider may answer, even in the asker's own batch.
    const ask = rec('did:sync:sa:sa-ci', 0, { act: 'KNOW', body: { awaits: 'actor_decision' } });
    const askId = recordId({ ...ask, judged_by: null } as LogRecord);
    const answer = rec('did:sync:sa:sa-ci', 1, { parents: [askId], body: { fulfills: askId } });
    expect(await refusal(kernel.ingestBatch([ask, answer], { writer: ci }))).toMatchObject({ code: 'DECISION_DENIED', field: 'records[1].body.fulfills' });
    expect(await store.count()).toBe(0);
    const asked = kernel.ingest(ask, { writer: ci });
    const answered = refusal(kernel.ingest(answer, { writer: ci }));
    expect((await asked).status).toBe('created');
    expect(await answered).toMatchObject({ code: 'DECISION_DENIED', field: 'body.fulfills' });
    expect(await store.count()).toBe(1);
    await kernel.stop();
  });

  it('refuses body.handles from everyone but the kernel: it would drop work or hijack its approval', async () => {
    const { kernel, store } = await started();
    const intend = (await kernel.ingest(rec('did:sync:user:alice', 0, { act: 'INTEND' }))).record;
    expect(await refusal(kernel.ingest(rec('did:sync:user:mallory', 0, { act: 'KNOW', body: { handles: intend.id, notice: 'no_route' } })))).toMatchObject({
      code: 'DECISION_DENIED',
      field: 'body.handles',
    });
    expect(await refusal(kernel.ingest(rec('did:sync:sa:sa-ci', 0, { act: 'KNOW', body: { awaits: 'actor_decision', handles: intend.id } }), { writer: ci }))).toMatchObject({
      code: 'DECISION_DENIED',
    });
    expect(await store.count()).toBe(1);
    await kernel.stop();
  });
});

describe('clocks cannot be exhausted', () => {
  it(`refuses a clock more than ${MAX_CLOCK_STEP} past the previous one, and a first clock of ${MAX_CLOCK_STEP} or more`, async () => {
    const { kernel, store } = await started();
    const a = 'did:sync:user:alice';
    const first = await refusal(kernel.ingest(rec(a, MAX_CLOCK_STEP)));
    expect(first).toMatchObject({ code: 'VALIDATION_FAILED', field: 'clock' });
    expect(first.message).toContain(String(MAX_CLOCK_STEP - 1));
    expect(await refusal(kernel.ingest(rec(a, Number.MAX_SAFE_INTEGER)))).toMatchObject({ code: 'VALIDATION_FAILED', field: 'clock' });
    expect((await kernel.ingest(rec(a, MAX_CLOCK_STEP - 1))).status).toBe('created');
    expect(await refusal(kernel.ingest(rec(a, 2 * MAX_CLOCK_STEP)))).toMatchObject({ code: 'VALIDATION_FAILED', field: 'clock' });
    expect((await kernel.ingest(rec(a, 2 * MAX_CLOCK_STEP - 1))).status).toBe('created');
    expect(await store.count()).toBe(2);
    await kernel.stop();
  });

  it("with actor binding nobody can burn another actor's clock: the forged jump is refused and the owner writes on", async () => {
    const { kernel } = await started();
    const alice = writer('did:sync:sa:alice');
    expect(await refusal(kernel.ingest(rec('did:sync:sa:alice', MAX_CLOCK_STEP - 1), { writer: ci }))).toMatchObject({ code: 'DID_CLAIM_DENIED', field: 'actor' });
    expect((await kernel.ingest(rec('did:sync:sa:alice', 0), { writer: alice })).status).toBe('created');
    expect((await kernel.ingest(rec('did:sync:sa:alice', 1), { writer: alice })).status).toBe('created');
    await kernel.stop();
  });
});
