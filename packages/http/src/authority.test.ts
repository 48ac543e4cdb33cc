import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadIdFor, type StoredRecord } from '@syncropel/algebra';
import { createAuth, type Auth } from '@syncropel/auth';
import { createApp, listen, type RunningServer } from '@syncropel/http';
import { createKernel, type Kernel } from '@syncropel/kernel';
import { createMemoryLogStore } from '@syncropel/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The hostile cases of issue 13, tried as a client would: a real daemon stack on loopback.
const DAEMON = `did:sync:instance:${'d1'.repeat(32)}`;
const V = threadIdFor('victim');
const G = threadIdFor('granted');
const dir = mkdtempSync(join(tmpdir(), 'spl-authority-'));
const marker = join(dir, 'adapter-ran');

let kernel: Kernel;
let auth: Auth;
let server: RunningServer;
let base: string;
const bearer: Record<string, string> = {};
const clocks = new Map<string, number>();

beforeAll(async () => {
  kernel = createKernel({ store: createMemoryLogStore(), actor: DAEMON, workLoop: true });
  auth = createAuth({ kernel, actor: DAEMON, tokenKey: new Uint8Array(32).fill(5), auditWindowMs: 0 });
  await kernel.start();
  server = await listen(createApp({ kernel, auth, actor: DAEMON }), '127.0.0.1', 0);
  base = `http://${server.address}`;
  bearer.admin = (await auth.bootstrapServiceAccount({ sa_id: 'sa-admin', scopes: ['admin'] })).bearer;
  for (const [sa, scopes] of [
    ['sa-reader', ['records:read']],
    ['sa-writer', ['records:read', 'records:write']],
    ['sa-lead', ['records:write', 'aitl:decide']],
    ['sa-grain-g', [`thread:${G}:write`]],
    ['sa-grain-v', [`thread:${V}:write`]],
  ] as const) {
    await auth.createServiceAccount({ sa_id: sa, scopes: [...scopes] });
    bearer[sa] = (await auth.mintToken(sa)).bearer;
  }
  const config = (body: object) => kernel.emit(DAEMON, { thread: 'th_engine_config', act: 'LEARN', body: body as never });
  await config({ topic: 'adapter', name: 'echo', actor: 'did:sync:agent:echo', kind: 'exec', command: `touch ${marker}; cat >/dev/null; echo '{}'`, domain: 'code' });
  await config({ topic: 'aitl_rule', name: 'victim', expression: `record.thread == "${V}"` });
});
afterAll(async () => {
  await server.close();
  await auth.stop();
  await kernel.stop();
  rmSync(dir, { recursive: true, force: true });
});

const call = async (token: string | undefined, method: string, path: string, body?: unknown) => {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as any };
};
/** A record by `actor` with that actor's next clock on the thread (as the CLI picks it). */
const rec = (actor: string, thread: string, act: string, body: object = {}, extra: object = {}) => {
  const key = `${actor} ${thread}`;
  const clock = (clocks.get(key) ?? -1) + 1;
  clocks.set(key, clock);
  return { parents: [], thread, actor, act, body, clock, data_type: 'SCALAR', ...extra };
};
const waitFor = async (check: () => boolean | Promise<boolean>, what: string) => {
  for (let i = 0; i < 500 && !(await check()); i++) await new Promise((r) => setTimeout(r, 10));
  expect(await check(), what).toBe(true);
};

