import { threadIdFor } from '@syncropel/algebra';
import { isKernelError } from '@syncropel/kernel';
import { describe, expect, it } from 'vitest';
import { ACTOR, boot, rejected, thrown, type Booted } from '../test/auth-harness.js';

const thread = threadIdFor('writer');
const elsewhere = threadIdFor('writer-elsewhere');
const FROM = { source: '127.0.0.1', route: 'POST /v1/records' };
const rec = (actor: string, clock: number, extra: object = {}) => ({ parents: [], thread, actor, act: 'DO', body: {}, clock, data_type: 'SCALAR', ...extra });

/** The refusal code of a write: a KernelError's or an AuthError's. */
async function code(p: Promise<unknown>): Promise<{ code: string; field?: string }> {
  try {
    await p;
  } catch (e) {
    if (isKernelError(e)) return { code: e.code, ...(e.field ? { field: e.field } : {}) };
    const a = e as { code?: string; field?: string };
    if (a.code) return { code: a.code, ...(a.field ? { field: a.field } : {}) };
    throw e;
  }
  throw new Error('expected a refusal');
}

/** Boots auth with an admin and a principal per scope set; returns a writer factory by SA id. */
async function principals(): Promise<Booted & { as(sa: string): ReturnType<Booted['auth']['writer']>; bearer: Record<string, string> }> {
  const b = await boot();
  const bearer: Record<string, string> = {};
  bearer['sa-admin'] = (await b.auth.bootstrapServiceAccount({ sa_id: 'sa-admin', scopes: ['admin'] })).bearer;
  for (const [sa, scopes, actors] of [
    ['sa-ci', ['records:write'], ['did:sync:agent:x']],
    ['sa-lead', ['records:write', 'aitl:decide'], []],
    ['sa-grain', [`thread:${thread}:write`], []],
  ] as const) {
    await b.auth.createServiceAccount({ sa_id: sa, scopes: [...scopes], actors: [...actors] });
    bearer[sa] = (await b.auth.mintToken(sa)).bearer;
  }
  const as = (sa: string) => b.auth.writer(b.auth.authenticate(`Bearer ${bearer[sa]}`), FROM);
  return { ...b, as, bearer };
}

describe('service accounts carry the DIDs they may write as', () => {
  it('lists actors on create and update; the own DID is implied; bad DIDs and the instance DID are refused by field', async () => {
    const b = await boot();
    const sa = await b.auth.createServiceAccount({ sa_id: 'sa-bot', scopes: ['records:write'], actors: ['did:sync:agent:x', 'did:sync:sa:sa-bot', 'did:sync:agent:x'] });
    expect(sa.actors).toEqual(['did:sync:agent:x']);
    expect((await b.auth.updateServiceAccount('sa-bot', { actors: ['did:sync:agent:y'] })).actors).toEqual(['did:sync:agent:y']);
    // Updating scopes keeps the list.
    expect((await b.auth.updateServiceAccount('sa-bot', { scopes: ['records:read'] })).actors).toEqual(['did:sync:agent:y']);
    for (const [actors, field] of [
      ['did:sync:agent:y', 'actors'],
      [['did:sync:agent:y', 'not a did'], 'actors[1]'],
      [[ACTOR.toUpperCase().replace('DID:SYNC:INSTANCE', 'did:sync:instance')], 'actors[0]'],
      [Array.from({ length: 65 }, (_, i) => `did:sync:agent:a${i}`), 'actors'],
    ] as const) {
      const e = await rejected(b.auth.updateServiceAccount('sa-bot', { actors }));
      expect(e).toMatchObject({ code: 'VALIDATION_FAILED', field });
    }
    expect(b.auth.listServiceAccounts().find((a) => a.sa_id === 'sa-bot')?.actors).toEqual(['did:sync:agent:y']);
    await b.close();
  });

  it('a principal carries its account’s current actors: an admin’s change applies to live tokens at once', async () => {
    const b = await principals();
    expect(b.auth.authenticate(`Bearer ${b.bearer['sa-ci']}`).actors).toEqual(['did:sync:agent:x']);
    await b.auth.updateServiceAccount('sa-ci', { actors: [] });
    expect(b.auth.authenticate(`Bearer ${b.bearer['sa-ci']}`).actors).toEqual([]);
    expect(await code(b.kernel.ingest(rec('did:sync:agent:x', 0), { writer: b.as('sa-ci') }))).toEqual({ code: 'DID_CLAIM_DENIED', field: 'actor' });
    await b.close();
  });
});

