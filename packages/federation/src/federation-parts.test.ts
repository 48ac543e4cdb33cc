import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateInstanceKeyPair, recordId, signText, type StoredRecord } from '@syncropel/algebra';
import { CAUSAL_BUFFER_CAPACITY, CausalBuffer, MAX_FEED_LIMIT, emptyPairs, feedQuery, fileCredentials, isPairId, pairIdOf, stepPairs, vouch } from '@syncropel/federation';
import { verifyRecordSignature } from '@syncropel/algebra';
import { afterAll, describe, expect, it } from 'vitest';

const SELF = generateInstanceKeyPair();
const dir = mkdtempSync(join(tmpdir(), 'spl-fed-parts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let seq = 0;
function stored(actor: string, thread: string, act: StoredRecord['act'], body: StoredRecord['body'], sig?: string): StoredRecord {
  const r = { parents: [], thread, actor, act, body, clock: seq, data_type: 'SCALAR' as const, judged_by: null, ...(sig ? { sig } : {}) };
  seq++;
  return { ...r, id: recordId(r), seq, ingested_at: 1_700_000_000_000 + seq };
}
const learn = (body: StoredRecord['body'], actor = SELF.did) => stored(actor, 'th_federation_pairs', 'LEARN', body);

describe('pair ids', () => {
  it('are the same from either side and shaped fed_<64 hex>', () => {
    const other = generateInstanceKeyPair().did;
    expect(pairIdOf(SELF.did, other)).toBe(pairIdOf(other, SELF.did));
    expect(isPairId(pairIdOf(SELF.did, other))).toBe(true);
    expect(pairIdOf(SELF.did, other)).not.toBe(pairIdOf(SELF.did, generateInstanceKeyPair().did));
  });
});

describe('the pair fold', () => {
  it('updates a pair field by field; revoked is terminal; only the instance’s own records count', () => {
    const s = emptyPairs();
    const id = pairIdOf(SELF.did, 'did:sync:instance:peer');
    stepPairs(s, learn({ topic: 'pair', pair_id: id, peer_did: 'did:sync:instance:peer', peer_url: 'http://p', role: 'initiator', state: 'establishing', nonce_sha256: 'aa' }), SELF.did);
    stepPairs(s, learn({ topic: 'pair', pair_id: id, state: 'active', issued_sa: 'fed-x' }), SELF.did);
    stepPairs(s, learn({ topic: 'pair_threads', pair_id: id, thread: 'th_1', shared: true }), SELF.did);
    stepPairs(s, learn({ topic: 'sync_cursor', pair_id: id, cursor: '42' }), SELF.did);
    stepPairs(s, learn({ topic: 'pair', pair_id: id, state: 'revoked', reason: 'done' }), 'did:sync:user:mallory');
    expect(s.pairs.get(id)).toMatchObject({ state: 'active', issued_sa: 'fed-x', peer_url: 'http://p', shared_threads: ['th_1'], cursor: '42' });
    expect(s.nonces.has('aa')).toBe(true);
    stepPairs(s, learn({ topic: 'pair', pair_id: id, state: 'revoked', reason: 'done', revoked_by: 'peer' }), SELF.did);
    stepPairs(s, learn({ topic: 'pair', pair_id: id, state: 'active' }), SELF.did);
    stepPairs(s, learn({ topic: 'pair_threads', pair_id: id, thread: 'th_2', shared: true }), SELF.did);
    expect(s.pairs.get(id)).toMatchObject({ state: 'revoked', revoked_reason: 'done', revoked_by: 'peer', shared_threads: ['th_1'] });
  });
});

describe('the change feed', () => {
  it('takes a cursor and a limit, naming the bad parameter', () => {
    expect(feedQuery(undefined, undefined)).toEqual({ after: 0, id: null, limit: 1000 });
    expect(feedQuery('17', '5')).toEqual({ after: 17, id: null, limit: 5 });
    expect(feedQuery(`17.${'ab'.repeat(8)}`, undefined)).toEqual({ after: 17, id: 'ab'.repeat(8), limit: 1000 });
    expect(() => feedQuery('17.xyz', undefined)).toThrow(expect.objectContaining({ field: 'since' }));
    expect(() => feedQuery('abc', undefined)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED', field: 'since' }));
    expect(() => feedQuery('1', String(MAX_FEED_LIMIT + 1))).toThrow(expect.objectContaining({ field: 'limit' }));
    expect(() => feedQuery('1', '0')).toThrow(expect.objectContaining({ field: 'limit' }));
  });

  it('vouches for user records with the instance key, keeps other instances’ signatures, signs its own unsigned ones', () => {
    const sign = (t: string) => signText(t, SELF.secretKey);
    const user = vouch(stored('did:sync:user:ann', 'th_x', 'INTEND', {}), SELF.did, sign);
    expect(verifyRecordSignature(user, SELF.publicKey)).toBe(true);
    const peer = generateInstanceKeyPair();
    const theirs = stored(peer.did, 'th_x', 'KNOW', {});
    const theirsSigned = { ...theirs, sig: signText('whatever', peer.secretKey) };
    expect(vouch(theirsSigned, SELF.did, sign).sig).toBe(theirsSigned.sig);
    expect(vouch(theirs, SELF.did, sign).sig).toBeUndefined();
    expect(verifyRecordSignature(vouch(stored(SELF.did, 'th_x', 'KNOW', {}), SELF.did, sign), SELF.publicKey)).toBe(true);
    expect(Object.keys(user)).not.toContain('seq');
  });
});

describe('the feed cursor', () => {
  it('starts the peer over when the log under it was restored (another record at its position): nothing is skipped', async () => {
    const { createKernel } = await import('@syncropel/kernel');
    const { createMemoryLogStore } = await import('@syncropel/log');
    const { readChanges } = await import('@syncropel/federation');
    const rec = (n: number) => ({ parents: [], thread: `th_${'c'.repeat(64)}`, actor: 'did:sync:user:ann', act: 'KNOW', body: { n }, clock: n, data_type: 'SCALAR' });
    const before = createKernel({ store: createMemoryLogStore() });
    const after = createKernel({ store: createMemoryLogStore() });
    await before.start();
    await after.start();
    for (const n of [0, 1, 2]) await before.ingest(rec(n));
    for (const n of [0, 1, 7]) await after.ingest(rec(n));
    const all = () => true;
    const keep = (r: StoredRecord) => r;
    const page = await readChanges(before, all, { after: 0, id: null }, 10, keep);
    expect(page.next_cursor).toMatch(/^3\.[0-9a-f]{16}$/);
    const given = feedQuery(page.next_cursor, undefined);
    expect((await readChanges(before, all, given, 10, keep)).records).toEqual([]);
    // The same position now holds another record: the feed starts over and the new record comes.
    const restored = await readChanges(after, all, given, 10, keep);
    expect(restored.records.map((c) => c.record.body)).toEqual([{ n: 0 }, { n: 1 }, { n: 7 }]);
    await before.stop();
    await after.stop();
  });
});

describe('the causal buffer', () => {
  it('holds records in arrival order, resumes from the oldest one’s page, drops the oldest past capacity or age', () => {
    const b = new CausalBuffer(2, 1000);
    b.hold('a', { n: 1 }, '10', 0);
    b.hold('b', { n: 2 }, '20', 500);
    expect(b.resumeFrom()).toBe('10');
    b.hold('c', { n: 3 }, '30', 600);
    expect([b.size, b.dropped, b.resumeFrom()]).toEqual([2, 1, '20']);
    b.release('b');
    expect(b.resumeFrom()).toBe('30');
    b.expire(1601);
    expect([b.size, b.dropped, b.resumeFrom()]).toEqual([0, 2, undefined]);
    expect(CAUSAL_BUFFER_CAPACITY).toBe(10_000);
  });
});

describe('credentials', () => {
  it('are files of mode 0600 in a folder of mode 0700, one per pair', () => {
    const creds = fileCredentials(join(dir, 'federation'));
    expect(creds.get('fed_x')).toBeUndefined();
    creds.put('fed_x', 'spl_prod_fed-x_secret');
    expect(creds.get('fed_x')).toBe('spl_prod_fed-x_secret');
    expect(statSync(join(dir, 'federation', 'fed_x.token')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'federation')).mode & 0o777).toBe(0o700);
    creds.remove('fed_x');
    expect(readdirSync(join(dir, 'federation'))).toEqual([]);
  });
});

describe('record signature checks', () => {
  it('agree with the portable check, and refuse what is malformed', async () => {
    const { recordSignatureValid } = await import('@syncropel/federation');
    const { signRecord } = await import('@syncropel/algebra');
    const r = stored('did:sync:user:ann', 'th_x', 'INTEND', { a: 1 });
    const signed = { ...r, sig: signRecord(r, SELF.secretKey) };
    expect(recordSignatureValid(signed, SELF.publicKey)).toBe(true);
    expect(verifyRecordSignature(signed, SELF.publicKey)).toBe(true);
    expect(recordSignatureValid({ ...signed, body: { a: 2 } }, SELF.publicKey)).toBe(false);
    expect(recordSignatureValid({ ...signed, sig: 'zz' }, SELF.publicKey)).toBe(false);
    expect(recordSignatureValid(signed, generateInstanceKeyPair().publicKey)).toBe(false);
    expect(recordSignatureValid(r, SELF.publicKey)).toBe(false);
  });
});

describe('what a peer may write', () => {
  it('refuses threads not shared, the instance DID, handles, and answers that pre-empt or decide', async () => {
    const { foreignRules } = await import('@syncropel/federation');
    const peer = generateInstanceKeyPair().did;
    const mine = `th_${'1'.repeat(64)}`;
    const theirs = `th_${'2'.repeat(64)}`;
    const privateThread = `th_${'3'.repeat(64)}`;
    const both = `th_${'4'.repeat(64)}`;
    const request = stored(SELF.did, mine, 'KNOW', { awaits: 'actor_decision' });
    const ownWork = stored('did:sync:sa:ops', mine, 'INTEND', {});
    const peerWork = stored('did:sync:user:remote', mine, 'INTEND', {});
    const known = new Map([request, ownWork, peerWork].map((r) => [r.id, r]));
    const rules = foreignRules({
      self: SELF.did,
      peer,
      shared: () => [mine, both],
      peerShares: new Set([theirs, both]),
      owner: (t) => (t === theirs ? peer : SELF.did),
      localDids: new Set(['did:sync:sa:ops']),
    });
    const check = (thread: string, extra: Partial<StoredRecord> = {}, body: StoredRecord['body'] = {}) => {
      try {
        rules.admit({ ...stored('did:sync:user:remote', thread, 'KNOW', body), ...extra }, 'x', 'records[0]', (id) => known.get(id));
        return 'ok';
      } catch (e) {
        return (e as { code: string }).code;
      }
    };
    expect(check(theirs)).toBe('ok');
    expect(check(mine)).toBe('ok');
    expect(check(privateThread)).toBe('RESERVED_THREAD');
    expect(check(both)).toBe('RESERVED_THREAD');
    expect(check('th_engine_config')).toBe('RESERVED_THREAD');
    expect(check(theirs, { actor: SELF.did.toUpperCase().replace('DID:SYNC:INSTANCE', 'did:sync:instance') })).toBe('DID_CLAIM_DENIED');
    expect(check(theirs, { judged_by: SELF.did })).toBe('DID_CLAIM_DENIED');
    expect(check(theirs, { actor: SELF.did })).toBe('ok'); // its own record coming back (its signature was checked)
    expect(check(mine, {}, { handles: ownWork.id })).toBe('DECISION_DENIED');
    expect(check(theirs, { actor: peer }, { handles: 'f'.repeat(64) })).toBe('ok');
    expect(check(mine, {}, { fulfills: request.id })).toBe('DECISION_DENIED');
    expect(check(mine, {}, { cancels: ownWork.id })).toBe('DECISION_DENIED');
    expect(check(mine, {}, { fulfills: 'e'.repeat(64) })).toBe('DECISION_DENIED');
    expect(check(mine, {}, { fulfills: peerWork.id })).toBe('ok');
    expect(check(theirs, {}, { fulfills: 'e'.repeat(64) })).toBe('ok'); // the peer's thread: its answer may come first
    expect(check(theirs, {}, { fulfills: peerWork.id })).toBe('VALIDATION_FAILED'); // another thread
  });
});