describe('actor binding over HTTP', () => {
  it('refuses a records:write token or a grain writing as another DID, or with another judged_by, naming the field', async () => {
    const forged = await call(bearer['sa-writer'], 'POST', '/v1/records', rec('did:sync:sa:sa-bootstrap-env', V, 'DO'));
    expect(forged.status).toBe(403);
    expect(forged.body.error).toMatchObject({ code: 'DID_CLAIM_DENIED', field: 'actor' });
    expect(forged.body.error.message).toContain('did:sync:sa:sa-bootstrap-env');
    const grain = await call(bearer['sa-grain-g'], 'POST', '/v1/records', rec('did:sync:user:alice', G, 'DO'));
    expect(grain.body.error).toMatchObject({ code: 'DID_CLAIM_DENIED', field: 'actor' });
    const judged = await call(bearer['sa-writer'], 'POST', '/v1/records', rec('did:sync:sa:sa-writer', V, 'KNOW', {}, { judged_by: 'did:sync:sa:sa-admin' }));
    expect(judged.body.error).toMatchObject({ code: 'DID_CLAIM_DENIED', field: 'judged_by' });
    const own = await call(bearer['sa-writer'], 'POST', '/v1/records', rec('did:sync:sa:sa-writer', threadIdFor('own'), 'KNOW', {}, { judged_by: 'did:sync:sa:sa-writer' }));
    expect(own.status).toBe(201);
  });

  it('refuses a batch of 200 forged verdicts whole: trust does not move', async () => {
    const before = kernel.trustOf('did:sync:agent:echo', 'code');
    const verdicts = Array.from({ length: 200 }, (_, i) =>
      rec('did:sync:user:boss', threadIdFor(`forge-${i}`), 'KNOW', { verdict: 'success', domain: 'code', subject: 'did:sync:agent:echo' }, { judged_by: 'did:sync:user:boss' }),
    );
    const res = await call(bearer['sa-writer'], 'POST', '/v1/records', { records: verdicts });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'DID_CLAIM_DENIED', field: 'records[0].actor' });
    expect(kernel.trustOf('did:sync:agent:echo', 'code')).toBe(before);
  });

  it("refuses the daemon's DID in any case, even to admin", async () => {
    for (const actor of [DAEMON, DAEMON.replace('d1d1', 'D1D1')]) {
      const res = await call(bearer.admin, 'POST', '/v1/records', rec(actor, V, 'DO'));
      expect(res.body.error).toMatchObject({ code: 'DID_CLAIM_DENIED', field: 'actor' });
    }
  });
});

describe('AITL decisions are an authority, whichever route they come by', () => {
  let request: string;

  it('holds work on the victim thread as a decision request', async () => {
    const intend = await call(bearer['sa-writer'], 'POST', '/v1/records', rec('did:sync:sa:sa-writer', V, 'INTEND', { to: 'did:sync:agent:echo', domain: 'code' }));
    expect(intend.status).toBe(201);
    await waitFor(() => kernel.pendingDecisions().length === 1, 'a pending decision');
    request = kernel.pendingDecisions()[0]!.id;
  });

  it('refuses a grain on another thread, a grain on the thread itself and a records:write token, by record and by route', async () => {
    const approve = (actor: string, thread: string) => rec(actor, thread, 'DO', { fulfills: request }, { parents: [request] });
    const elsewhere = await call(bearer['sa-grain-g'], 'POST', '/v1/records', approve('did:sync:sa:sa-grain-g', G));
    expect(elsewhere.status).toBe(422);
    expect(elsewhere.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'body.fulfills' });
    const sameThread = await call(bearer['sa-grain-v'], 'POST', '/v1/records', approve('did:sync:sa:sa-grain-v', V));
    expect(sameThread.status).toBe(403);
    expect(sameThread.body.error).toMatchObject({ code: 'SCOPE_FORBIDDEN', field: 'body.fulfills' });
    const writer = await call(bearer['sa-writer'], 'POST', '/v1/records', rec('did:sync:sa:sa-writer', V, 'DO', { cancels: request }));
    expect(writer.body.error).toMatchObject({ code: 'SCOPE_FORBIDDEN', field: 'body.cancels' });
    const route = await call(bearer['sa-writer'], 'POST', `/v1/aitl/${request}/decide`, { decision: 'approve' });
    expect(route.status).toBe(403);
    expect(route.body.error.code).toBe('SCOPE_FORBIDDEN');
    expect(kernel.pendingDecisions().map((d) => d.id)).toEqual([request]);
  });

  it('with a permission rule denying aitl_decide, refuses even admin by the route and by a raw record', async () => {
    const config = (body: object) => kernel.emit(DAEMON, { thread: 'th_engine_config', act: 'LEARN', body: body as never });
    await config({ topic: 'permission_rule', name: 'no-decisions', action: 'deny', priority: 100, expression: 'resource == "aitl_decide"' });
    await config({ topic: 'permission_rule', name: 'rest', action: 'allow', priority: 1, expression: 'true' });
    await config({ topic: 'permissions_enabled', name: 'default', value: true });
    const route = await call(bearer.admin, 'POST', `/v1/aitl/${request}/decide`, { decision: 'approve' });
    expect(route.status).toBe(403);
    expect(route.body.error.code).toBe('PERMISSION_DENIED');
    const raw = await call(bearer.admin, 'POST', '/v1/records', rec('did:sync:sa:sa-admin', V, 'DO', { fulfills: request }, { parents: [request] }));
    expect(raw.status).toBe(403);
    expect(raw.body.error).toMatchObject({ code: 'PERMISSION_DENIED', field: 'body.fulfills' });
    await config({ topic: 'permissions_enabled', name: 'default', value: false });
    await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(marker)).toBe(false);
    expect(kernel.pendingDecisions().map((d) => d.id)).toEqual([request]);
  });

  it('an aitl:decide holder approves by record, and the adapter runs', async () => {
    const approved = await call(bearer['sa-lead'], 'POST', '/v1/records', rec('did:sync:sa:sa-lead', V, 'DO', { fulfills: request, decision: 'approve' }, { parents: [request] }));
    expect(approved.status).toBe(201);
    await waitFor(() => existsSync(marker), 'the adapter ran');
    await waitFor(async () => (await kernel.thread(V))?.status === 'closed', 'the work closed its thread');
  });
});

