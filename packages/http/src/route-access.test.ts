import { threadIdFor } from '@syncropel/algebra';
import { allows, createAuth, type Auth } from '@syncropel/auth';
import { createApp, describeRoutes, listen, type RouteAccess, type RunningServer } from '@syncropel/http';
import { createKernel, type Kernel } from '@syncropel/kernel';
import { createMemoryLogStore } from '@syncropel/log';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ACTOR = `did:sync:instance:${'ab'.repeat(32)}`;
const T = threadIdFor('route-access');
const NONE = '0'.repeat(64);

/**
 * What each route must declare (SPEC §8 plus aitl:decide): checked against what the routes
 * declare, so a route that guards with the wrong scope fails here, not in production.
 */
const EXPECTED: { readonly [route: string]: string } = {
  'GET /health': 'public',
  'GET /openapi.json': 'public',
  'GET /ui': 'public',
  'GET /ui/': 'public',
  'GET /ui/:file': 'public',
  'GET /metrics': 'metrics:read, public when metrics_public',
  'POST /v1/bootstrap/service-account': 'bootstrap',
  'POST /v1/records': 'records:write',
  'GET /v1/records': 'records:read',
  'GET /v1/records/:id': 'records:read',
  'GET /v1/engine/health': 'probe: counters to anyone; a bearer or details=true needs records:read',
  'GET /v1/engine/expression_cache/stats': 'probe: counters to anyone; a bearer needs records:read',
  'GET /v1/engine/backups': 'records:read',
  'GET /v1/threads': 'records:read',
  'GET /v1/threads/:id/state': 'records:read',
  'GET /v1/threads/:id/records': 'records:read',
  'GET /v1/trust': 'records:read',
  'POST /v1/expr/check': 'config:read',
  'POST /v1/expr/eval': 'records:read',
  'GET /v1/aitl': 'records:read',
  'POST /v1/aitl/:id/decide': 'aitl:decide',
  'GET /v1/drain': 'admin',
  'POST /v1/drain': 'admin',
  'DELETE /v1/drain': 'admin',
  'GET /v1/config': 'config:read',
  'GET /v1/config/rules': 'config:read',
  'POST /v1/config/rules': 'config:write',
  'DELETE /v1/config/rules/:name': 'config:write',
  'POST /v1/config/entries': 'config:write',
  'DELETE /v1/config/entries/:topic/:name': 'config:write',
  'GET /v1/config/auth_cors_origins': 'config:read',
  'POST /v1/config/auth_cors_origins': 'config:write',
  'GET /v1/config/permissions': 'config:read',
  'POST /v1/config/permissions/enable': 'config:write',
  'POST /v1/config/permissions/disable': 'config:write',
  'POST /v1/config/permissions/dry-run': 'config:read',
  'GET /v1/service-accounts': 'admin',
  'POST /v1/service-accounts': 'admin',
  'PATCH /v1/service-accounts/:id': 'admin',
  'DELETE /v1/service-accounts/:id': 'admin',
  'POST /v1/service-accounts/:id/tokens': 'admin',
  'GET /v1/tokens': 'admin',
  'DELETE /v1/tokens/:id': 'admin',
  'POST /v1/tokens/:id/rotate': 'admin',
};