describe('auth.writer: what a principal may write', () => {
  it('writes as its own DID and listed ones; never as another account, the instance, or with a forged judged_by', async () => {
    const b = await principals();
    const ci = b.as('sa-ci');
    expect(ci.did).toBe('did:sync:sa:sa-ci');
    expect((await b.kernel.ingest(rec('did:sync:sa:sa-ci', 0), { writer: ci })).status).toBe('created');
    expect((await b.kernel.ingest(rec('did:sync:agent:x', 0), { writer: ci })).status).toBe('created');
    expect(await code(b.kernel.ingest(rec('did:sync:sa:sa-admin', 0), { writer: ci }))).toEqual({ code: 'DID_CLAIM_DENIED', field: 'actor' });
    expect(await code(b.kernel.ingest(rec(ACTOR, 0), { writer: b.as('sa-admin') }))).toEqual({ code: 'DID_CLAIM_DENIED', field: 'actor' });
    const verdict = rec('did:sync:sa:sa-ci', 1, { act: 'KNOW', body: { verdict: 'success', domain: 'code', subject: 'did:sync:agent:echo' }, judged_by: 'did:sync:sa:sa-admin' });
    expect(await code(b.kernel.ingest(verdict, { writer: ci }))).toEqual({ code: 'DID_CLAIM_DENIED', field: 'judged_by' });
    await b.close();
  });

  it('a thread grain writes its own thread only; config needs config:write; daemon-only threads stay shut even to admin', async () => {
    const b = await principals();
    const grain = b.as('sa-grain');
    expect((await b.kernel.ingest(rec('did:sync:sa:sa-grain', 0), { writer: grain })).status).toBe('created');
    expect(await code(b.kernel.ingest({ ...rec('did:sync:sa:sa-grain', 0), thread: elsewhere }, { writer: grain }))).toMatchObject({ code: 'SCOPE_FORBIDDEN' });
    const config = { ...rec('did:sync:sa:sa-ci', 5), thread: 'th_engine_config', act: 'LEARN', body: { topic: 'tick_interval', name: 'default', seconds: 30 } };
    expect(await code(b.kernel.ingest(config, { writer: b.as('sa-ci') }))).toMatchObject({ code: 'SCOPE_FORBIDDEN' });
    expect((await b.kernel.ingest({ ...config, actor: 'did:sync:sa:sa-admin' }, { writer: b.as('sa-admin') })).status).toBe('created');
    const forged = { ...rec('did:sync:sa:sa-admin', 9), thread: 'th_service_accounts', act: 'LEARN', body: { topic: 'service_account', sa_id: 'evil', scopes: ['admin'] } };
    expect(await code(b.kernel.ingest(forged, { writer: b.as('sa-admin') }))).toEqual({ code: 'RESERVED_THREAD', field: 'thread' });
    await b.close();
  });

  it('answers a decision request only with aitl:decide (admin has it), and the aitl_decide permission when rules are on', async () => {
    const b = await principals();
    const ask = async () => (await b.kernel.emit(ACTOR, { thread, act: 'KNOW', body: { awaits: 'actor_decision' } })).record.id;
    const id = await ask();
    const approve = (actor: string, clock: number, ref: string) => rec(actor, clock, { parents: [ref], body: { fulfills: ref } });
    expect(await code(b.kernel.ingest(approve('did:sync:sa:sa-ci', 0, id), { writer: b.as('sa-ci') }))).toMatchObject({ code: 'SCOPE_FORBIDDEN' });
    expect(await code(b.kernel.ingest(approve('did:sync:sa:sa-grain', 0, id), { writer: b.as('sa-grain') }))).toMatchObject({ code: 'SCOPE_FORBIDDEN' });
    expect((await b.kernel.ingest(approve('did:sync:sa:sa-lead', 0, id), { writer: b.as('sa-lead') })).status).toBe('created');

    // Rules on: the lead's scope is not enough once a rule denies aitl_decide.
    const second = await ask();
    const learn = (name: string, body: object) => b.kernel.emit(ACTOR, { thread: 'th_engine_config', act: 'LEARN', body: { topic: 'permission_rule', name, ...body } });
    await learn('deny-decide', { action: 'deny', priority: 100, expression: 'resource == "aitl_decide"' });
    await learn('allow-rest', { action: 'allow', priority: 1, expression: 'true' });
    await b.kernel.emit(ACTOR, { thread: 'th_engine_config', act: 'LEARN', body: { topic: 'permissions_enabled', name: 'default', value: true } });
    expect(await code(b.kernel.ingest(approve('did:sync:sa:sa-lead', 1, second), { writer: b.as('sa-lead') }))).toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(await code(b.kernel.decide(second, { approve: true, actor: 'did:sync:sa:sa-admin' }, { writer: b.as('sa-admin') }))).toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(b.kernel.pendingDecisions().map((d) => d.id)).toEqual([second]);
    await b.close();
  });

  it("closing someone else's INTEND needs aitl:decide; the author, and the DID it was addressed to, may close it", async () => {
    const b = await principals();
    const alice = (await b.kernel.ingest(rec('did:sync:sa:sa-admin', 0, { act: 'INTEND', body: { to: 'did:sync:agent:x' } }), { writer: b.as('sa-admin') })).record;
    const close = (actor: string, clock: number) => rec(actor, clock, { act: 'KNOW', parents: [alice.id], body: { fulfills: alice.id } });
    expect(await code(b.kernel.ingest(close('did:sync:sa:sa-grain', 0), { writer: b.as('sa-grain') }))).toMatchObject({ code: 'SCOPE_FORBIDDEN' });
    expect((await b.kernel.ingest(close('did:sync:agent:x', 0), { writer: b.as('sa-ci') })).status).toBe('created');
    expect((await b.kernel.ingest(close('did:sync:sa:sa-lead', 0), { writer: b.as('sa-lead') })).status).toBe('created');
    await b.close();
  });
});

describe('who may read the token registry', () => {
  it('admins only: others may not read th_service_accounts and have it left out of unfiltered reads', async () => {
    const b = await principals();
    const admin = b.auth.authenticate(`Bearer ${b.bearer['sa-admin']}`);
    const ci = b.auth.authenticate(`Bearer ${b.bearer['sa-ci']}`);
    expect(b.auth.mayRead(admin, 'th_service_accounts')).toBe(true);
    expect(b.auth.mayRead(ci, 'th_service_accounts')).toBe(false);
    expect(b.auth.mayRead(ci, thread)).toBe(true);
    expect(b.auth.unreadableThreads(admin)).toEqual([]);
    expect(b.auth.unreadableThreads(ci)).toEqual(['th_service_accounts']);
    expect(thrown(() => b.auth.authorize(ci, 'aitl:decide')).code).toBe('SCOPE_FORBIDDEN');
    await b.close();
  });
});
