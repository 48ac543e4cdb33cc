import { threadIdFor } from '@syncropel/algebra';
import { createAuth, type Auth } from '@syncropel/auth';
import { createApp } from '@syncropel/http';
import { createKernel, type Kernel } from '@syncropel/kernel';
import { createMemoryLogStore } from '@syncropel/log';
import { beforeEach, describe, expect, it } from 'vitest';

const DAEMON = `did:sync:instance:${'5e'.repeat(32)}`;
let kernel: Kernel;
let auth: Auth;
let admin: string;
let grain: string;
const thread = threadIdFor('grain-only');
let clock = 0;
const rec = (extra: object = {}) => ({ parents: [], thread, actor: 'did:sync:user:g', act: 'DO', body: { dispatch_handled: true }, clock: clock++, data_type: 'SCALAR', ...extra });

async function setup(authRequired: boolean) {
  kernel = createKernel({ store: createMemoryLogStore(), actor: DAEMON });
  auth = createAuth({ kernel, actor: DAEMON, tokenKey: new Uint8Array(32).fill(1), auditWindowMs: 0 });
  await kernel.start();
  const app = createApp({ kernel, auth, actor: DAEMON, authRequired: () => authRequired });
  return app;
}
const req = (app: ReturnType<typeof createApp>, method: string, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}) =>
  app.request(`http://127.0.0.1:9100${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

describe('thread grains open only their own thread', () => {
  let app: ReturnType<typeof createApp>;
  beforeEach(async () => {
    app = await setup(true);
    admin = (await auth.bootstrapServiceAccount({ sa_id: 'sa-admin', scopes: ['admin'] })).bearer;
    await auth.createServiceAccount({ sa_id: 'sa-grain', scopes: [`thread:${thread}:write`], actors: ['did:sync:user:g'] });
    grain = (await auth.mintToken('sa-grain')).bearer;
  });

  it('reads its thread, but not records by id, the thread list, other threads, trust or decisions', async () => {
    const written = (await (await req(app, 'POST', '/v1/records', grain, rec())).json()) as { id: string };
    expect((await req(app, 'GET', `/v1/records?thread=${thread}`, grain)).status).toBe(200);
    expect((await req(app, 'GET', `/v1/threads/${thread}/state`, grain)).status).toBe(200);
    expect((await req(app, 'GET', `/v1/threads/${thread}/records`, grain)).status).toBe(200);
    for (const path of [`/v1/records/${written.id}?thread=${thread}`, `/v1/threads?thread=${thread}`, `/v1/threads/${threadIdFor('other')}/records?thread=${thread}`, `/v1/trust?thread=${thread}`, `/v1/aitl?thread=${thread}`]) {
      expect((await req(app, 'GET', path, grain)).status, path).toBe(403);
    }
    expect((await req(app, 'POST', `/v1/aitl/${'0'.repeat(64)}/decide`, grain, { decision: 'approve' })).status).toBe(403);
  });

  it('refuses writes as the daemon DID, and permissions_enabled without the preflight by any path', async () => {
    const forged = await req(app, 'POST', '/v1/records', admin, rec({ actor: DAEMON }));
    expect(forged.status).toBe(403);
    expect(((await forged.json()) as { error: { field: string } }).error.field).toBe('actor');
    const viaEntry = await req(app, 'POST', '/v1/config/entries', admin, { topic: 'permissions_enabled', name: 'on', value: true });
    expect(viaEntry.status).toBe(409);
    const viaRecord = await req(app, 'POST', '/v1/records', admin, { ...rec(), thread: 'th_engine_config', act: 'LEARN', actor: 'did:sync:sa:sa-admin', body: { topic: 'permissions_enabled', name: 'x', value: true } });
    expect(viaRecord.status).toBe(409);
    expect(auth.permissionsEnabled()).toBe(false);
  });

  it('treats permissions_enabled as single-valued: the newest record wins, whatever its name', async () => {
    await req(app, 'POST', '/v1/config/entries', admin, { topic: 'permission_rule', name: 'all', action: 'allow', priority: 1, expression: 'true' });
    expect((await req(app, 'POST', '/v1/config/entries', admin, { topic: 'permissions_enabled', name: 'on', value: true })).status).toBe(201);
    expect(auth.permissionsEnabled()).toBe(true);
    expect((await req(app, 'POST', '/v1/config/permissions/disable', admin)).status).toBe(200);
    expect(auth.permissionsEnabled()).toBe(false);
  });

  it('refuses the bootstrap route once closed without reading a body', async () => {
    const res = await req(app, 'POST', '/v1/bootstrap/service-account', undefined, undefined, { 'content-length': '0' });
    expect(res.status).toBe(409);
  });
});

describe('auth off (--insecure-localhost) serves only this machine', () => {
  it('refuses foreign Host names and cross-site origins, keeps /health open', async () => {
    const app = await setup(false);
    expect((await req(app, 'GET', '/v1/records')).status).toBe(200);
    const rebinding = await app.request('http://evil.example:9100/v1/records');
    expect(rebinding.status).toBe(403);
    expect(((await rebinding.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN_ORIGIN');
    const csrf = await req(app, 'POST', '/v1/bootstrap/service-account', undefined, { sa_id: 'sa-x', scopes: ['admin'] }, { origin: 'https://evil.example' });
    expect(csrf.status).toBe(403);
    expect(auth.bootstrapOpen()).toBe(true);
    expect((await app.request('http://evil.example/health')).status).toBe(200);
    expect((await req(app, 'POST', '/v1/bootstrap/service-account', undefined, { sa_id: 'sa-x', scopes: ['admin'] })).status).toBe(201);
  });

  it('takes the daemon\'s own origin (its web console) but no other local one', async () => {
    const app = await setup(false);
    const record = { parents: [], thread: threadIdFor('console'), actor: 'did:sync:agent:a', act: 'INTEND', body: {}, clock: 0, data_type: 'SCALAR' };
    const otherPort = await req(app, 'POST', '/v1/records', undefined, record, { origin: 'http://127.0.0.1:3000' });
    expect(otherPort.status).toBe(403);
    const otherName = await req(app, 'POST', '/v1/records', undefined, record, { origin: 'http://localhost:9100' });
    expect(otherName.status).toBe(403);
    const own = await req(app, 'POST', '/v1/records', undefined, record, { origin: 'http://127.0.0.1:9100' });
    expect(own.status).toBe(201);
  });
});