let n = 0;
/** One harmless concrete request per route; grain routes name thread T. `sa` is the caller's account. */
const SAMPLES: { readonly [route: string]: { path: string; body?: (sa: string) => unknown } } = {
  'GET /health': { path: '/health' },
  'GET /openapi.json': { path: '/openapi.json' },
  'GET /ui': { path: '/ui' },
  'GET /ui/': { path: '/ui/' },
  'GET /ui/:file': { path: '/ui/app.js' },
  'GET /metrics': { path: '/metrics' },
  'POST /v1/bootstrap/service-account': { path: '/v1/bootstrap/service-account', body: () => ({ sa_id: 'sa-late', scopes: ['admin'] }) },
  'POST /v1/records': { path: '/v1/records', body: (sa) => ({ parents: [], thread: T, actor: `did:sync:sa:${sa}`, act: 'DO', body: { n }, clock: n++, data_type: 'SCALAR' }) },
  'GET /v1/records': { path: `/v1/records?thread=${T}` },
  'GET /v1/records/:id': { path: `/v1/records/${NONE}` },
  'GET /v1/engine/health': { path: '/v1/engine/health' },
  'GET /v1/engine/expression_cache/stats': { path: '/v1/engine/expression_cache/stats' },
  'GET /v1/engine/backups': { path: '/v1/engine/backups' },
  'GET /v1/threads': { path: '/v1/threads' },
  'GET /v1/threads/:id/state': { path: `/v1/threads/${T}/state` },
  'GET /v1/threads/:id/records': { path: `/v1/threads/${T}/records` },
  'GET /v1/trust': { path: '/v1/trust' },
  'POST /v1/expr/check': { path: '/v1/expr/check', body: () => ({ expression: 'true' }) },
  'POST /v1/expr/eval': { path: '/v1/expr/eval', body: () => ({ expression: '1 + 1' }) },
  'GET /v1/aitl': { path: '/v1/aitl' },
  'POST /v1/aitl/:id/decide': { path: `/v1/aitl/${NONE}/decide`, body: () => ({ decision: 'approve' }) },
  'GET /v1/drain': { path: '/v1/drain' },
  'POST /v1/drain': { path: '/v1/drain' },
  'DELETE /v1/drain': { path: '/v1/drain' },
  'GET /v1/config': { path: '/v1/config' },
  'GET /v1/config/rules': { path: '/v1/config/rules' },
  'POST /v1/config/rules': { path: '/v1/config/rules', body: () => ({ name: `r${n++}`, expression: 'false', target: 'did:sync:agent:x' }) },
  'DELETE /v1/config/rules/:name': { path: '/v1/config/rules/none' },
  'POST /v1/config/entries': { path: '/v1/config/entries', body: () => ({ topic: 'dispatch', name: 'default', concurrency: 4 }) },
  'DELETE /v1/config/entries/:topic/:name': { path: '/v1/config/entries/adapter/none' },
  'GET /v1/config/auth_cors_origins': { path: '/v1/config/auth_cors_origins' },
  'POST /v1/config/auth_cors_origins': { path: '/v1/config/auth_cors_origins', body: () => ({ origins: [] }) },
  'GET /v1/config/permissions': { path: '/v1/config/permissions' },
  'POST /v1/config/permissions/enable': { path: '/v1/config/permissions/enable' },
  'POST /v1/config/permissions/disable': { path: '/v1/config/permissions/disable' },
  'POST /v1/config/permissions/dry-run': { path: '/v1/config/permissions/dry-run', body: () => ({}) },
  'GET /v1/service-accounts': { path: '/v1/service-accounts' },
  'POST /v1/service-accounts': { path: '/v1/service-accounts', body: () => ({ sa_id: `sa-new-${n++}`, scopes: ['records:read'] }) },
  'PATCH /v1/service-accounts/:id': { path: '/v1/service-accounts/sa-target', body: () => ({ scopes: ['records:read'] }) },
  'DELETE /v1/service-accounts/:id': { path: '/v1/service-accounts/sa-nobody' },
  'POST /v1/service-accounts/:id/tokens': { path: '/v1/service-accounts/sa-target/tokens', body: () => ({}) },
  'GET /v1/tokens': { path: '/v1/tokens' },
  'DELETE /v1/tokens/:id': { path: '/v1/tokens/tok_0000000000000000' },
  'POST /v1/tokens/:id/rotate': { path: '/v1/tokens/tok_0000000000000000/rotate' },
};

/** The callers of the matrix: an Authorization header (none for `none`) and, when valid, the token's scopes. */
interface Caller {
  readonly name: string;
  readonly header?: string;
  readonly sa: string;
  readonly scopes?: readonly string[];
}

let kernel: Kernel;
let auth: Auth;
/** The web console's folder (one page and one script), so its routes are in the matrix too. */
let consoleDir: string;
const servers: RunningServer[] = [];
const callers: Caller[] = [];
/** Base URLs of the same API served four ways: at the root and under a prefix by route, basePath and mount. */
const mounts: { name: string; base: string }[] = [];

