import { join } from 'node:path';
import { generateInstanceKeyPair, sha256Hex, threadIdFor } from '@syncropel/algebra';
import { pairIdOf, verifyManifest } from '@syncropel/federation';
import { openSqliteLogStore } from '@syncropel/log-sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, dir, instance, stopInstances, waitFor, type Instance } from '../test/federation-instances.js';

// Two real instances on loopback (SQLite): identity, pairing, sync both ways, revocation.

afterAll(stopInstances);

describe('identity', () => {
  it('serves a manifest signed by the instance key without auth; a changed field or an expired one is refused', async () => {
    const a = await instance();
    const res = await fetch(`${a.base}/.well-known/syncropel`);
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const doc = (await res.json()) as any;
    expect(doc.federation_manifest).toMatchObject({ object: 'federation_manifest', daemon: { did: a.key.did, public_key: a.key.publicKey }, federation: { pair_endpoint: '/v1/federation/pair', sync_change_endpoint: '/v1/sync/changes' } });
    expect(verifyManifest(doc, Date.now())).toMatchObject({ did: a.key.did });
    const tampered = structuredClone(doc);
    tampered.federation_manifest.daemon.version = 'evil';
    expect(() => verifyManifest(tampered, Date.now())).toThrow(/does not verify/);
    const later = Date.now() + 8 * 86_400_000;
    expect(() => verifyManifest(doc, later)).toThrow(expect.objectContaining({ code: 'MANIFEST_EXPIRED' }));
    expect(verifyManifest(doc, later, false).did).toBe(a.key.did);
    expect((await call(a, 'GET', '/v1/identity', undefined, null)).status).toBe(401);
    expect((await call(a, 'GET', '/v1/identity')).body).toEqual({ did: a.key.did, method: 'did:sync', public_key: a.key.publicKey, key_id: `${a.key.did}#key-1` });
  });
});

