import { generateInstanceKeyPair, signText } from '@syncropel/algebra';
import { nonceHash, signMessage } from '@syncropel/federation';
import { afterAll, describe, expect, it } from 'vitest';
import { advanceClock, call, instance, pairRequest, pollBody, stopInstances, waitFor } from '../test/federation-instances.js';

// The responder's side of the handshake against hand-made requests (and one real initiator).

afterAll(stopInstances);

describe('the handshake refuses what it must', () => {
  it('a bad signature, a replayed nonce, a stale request; a wrong nonce learns nothing', async () => {
    const b = await instance();
    const c = generateInstanceKeyPair();
    const nonce = 'c0'.repeat(32);
    const request = { object: 'pair_request', protocol: '1', initiator_did: c.did, initiator_url: 'http://127.0.0.1:1', responder_did: b.key.did, nonce, issued_at: new Date().toISOString() };
    const signed = signMessage(request, (t) => signText(t, c.secretKey));
    const bad = await call(b, 'POST', '/v1/federation/pair', { ...signed, initiator_url: 'http://127.0.0.1:2' }, null);
    expect(bad.status).toBe(401);
    expect(bad.body.error).toMatchObject({ code: 'BAD_SIGNATURE', field: 'sig' });
    const first = await call(b, 'POST', '/v1/federation/pair', signed, null);
    expect(first.status).toBe(202);
    const replay = await call(b, 'POST', '/v1/federation/pair', signed, null);
    expect(replay.status).toBe(410);
    expect(replay.body.error.code).toBe('NONCE_REPLAYED');
    const stale = signMessage({ ...request, nonce: 'c1'.repeat(32), issued_at: new Date(Date.now() - 3_600_000).toISOString() }, (t) => signText(t, c.secretKey));
    expect((await call(b, 'POST', '/v1/federation/pair', stale, null)).body.error.code).toBe('STALE_REQUEST');
    const pairId = first.body.pair_id;
    expect((await call(b, 'POST', `/v1/federation/pair/${pairId}/poll`, pollBody(c, pairId, 'c2'.repeat(32)), null)).status).toBe(404);
    // The nonce alone is not enough: a poll must be signed by the initiator.
    const stranger = generateInstanceKeyPair();
    expect((await call(b, 'POST', `/v1/federation/pair/${pairId}/poll`, pollBody(stranger, pairId, nonce), null)).status).toBe(404);
    expect((await call(b, 'POST', `/v1/federation/pair/${pairId}/poll`, { nonce }, null)).status).toBe(422);
    expect((await call(b, 'POST', `/v1/federation/pair/${pairId}/poll`, pollBody(c, pairId, nonce), null))).toMatchObject({ status: 202, body: { state: 'establishing' } });
    // Only a hash of the nonce is in the log: reading the log does not let anyone poll.
    const log = JSON.stringify(await b.kernel.records({ thread: 'th_federation_pairs', limit: 100 }));
    expect(log).not.toContain(nonce);
    expect(log).toContain(nonceHash(nonce));
    // The operator rejects: the initiator's poll hears so.
    const [req] = (await call(b, 'GET', '/v1/aitl')).body.data;
    await call(b, 'POST', `/v1/aitl/${req.id}/decide`, { decision: 'reject', reason: 'unknown peer' });
    await waitFor(async () => (await call(b, 'POST', `/v1/federation/pair/${pairId}/poll`, pollBody(c, pairId, nonce), null)).status === 403, 'the rejection');
  });

  it('a request whose token was never collected may start over; strangers cannot pile up requests', async () => {
    const b = await instance();
    const c = generateInstanceKeyPair();
    const ask = (key: Parameters<typeof pairRequest>[0], n: number) => pairRequest(key, b, n);
    // The same initiator asking again while its request waits keeps that one request (the newest
    // nonce polls); asking again at once is refused, since each request writes a record.
    const d = generateInstanceKeyPair();
    const asked = await call(b, 'POST', '/v1/federation/pair', ask(d, 50), null);
    expect((await call(b, 'POST', '/v1/federation/pair', ask(d, 52), null)).body.error.code).toBe('TOO_MANY_PENDING');
    advanceClock(2000);
    const repeated = await call(b, 'POST', '/v1/federation/pair', ask(d, 51), null);
    expect(repeated.body.aitl_request_id).toBe(asked.body.aitl_request_id);
    const waiting = (await call(b, 'GET', '/v1/aitl')).body.data;
    expect(waiting).toHaveLength(1);
    expect(waiting[0].id).toBe(b.federation.get(d.did).aitl_request);
    expect((await call(b, 'POST', `/v1/federation/pair/${asked.body.pair_id}/poll`, pollBody(d, asked.body.pair_id, (50).toString(16).padStart(64, '0')), null)).status).toBe(404);
    expect((await call(b, 'POST', `/v1/federation/pair/${asked.body.pair_id}/poll`, pollBody(d, asked.body.pair_id, (51).toString(16).padStart(64, '0')), null)).status).toBe(202);
    await call(b, 'POST', `/v1/aitl/${waiting[0].id}/decide`, { decision: 'reject' });
    await waitFor(() => b.federation.get(d.did).state === 'rejected', 'the rejection');

    const first = await call(b, 'POST', '/v1/federation/pair', ask(c, 1), null);
    const [req] = (await call(b, 'GET', '/v1/aitl')).body.data;
    expect(req.expires_at).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    await call(b, 'POST', `/v1/aitl/${req.id}/decide`, { decision: 'approve' });
    await waitFor(() => b.federation.get(first.body.pair_id).state === 'active', 'the approval');
    const firstToken = b.federation.get(first.body.pair_id).issued_token_id as string;
    // Nobody polled: the initiator never got its token, so it may ask again, and the unused token dies.
    expect((await call(b, 'POST', '/v1/federation/pair', ask(c, 2), null)).status).toBe(202);
    const [again] = (await call(b, 'GET', '/v1/aitl')).body.data;
    await call(b, 'POST', `/v1/aitl/${again.id}/decide`, { decision: 'approve' });
    await waitFor(() => b.federation.get(first.body.pair_id).issued_token_id !== firstToken, 'a new token');
    expect(b.auth.listTokens().find((t) => t.token_id === firstToken)?.revoked).toBe(true);
    const collected = await call(b, 'POST', `/v1/federation/pair/${first.body.pair_id}/poll`, pollBody(c, first.body.pair_id, (2).toString(16).padStart(64, '0')), null);
    expect(collected).toMatchObject({ status: 200, body: { state: 'active', token: expect.stringMatching(/^spl_prod_fed-/) } });
    // With that token, the initiator reads the change feed (nothing shared yet) and hands its own over.
    const token = collected.body.token as string;
    expect((await call(b, 'GET', '/v1/sync/changes?since=abc', undefined, token)).body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'since' });
    expect((await call(b, 'GET', '/v1/sync/changes?limit=0', undefined, token)).body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'limit' });
    expect((await call(b, 'GET', '/v1/sync/changes', undefined, token)).body).toMatchObject({ object: 'list', records: [], has_more: false });
    expect((await call(b, 'GET', '/v1/federation/pairs', undefined, token)).status).toBe(403);
    expect((await call(b, 'POST', `/v1/federation/pair/${first.body.pair_id}/confirm`, { token: 'spl_prod_fed-c_secret-for-b' }, token)).status).toBe(200);
    expect((await call(b, 'POST', '/v1/federation/pair', ask(c, 3), null)).body.error.code).toBe('ALREADY_PAIRED');
    // Keys are free, so pending requests are capped.
    const codes: number[] = [];
    for (let i = 0; i < 21; i++) codes.push((await call(b, 'POST', '/v1/federation/pair', ask(generateInstanceKeyPair(), 100 + i), null)).status);
    expect(codes.slice(0, 20).every((s) => s === 202)).toBe(true);
    expect(codes[20]).toBe(429);
  });

  it('an auto-approve rule pairs at once; the token is handed out once', async () => {
    const a = await instance();
    const b = await instance();
    const rule = (expression: string) => b.kernel.emit(b.key.did, { thread: 'th_engine_config', act: 'LEARN', body: { topic: 'federation_pair_rule', name: 'trusted', expression } });
    await expect(rule('record.body.aitl.(')).rejects.toMatchObject({ code: 'VALIDATION_FAILED', field: 'body.expression' });
    // As the README writes it: by the URL the request came from.
    await rule(`record.body.aitl.peer_url.startsWith("${a.base}")`);
    const paired = await call(a, 'POST', '/v1/federation/pairs', { url: b.base });
    expect(paired.status).toBe(201);
    expect(paired.body.state).toBe('active');
    await waitFor(() => b.federation.get(paired.body.pair_id).peer_credential, 'the confirmation');
    expect(b.kernel.pendingDecisions()).toEqual([]);
    // Each side's token works at the other (one live token each: minting once per approval).
    expect((await call(a, 'POST', `/v1/federation/pairs/${paired.body.pair_id}/sync`)).status).toBe(200);
    expect((await call(b, 'POST', `/v1/federation/pairs/${paired.body.pair_id}/sync`)).status).toBe(200);
    expect(b.auth.listTokens(b.federation.get(paired.body.pair_id).issued_sa as string).filter((t) => !t.revoked)).toHaveLength(1);
  });
});
