import { threadIdFor } from '@syncropel/algebra';
import { createAuth, type Auth } from '@syncropel/auth';
import { createApp, listen, type RunningServer } from '@syncropel/http';
import { createKernel, type Kernel } from '@syncropel/kernel';
import { createMemoryLogStore } from '@syncropel/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ACTOR = `did:sync:instance:${'ab'.repeat(32)}`;
const KEY = new Uint8Array(32).fill(1);
const thread = threadIdFor('auth-http');
let clock = 0;
const rec = (t = thread, actor = 'did:sync:sa:sa-admin') => ({ parents: [], thread: t, actor, act: 'DO', body: {}, clock: clock++, data_type: 'SCALAR' });

let kernel: Kernel;
let auth: Auth;
let server: RunningServer;
let base: string;
const bearers: Record<string, string> = {};

beforeAll(async () => {
  kernel = createKernel({ store: createMemoryLogStore() });
  auth = createAuth({ kernel, actor: ACTOR, tokenKey: KEY, auditWindowMs: 0 });
  await kernel.start();
  server = await listen(createApp({ kernel, auth }), '127.0.0.1', 0);
  base = `http://${server.address}`;
  bearers.admin = (await auth.bootstrapServiceAccount({ sa_id: 'sa-admin', scopes: ['admin'] })).bearer;
  for (const scope of ['records:read', 'records:write', 'config:read', 'config:write', 'federation:manage']) {
    const id = `sa-${scope.replace(':', '-')}`;
    await auth.createServiceAccount({ sa_id: id, scopes: [scope] });
    bearers[scope] = (await auth.mintToken(id)).bearer;
  }
  await auth.createServiceAccount({ sa_id: 'sa-grain', scopes: [`thread:${thread}:write`] });
  bearers.grain = (await auth.mintToken('sa-grain')).bearer;
});
afterAll(async () => {
  await server.close();
  await auth.stop();
  await kernel.stop();
});

const call = (method: string, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

describe('authentication edge cases over HTTP', () => {
  it('keeps GET /health and the engine probes (counters only) open, and answers 401 for details, /metrics and unknown routes without a token', async () => {
    expect(await (await fetch(`${base}/health`)).text()).toBe('ok');
    const probe = await call('GET', '/v1/engine/health');
    expect(probe.status).toBe(200);
    expect(Object.keys((await probe.json()) as object)).not.toContain('db_path');
    expect((await call('GET', '/v1/engine/expression_cache/stats')).status).toBe(200);
    expect((await call('GET', '/v1/engine/health?details=true')).status).toBe(401);
    expect((await call('GET', '/metrics')).status).toBe(401);
    expect((await call('GET', '/metrics', bearers['records:read'])).status).toBe(403);
    expect((await call('GET', '/metrics', bearers.admin)).status).toBe(200);
    expect((await call('GET', '/v1/nothing')).status).toBe(401);
    expect((await call('GET', '/v1/nothing', bearers.admin)).status).toBe(404);
  });

  // (Trailing whitespace is not tested: HTTP strips it from header values before any server sees it.)
  it('refuses unknown, malformed, padded and case-changed tokens with 401', async () => {
    const good = bearers['records:read'] as string;
    for (const header of ['Basic abc', `Bearer ${good}x`, `Bearer ${good.toUpperCase()}`, `Bearer  ${good}`, `Bearer ${good}==`, `Bearer ${good.replace('spl_prod', 'spl_dev')}`, 'Bearer spl_prod_sa-admin_short']) {
      const res = await fetch(`${base}/v1/records`, { headers: { authorization: header } });
      expect(res.status, header).toBe(401);
      const text = await res.text();
      expect(text).not.toContain(good.split('_').pop() as string);
    }
    expect((await call('GET', '/v1/records', good)).status).toBe(200);
  });

  it('answers 401 for a revoked token and for tokens of a revoked service account', async () => {
    await auth.createServiceAccount({ sa_id: 'sa-short-lived', scopes: ['records:read'] });
    const a = await auth.mintToken('sa-short-lived');
    const b = await auth.mintToken('sa-short-lived');
    expect((await call('GET', '/v1/records', a.bearer)).status).toBe(200);
    expect((await call('DELETE', `/v1/tokens/${a.token_id}`, bearers.admin)).status).toBe(200);
    expect((await call('GET', '/v1/records', a.bearer)).status).toBe(401);
    expect((await call('GET', '/v1/records', b.bearer)).status).toBe(200);
    expect((await call('DELETE', '/v1/service-accounts/sa-short-lived', bearers.admin)).status).toBe(200);
    expect((await call('GET', '/v1/records', b.bearer)).status).toBe(401);
  });

  it('lets a thread grain write only its thread', async () => {
    expect((await call('POST', '/v1/records', bearers.grain, rec(thread, 'did:sync:sa:sa-grain'))).status).toBe(201);
    const other = await call('POST', '/v1/records', bearers.grain, rec(threadIdFor('elsewhere'), 'did:sync:sa:sa-grain'));
    expect(other.status).toBe(403);
    expect(((await other.json()) as { error: { code: string; field: string } }).error).toMatchObject({ code: 'SCOPE_FORBIDDEN', field: 'thread' });
    expect((await call('GET', `/v1/records?thread=${thread}`, bearers.grain)).status).toBe(200);
    expect((await call('GET', '/v1/records', bearers.grain)).status).toBe(403);
  });

  it('refuses writes to daemon-only reserved threads for everyone, and config writes without config:write', async () => {
    for (const t of ['th_service_accounts', 'th_audit', 'th_federation_pairs']) {
      const res = await call('POST', '/v1/records', bearers.admin, { ...rec(t), act: 'LEARN' });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { code: string; field: string } }).error).toMatchObject({ code: 'RESERVED_THREAD', field: 'thread' });
    }
    const batch = await call('POST', '/v1/records', bearers.admin, { records: [rec(), { ...rec('th_service_accounts'), act: 'LEARN' }] });
    expect(((await batch.json()) as { error: { field: string } }).error.field).toBe('records[1].thread');
    const config = { ...rec('th_engine_config'), act: 'LEARN', body: { topic: 'tick_interval', name: 'default', seconds: 60 } };
    const writer = await call('POST', '/v1/records', bearers['records:write'], { ...config, actor: 'did:sync:sa:sa-records-write' });
    expect(writer.status).toBe(403);
    expect(((await writer.json()) as { error: { code: string; field: string } }).error).toMatchObject({ code: 'SCOPE_FORBIDDEN', field: 'thread' });
    expect((await call('POST', '/v1/records', bearers['config:write'], config)).status).toBe(403);
    expect((await call('POST', '/v1/records', bearers.admin, config)).status).toBe(201);
  });

  it('refuses bootstrap while auth is on, whether or not accounts exist', async () => {
    const res = await call('POST', '/v1/bootstrap/service-account', undefined, { sa_id: 'sa-late', scopes: ['admin'] });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('BOOTSTRAP_CLOSED');
  });
});