describe('pairing, sync and revocation between two instances', () => {
  let a: Instance;
  let b: Instance;
  let pairId: string;
  const shared = threadIdFor('federation-shared');
  const unshared = threadIdFor('federation-private');

  beforeAll(async () => {
    a = await instance(openSqliteLogStore({ path: join(dir, 'a.db') }));
    b = await instance(openSqliteLogStore({ path: join(dir, 'b.db') }));
  });

  it('holds the request for the responder operator, then both sides hold reciprocal federation-only tokens', async () => {
    const started = await call(a, 'POST', '/v1/federation/pairs', { url: `${b.base}/` });
    expect(started.status).toBe(202);
    pairId = started.body.pair_id;
    expect(pairId).toBe(`fed_${sha256Hex([a.key.did, b.key.did].sort().join('\n'))}`);
    expect(pairId).toBe(pairIdOf(b.key.did, a.key.did));
    expect(started.body).toMatchObject({ state: 'establishing', role: 'initiator', peer_did: b.key.did });
    // The responder's operator sees an AITL request and approves it.
    const pending = (await call(b, 'GET', '/v1/aitl')).body.data;
    expect(pending).toHaveLength(1);
    expect((await call(b, 'GET', `/v1/federation/pairs/${pairId}`)).body).toMatchObject({ state: 'establishing', role: 'responder', peer_did: a.key.did, aitl_request: pending[0].id });
    expect((await call(b, 'POST', `/v1/aitl/${pending[0].id}/decide`, { decision: 'approve' })).status).toBe(201);
    await waitFor(async () => (await call(b, 'GET', `/v1/federation/pairs/${pairId}`)).body.peer_credential === true, 'the responder to hold the initiator token');
    const ofA = (await call(a, 'GET', `/v1/federation/pairs/${pairId}`)).body;
    const ofB = (await call(b, 'GET', `/v1/federation/pairs/${a.key.did}`)).body; // by the peer's DID too
    expect(ofA).toMatchObject({ state: 'active', peer_credential: true, issued_sa: expect.stringMatching(/^fed-/) });
    expect(ofB).toMatchObject({ pair_id: pairId, state: 'active', peer_credential: true });
    // The tokens are scoped to federation only and never written to the log.
    const issued = b.auth.listTokens(ofB.issued_sa);
    expect(issued).toHaveLength(1);
    expect(issued[0]?.scopes).toEqual(['federation:sync']);
    const log = JSON.stringify(await b.kernel.records({ thread: 'th_federation_pairs', limit: 1000 }));
    expect(log).not.toMatch(/spl_prod_fed-/);
    // A pair record exists on both sides, and the list shows it.
    expect((await call(a, 'GET', '/v1/federation/pairs')).body.data.map((p: any) => p.pair_id)).toEqual([pairId]);
  });

  it('shares only threads the owner allowed, both ways; only the owner dispatches the work', async () => {
    const write = (i: Instance, thread: string, act: string, body: object, clock: number, parents: string[] = []) =>
      call(i, 'POST', '/v1/records', { parents, thread, actor: 'did:sync:sa:sa-admin', act, body, clock, data_type: 'SCALAR' });
    const intend = await write(a, shared, 'INTEND', { goal: 'federate' }, 0);
    expect(intend.status).toBe(201);
    await write(a, unshared, 'INTEND', { goal: 'stay home' }, 0);
    expect((await call(a, 'POST', `/v1/federation/pairs/${pairId}/threads`, { thread: shared })).body.shared_threads).toEqual([shared]);
    expect((await call(a, 'POST', `/v1/federation/pairs/${pairId}/threads`, { thread: 'th_engine_config' })).status).toBe(422);
    // A dispatches its own INTEND (no adapter: a notice by A, signed by A's key).
    await waitFor(async () => (await a.kernel.records({ thread: shared, limit: 10 })).some((r) => r.actor === a.key.did), 'A to answer its INTEND');

    const pulled = await call(b, 'POST', `/v1/federation/pairs/${pairId}/sync`);
    expect(pulled.status).toBe(200);
    expect(pulled.body).toMatchObject({ created: 2, refused: 0 });
    expect((await b.kernel.records({ thread: shared, limit: 10 })).map((r) => r.id)).toEqual((await a.kernel.records({ thread: shared, limit: 10 })).map((r) => r.id));
    expect(await b.kernel.records({ thread: unshared, limit: 10 })).toEqual([]);
    expect(b.kernel.threadOwner(shared)).toBe(a.key.did);
    // B answers on the shared thread; A pulls it back. B never dispatched A's work.
    await b.auth.createServiceAccount({ sa_id: 'sa-bee', scopes: ['records:write', 'records:read'] });
    const bee = (await b.auth.mintToken('sa-bee')).bearer;
    const reply = await call(b, 'POST', '/v1/records', { parents: [intend.body.id], thread: shared, actor: 'did:sync:sa:sa-bee', act: 'KNOW', body: { note: 'seen on B' }, clock: 0, data_type: 'SCALAR' }, bee);
    expect(reply.status).toBe(201);
    // A peer may not close A's work on A's thread (it answers only its own side's records).
    const closing = await call(b, 'POST', '/v1/records', { parents: [], thread: shared, actor: 'did:sync:sa:sa-bee', act: 'KNOW', body: { fulfills: intend.body.id }, clock: 1, data_type: 'SCALAR' }, bee);
    expect(closing.status).toBe(403); // B's own rules already refuse it for sa-bee (no aitl:decide)
    const back = await call(a, 'POST', `/v1/federation/pairs/${pairId}/sync`);
    expect(back.body).toMatchObject({ created: 1, refused: 0 });
    expect(await a.kernel.record(reply.body.id)).toMatchObject({ body: { note: 'seen on B' } });
    expect((await b.kernel.records({ thread: shared, limit: 10 })).filter((r) => r.actor === b.key.did)).toEqual([]);
    // Both now hold the same records on the shared thread: the same folded state.
    expect(await b.kernel.stateDigest([shared])).toBe(await a.kernel.stateDigest([shared]));
    // Pulling again is idempotent.
    expect((await call(b, 'POST', `/v1/federation/pairs/${pairId}/sync`)).body).toMatchObject({ created: 0 });
    // What B's own rules would refuse, B's host can still write: A refuses it in turn, and counts it.
    const forced = await b.kernel.ingest({ parents: [], thread: shared, actor: 'did:sync:user:bee', act: 'KNOW', body: { fulfills: intend.body.id }, clock: 0, data_type: 'SCALAR' });
    expect(forced.status).toBe('created');
    expect((await call(a, 'POST', `/v1/federation/pairs/${pairId}/sync`)).body).toMatchObject({ created: 0, refused: 1 });
    expect(await a.kernel.record(forced.record.id)).toBeUndefined();
    expect((await a.kernel.thread(shared))?.status).not.toBe('closed');
  });

  it('a thread shared after the peer pulled past its records still brings its history', async () => {
    const late = threadIdFor('federation-late');
    const first = await a.kernel.ingest({ parents: [], thread: late, actor: 'did:sync:user:ann', act: 'KNOW', body: { n: 1 }, clock: 0, data_type: 'SCALAR' });
    await a.kernel.ingest({ parents: [first.record.id], thread: late, actor: 'did:sync:user:ann', act: 'KNOW', body: { n: 2 }, clock: 1, data_type: 'SCALAR' });
    await call(b, 'POST', `/v1/federation/pairs/${pairId}/sync`);
    expect(await b.kernel.records({ thread: late, limit: 10 })).toEqual([]);
    await call(a, 'POST', `/v1/federation/pairs/${pairId}/threads`, { thread: late });
    await a.kernel.ingest({ parents: [], thread: late, actor: 'did:sync:user:ann', act: 'KNOW', body: { n: 3 }, clock: 2, data_type: 'SCALAR' });
    expect((await call(b, 'POST', `/v1/federation/pairs/${pairId}/sync`)).body).toMatchObject({ created: 3, refused: 0, waiting: 0 });
    expect((await b.kernel.records({ thread: late, limit: 10 })).map((r) => r.body.n)).toEqual([1, 2, 3]);
    expect(b.kernel.threadOwner(late)).toBe(a.key.did);
  });

  it('pulls on its own at the interval the config sets (federation_sync)', async () => {
    const config = (seconds: number) => b.kernel.emit(b.key.did, { thread: 'th_engine_config', act: 'LEARN', body: { topic: 'federation_sync', name: 'default', seconds } });
    await expect(config(0)).rejects.toMatchObject({ code: 'VALIDATION_FAILED', field: 'body.seconds' });
    await config(1);
    b.federation.start();
    const fresh = await a.kernel.ingest({ parents: [], thread: shared, actor: 'did:sync:user:ann', act: 'KNOW', body: { on: 'its own' }, clock: 10, data_type: 'SCALAR' });
    await waitFor(async () => (await b.kernel.record(fresh.record.id)) !== undefined, 'B to pull by itself');
    await config(86_400);
  });

  it('refuses and counts records whose signature is missing or does not verify', async () => {
    const forger = generateInstanceKeyPair();
    const base = { parents: [], thread: shared, act: 'KNOW', data_type: 'SCALAR', body: { forged: true } } as const;
    // Records claiming another instance as author, stored on A as the embedding host may.
    await a.kernel.ingest({ ...base, actor: forger.did, clock: 0, sig: 'ab'.repeat(64) });
    await a.kernel.ingest({ ...base, actor: forger.did, clock: 1 });
    const before = (await call(b, 'GET', `/v1/federation/pairs/${pairId}`)).body.sync.unsigned_or_bad_signature;
    const pulled = await call(b, 'POST', `/v1/federation/pairs/${pairId}/sync`);
    expect(pulled.body).toMatchObject({ refused: 2, created: 0 });
    expect((await call(b, 'GET', `/v1/federation/pairs/${pairId}`)).body.sync.unsigned_or_bad_signature).toBe(before + 2);
    expect((await b.kernel.records({ thread: shared, actor: forger.did, limit: 10 }))).toEqual([]);
  });

  it('the change feed needs a pair token: none is 401, an operator token is no pair', async () => {
    expect((await call(b, 'GET', '/v1/sync/changes', undefined, null)).status).toBe(401);
    // An operator token is not a pair's token.
    expect((await call(b, 'GET', '/v1/sync/changes')).status).toBe(404);
  });

  it('revoke: terminal on both sides, the peer told, its tokens dead at once', async () => {
    const issuedToB = (await call(a, 'GET', `/v1/federation/pairs/${pairId}`)).body.issued_sa;
    const revoked = await call(a, 'DELETE', `/v1/federation/pairs/${pairId}`, { reason: 'decommissioning' });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ state: 'revoked', revoked_reason: 'decommissioning', revoked_by: 'local', peer_notified: true });
    expect(a.auth.listTokens(issuedToB).every((t) => t.revoked)).toBe(true);
    expect((await call(b, 'GET', `/v1/federation/pairs/${pairId}`)).body).toMatchObject({ state: 'revoked', revoked_by: 'peer' });
    // Pulls stop both ways: B's credential at A is revoked, and B revoked A's.
    const stopped = await call(b, 'POST', `/v1/federation/pairs/${pairId}/sync`);
    expect(stopped.status).toBe(403);
    expect(stopped.body.error.code).toBe('PAIR_REVOKED');
    // Pairing again is refused: revocation is final.
    const again = await call(a, 'POST', '/v1/federation/pairs', { url: b.base });
    expect(again.status).toBe(403);
    expect(again.body.error.code).toBe('PAIR_REVOKED');
  });

  it('pair state is a fold of the log: it survives a restart', async () => {
    await a.stop();
    const reopened = await instance(openSqliteLogStore({ path: join(dir, 'a.db') }), a.key);
    expect(reopened.federation.get(pairId)).toMatchObject({ state: 'revoked', shared_threads: [shared, threadIdFor('federation-late')], peer_did: b.key.did });
  });
});