beforeAll(async () => {
  consoleDir = mkdtempSync(join(tmpdir(), 'spl-route-access-console-'));
  writeFileSync(join(consoleDir, 'index.html'), '<!doctype html><title>console</title>');
  writeFileSync(join(consoleDir, 'app.js'), '');
  kernel = createKernel({ store: createMemoryLogStore(), actor: ACTOR });
  auth = createAuth({ kernel, actor: ACTOR, tokenKey: new Uint8Array(32).fill(3), auditWindowMs: 0 });
  await kernel.start();
  const admin = await auth.bootstrapServiceAccount({ sa_id: 'sa-admin', scopes: ['admin'] });
  const minted: Record<string, string> = {};
  for (const [sa, scopes] of [
    ['sa-reader', ['records:read']],
    ['sa-writer', ['records:write']],
    ['sa-grain', [`thread:${T}:write`]],
    ['sa-revoked', ['admin']],
    ['sa-target', ['records:read']],
  ] as const) {
    await auth.createServiceAccount({ sa_id: sa, scopes: [...scopes] });
    minted[sa] = (await auth.mintToken(sa)).bearer;
  }
  const revoked = auth.listTokens('sa-revoked')[0]!;
  await auth.revokeToken(revoked.token_id);
  const bearer = (b: string) => `Bearer ${b}`;
  callers.push(
    { name: 'no token', sa: 'nobody' },
    { name: 'malformed', header: 'Basic c2EtYWRtaW46eA==', sa: 'nobody' },
    { name: 'wrong secret', header: bearer(`spl_prod_sa-admin_${'x'.repeat(64)}`), sa: 'sa-admin' },
    { name: 'revoked', header: bearer(minted['sa-revoked']!), sa: 'sa-revoked' },
    { name: 'records:read', header: bearer(minted['sa-reader']!), sa: 'sa-reader', scopes: ['records:read'] },
    { name: 'records:write', header: bearer(minted['sa-writer']!), sa: 'sa-writer', scopes: ['records:write'] },
    { name: 'grain', header: bearer(minted['sa-grain']!), sa: 'sa-grain', scopes: [`thread:${T}:write`] },
    { name: 'admin', header: bearer(admin.bearer), sa: 'sa-admin', scopes: ['admin'] },
  );
  const make = () => createApp({ kernel, auth, console: { directory: consoleDir }, backups: () => [] });
  const apps: [string, string, { fetch(r: Request, env?: unknown): Response | Promise<Response> }][] = [
    ['root', '', make()],
    ['route', '/spl', new Hono().route('/spl', make())],
    ['basePath', '/spl', new Hono().basePath('/spl').route('/', make())],
    ['mount', '/spl', new Hono().mount('/spl', make().fetch)],
  ];
  for (const [name, prefix, app] of apps) {
    const server = await listen(app, '127.0.0.1', 0);
    servers.push(server);
    mounts.push({ name, base: `http://${server.address}${prefix}` });
  }
});
afterAll(async () => {
  for (const s of servers) await s.close();
  await auth.stop();
  await kernel.stop();
  rmSync(consoleDir, { recursive: true, force: true });
});