describe('CORS allowlist', () => {
  it('gives CORS headers to listed origins only, for preflight and actual requests', async () => {
    const origin = 'https://a.example';
    const preflightHeaders = (o: string) => ({ origin: o, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' });
    // Nothing is allowed before an allowlist is set.
    expect((await call('OPTIONS', '/v1/records', undefined, undefined, preflightHeaders(origin))).headers.get('access-control-allow-origin')).toBeNull();

    const set = await call('POST', '/v1/config/auth_cors_origins', bearers.admin, { origins: [origin, 'https://b.example'] });
    expect(await set.json()).toEqual({ origins: [origin, 'https://b.example'] });

    const pre = await call('OPTIONS', '/v1/records', undefined, undefined, preflightHeaders(origin));
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe(origin);
    expect(pre.headers.get('access-control-allow-headers')).toContain('authorization');

    const actual = await call('GET', '/v1/records', bearers.admin, undefined, { origin });
    expect(actual.headers.get('access-control-allow-origin')).toBe(origin);

    const stranger = await call('OPTIONS', '/v1/records', undefined, undefined, preflightHeaders('https://evil.example'));
    expect([...stranger.headers.keys()].filter((k) => k.startsWith('access-control-'))).toEqual([]);
    const strangerGet = await call('GET', '/v1/records', bearers.admin, undefined, { origin: 'https://evil.example' });
    expect([...strangerGet.headers.keys()].filter((k) => k.startsWith('access-control-'))).toEqual([]);

    const bad = await call('POST', '/v1/config/auth_cors_origins', bearers.admin, { origins: ['https://a.example/path'] });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe('origins[0]');
  });
});

describe('insecure-localhost mode (auth off)', () => {
  it('serves without tokens and opens bootstrap once', async () => {
    const k = createKernel({ store: createMemoryLogStore() });
    const a = createAuth({ kernel: k, actor: ACTOR, tokenKey: KEY, auditWindowMs: 0 });
    await k.start();
    const app = createApp({ kernel: k, auth: a, authRequired: () => false });
    expect((await app.request('/v1/records')).status).toBe(200);
    const boot = await app.request('/v1/bootstrap/service-account', { method: 'POST', body: JSON.stringify({ sa_id: 'sa-admin', scopes: ['admin'] }) });
    expect(boot.status).toBe(201);
    const minted = (await boot.json()) as { bearer: string; sa_id: string; scopes: string[] };
    expect(minted).toMatchObject({ sa_id: 'sa-admin', scopes: ['admin'] });
    expect(minted.bearer).toMatch(/^spl_prod_sa-admin_[0-9a-f]{64}$/);
    const again = await app.request('/v1/bootstrap/service-account', { method: 'POST', body: JSON.stringify({ sa_id: 'sa-two', scopes: ['admin'] }) });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('BOOTSTRAP_CLOSED');
    await a.stop();
    await k.stop();
  });
});