describe('clocks and the token registry', () => {
  it("a writer cannot burn another actor's clock, nor jump its own past the bound; the admin still decides on that thread", async () => {
    const T = threadIdFor('clock-burn');
    const burn = await call(bearer['sa-writer'], 'POST', '/v1/records', { ...rec('did:sync:sa:sa-admin', T, 'DO'), clock: Number.MAX_SAFE_INTEGER });
    expect(burn.body.error).toMatchObject({ code: 'DID_CLAIM_DENIED', field: 'actor' });
    const own = await call(bearer['sa-writer'], 'POST', '/v1/records', { ...rec('did:sync:sa:sa-writer', T, 'DO'), clock: Number.MAX_SAFE_INTEGER });
    expect(own.status).toBe(422);
    expect(own.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'clock' });
    const ask = await kernel.emit(DAEMON, { thread: T, act: 'KNOW', body: { awaits: 'actor_decision' } });
    const decided = await call(bearer.admin, 'POST', `/v1/aitl/${ask.record.id}/decide`, { decision: 'reject', reason: 'no' });
    expect(decided.status).toBe(201);
    expect(decided.body).toMatchObject({ actor: 'did:sync:sa:sa-admin', body: { cancels: ask.record.id } });
  });

  it('keeps th_service_accounts from non-admins by every read route; admins see keyed hashes only', async () => {
    const reader = bearer['sa-reader'];
    expect((await call(reader, 'GET', '/v1/records?thread=th_service_accounts')).body.error).toMatchObject({ code: 'SCOPE_FORBIDDEN', field: 'thread' });
    expect((await call(reader, 'GET', '/v1/threads/th_service_accounts/records')).status).toBe(403);
    const all = await call(reader, 'GET', '/v1/records?limit=1000');
    expect(all.status).toBe(200);
    expect((all.body.data as StoredRecord[]).some((r) => r.thread === 'th_service_accounts')).toBe(false);
    expect(JSON.stringify(all.body)).not.toMatch(/secret/);
    const registry = await call(bearer.admin, 'GET', '/v1/records?thread=th_service_accounts&limit=1000');
    const tokens = (registry.body.data as StoredRecord[]).filter((r) => r.body.topic === 'token' && r.body.enabled === true);
    expect(tokens.length).toBeGreaterThan(5);
    for (const t of tokens) {
      expect(t.body.secret_hmac).toMatch(/^[0-9a-f]{64}$/);
      expect(t.body.secret_sha256).toBeUndefined();
    }
    expect((await call(reader, 'GET', `/v1/records/${tokens[0]!.id}`)).status).toBe(404);
    expect((await call(bearer.admin, 'GET', `/v1/records/${tokens[0]!.id}`)).status).toBe(200);
  });
});