describe('every route declares its access, with the route', () => {
  const app = () => createApp({ kernel, auth, console: { directory: consoleDir }, backups: () => [] });

  it('no route is left without a declared scope, and each declares the scope the API promises', () => {
    const routes = describeRoutes(app());
    expect(routes.filter((r) => r.access === undefined).map((r) => `${r.method} ${r.path}`)).toEqual([]);
    const declared = Object.fromEntries(routes.map((r) => [`${r.method} ${r.path}`, summary(r.access as RouteAccess)]));
    expect(declared).toEqual(EXPECTED);
  });

  it('reads the same declarations through a prefix mount, and every route has a sample request below', () => {
    const mounted = describeRoutes(new Hono().route('/spl', app()));
    expect(mounted).toHaveLength(Object.keys(EXPECTED).length);
    for (const r of mounted) expect(r.access, `${r.method} ${r.path}`).toBeDefined();
    expect(Object.keys(SAMPLES).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it('declares the same access when the API runs without auth (embedded)', () => {
    const open = describeRoutes(createApp({ kernel }));
    expect(open.filter((r) => r.access === undefined)).toEqual([]);
  });
});

describe('route × principal matrix, at the root and under a prefix', () => {
  for (const mount of ['root', 'route', 'basePath', 'mount']) {
    it(`enforces every route's scope for every kind of caller (${mount})`, async () => {
      const { base } = mounts.find((m) => m.name === mount)!;
      const failures: string[] = [];
      for (const route of describeRoutes(createApp({ kernel, auth, console: { directory: consoleDir }, backups: () => [] }))) {
        const key = `${route.method} ${route.path}`;
        const sample = SAMPLES[key]!;
        for (const caller of callers) {
          const want = expectation(route.access as RouteAccess, caller);
          const body = sample.body?.(caller.sa);
          const res = await fetch(`${base}${sample.path}`, {
            method: route.method,
            headers: { ...(caller.header ? { authorization: caller.header } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          });
          const code = res.status >= 400 ? ((await res.json()) as { error: { code: string } }).error.code : null;
          const ok = want === 'allowed' ? res.status !== 401 && res.status !== 403 : res.status === want.status && code === want.code;
          if (!ok) failures.push(`${key} as ${caller.name}: got ${res.status} ${code ?? ''}, want ${want === 'allowed' ? 'not 401/403' : `${want.status} ${want.code}`}`);
        }
      }
      expect(failures).toEqual([]);
    });
  }

  it('lets strangers read the engine probes, counters only, but not their details', async () => {
    for (const { name, base } of mounts) {
      const health = await fetch(`${base}/v1/engine/health`);
      expect(health.status, name).toBe(200);
      const body = (await health.json()) as Record<string, unknown>;
      expect(body.ingested_total, name).toEqual(expect.any(Number));
      for (const secret of ['db_path', 'backup_dir', 'bind', 'store', 'instance_did', 'version']) expect(body, `${name}: ${secret}`).not.toHaveProperty(secret);
      expect((await fetch(`${base}/v1/engine/health?details=true`)).status, name).toBe(401);
      expect((await fetch(`${base}/v1/engine/expression_cache/stats`)).status, name).toBe(200);
    }
  });

  it('answers 401 to strangers and 404 to token holders for unknown paths', async () => {
    const { base } = mounts[0]!;
    expect((await fetch(`${base}/v1/nothing`)).status).toBe(401);
    expect((await fetch(`${base}/v1/nothing`, { headers: { authorization: callers.at(-1)!.header! } })).status).toBe(404);
  });
});

/** The one-word summary of a declaration, to compare with {@link EXPECTED}. */
function summary(access: RouteAccess): string {
  if (access.kind === 'probe') return `probe: counters to anyone; a bearer${access.detail ? ` or ${access.detail}` : ''} needs ${access.scope}`;
  if (access.kind === 'scope') return access.openWhen ? `${access.scope}, public when ${access.openWhen}` : access.scope;
  return access.kind;
}

/** What a caller must get from a route: let through (any status but 401/403), or refused with a status and code. */
function expectation(access: RouteAccess, caller: Caller): 'allowed' | { status: number; code: string } {
  if (access.kind === 'public') return 'allowed';
  // Bootstrap is closed once accounts exist; it never asks for a token.
  if (access.kind === 'bootstrap') return { status: 409, code: 'BOOTSTRAP_CLOSED' };
  // A probe answers anyone who brings no token (the samples ask for no details).
  if (access.kind === 'probe' && caller.header === undefined) return 'allowed';
  if (!caller.scopes) return { status: 401, code: 'AUTH_REQUIRED' };
  if (access.kind === 'probe') return allows(caller.scopes, access.scope) ? 'allowed' : { status: 403, code: 'SCOPE_FORBIDDEN' };
  const grainOk = access.grain === 'records' ? caller.scopes.some((s) => s === `thread:${T}:write`) : access.grain !== undefined && allows(caller.scopes, access.scope, T);
  return allows(caller.scopes, access.scope) || grainOk ? 'allowed' : { status: 403, code: 'SCOPE_FORBIDDEN' };
}
