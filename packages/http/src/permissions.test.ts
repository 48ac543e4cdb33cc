import { threadIdFor } from '@syncropel/algebra';
import { createAuth, type Auth } from '@syncropel/auth';
import { createApp } from '@syncropel/http';
import { createKernel, type Kernel } from '@syncropel/kernel';
import { createMemoryLogStore } from '@syncropel/log';
import { beforeEach, describe, expect, it } from 'vitest';

const DAEMON = `did:sync:instance:${'9a'.repeat(32)}`;
let kernel: Kernel;
let auth: Auth;
let app: ReturnType<typeof createApp>;
let admin: string;
let writer: string;
let clock = 0;

beforeEach(async () => {
  kernel = createKernel({ store: createMemoryLogStore(), actor: DAEMON });
  auth = createAuth({ kernel, actor: DAEMON, tokenKey: new Uint8Array(32).fill(1), auditWindowMs: 0 });
  await kernel.start();
  app = createApp({ kernel, auth, actor: DAEMON });
  admin = (await auth.bootstrapServiceAccount({ sa_id: 'sa-admin', scopes: ['admin'] })).bearer;
  await auth.createServiceAccount({ sa_id: 'sa-writer', scopes: ['records:read', 'records:write'], actors: ['did:sync:user:w', 'did:sync:user:alice', 'did:sync:user:bob'] });
  writer = (await auth.mintToken('sa-writer')).bearer;
});

const call = async (token: string, method: string, path: string, body?: unknown) => {
  const res = await app.request(path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, body: (await res.json()) as any };
};
const rule = (name: string, action: 'allow' | 'deny', priority: number, expression: string) =>
  call(admin, 'POST', '/v1/config/entries', { topic: 'permission_rule', name, action, priority, expression });
const rec = (actor = 'did:sync:user:w', thread = threadIdFor('p')) => ({ parents: [], thread, actor, act: 'DO', body: {}, clock: clock++, data_type: 'SCALAR' });

describe('permission rules', () => {
  it('refuses to enable without rules covering the daemon and the caller, naming the fix, and writes nothing', async () => {
    const before = kernel.health().record_count;
    const res = await call(admin, 'POST', '/v1/config/permissions/enable');
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('PREFLIGHT_FAILED');
    const gaps = res.body.error.detail.gaps as { actor: string; resource: string; fix: string }[];
    expect(gaps.map((g) => [g.actor, g.resource])).toEqual([
      [DAEMON, 'record_write'],
      [DAEMON, 'thread_read'],
      [DAEMON, 'config_read'],
      ['did:sync:sa:sa-admin', 'config_write'],
    ]);
    expect(gaps[0]!.fix).toBe(`spl config add-permission-rule --name allow-instance-record-write --action allow --priority 1000 --expression 'current_actor() == "${DAEMON}" && resource == "record_write"'`);
    expect(kernel.health().record_count).toBe(before);
    expect((await call(admin, 'GET', '/v1/config/permissions')).body.enabled).toBe(false);
  });

  it('takes a drain as config only from admin, as /v1/drain', async () => {
    await auth.createServiceAccount({ sa_id: 'sa-config', scopes: ['config:write', 'config:read'] });
    const configurer = (await auth.mintToken('sa-config')).bearer;
    const refused = await call(configurer, 'POST', '/v1/config/entries', { topic: 'drain', name: 'default', value: true });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'SCOPE_FORBIDDEN', field: 'body.topic' });
    expect(kernel.health().draining).toBe(false);
    expect((await call(admin, 'POST', '/v1/config/entries', { topic: 'drain', name: 'default', value: true })).status).toBe(201);
    expect(kernel.health().draining).toBe(true);
  });

  it('enforces by priority, first match wins, no match denies; denials are audited; /health stays open', async () => {
    expect((await rule('daemon', 'allow', 1000, `current_actor() == "${DAEMON}"`)).status).toBe(201);
    await rule('admin', 'allow', 900, 'current_actor() == "did:sync:sa:sa-admin"');
    await rule('no-secret-thread', 'deny', 500, `resource == "record_write" && record.thread == "${threadIdFor('secret')}"`);
    await rule('writers-write', 'allow', 100, 'current_actor() == "did:sync:sa:sa-writer" && resource == "record_write"');
    expect((await rule('bad', 'allow', 1, 'resource ==')).status).toBe(422);
    expect((await call(admin, 'POST', '/v1/config/permissions/enable')).body).toEqual({ enabled: true });

    expect((await call(writer, 'POST', '/v1/records', rec())).status).toBe(201);
    const denied = await call(writer, 'POST', '/v1/records', rec('did:sync:user:w', threadIdFor('secret')));
    expect(denied.status).toBe(403);
    expect(denied.body.error).toMatchObject({ code: 'PERMISSION_DENIED', message: 'did:sync:sa:sa-writer may not record_write: rule no-secret-thread denies it' });
    const read = await call(writer, 'GET', '/v1/records');
    expect(read.status).toBe(403);
    expect(read.body.error.message).toBe('did:sync:sa:sa-writer may not record_read: no rule allows it');
    expect((await call(admin, 'GET', '/v1/records')).status).toBe(200);
    expect((await app.request('/health')).status).toBe(200);

    await auth.stop(); // flush the aggregated audit
    const audit = (await kernel.records({ thread: 'th_audit', limit: 100 })).filter((r) => r.body.topic === 'auth_failure');
    expect(audit).toEqual([expect.objectContaining({ body: expect.objectContaining({ reason: 'permission', count: 2 }) })]);

    // Disable works while the admin rule stands.
    expect((await call(admin, 'POST', '/v1/config/permissions/disable')).body).toEqual({ enabled: false });
    expect((await call(writer, 'GET', '/v1/records')).status).toBe(200);
  });

  it('dry-runs proposed rules over recent requests and writes, reporting who would flip', async () => {
    await call(writer, 'POST', '/v1/records', rec('did:sync:user:alice'));
    await call(writer, 'POST', '/v1/records', rec('did:sync:user:bob'));
    const proposed = [{ name: 'only-alice', action: 'allow', priority: 1, expression: 'resource == "record_write" && record.actor == "did:sync:user:alice"' }];
    const res = await call(admin, 'POST', '/v1/config/permissions/dry-run', { rules: proposed });
    expect(res.status).toBe(200);
    const flips = res.body.flips as { actor: string; resource: string; from: string; to: string }[];
    expect(flips).toEqual(expect.arrayContaining([expect.objectContaining({ actor: 'did:sync:user:bob', resource: 'record_write', from: 'allow', to: 'deny' })]));
    expect(flips.some((f) => f.actor === 'did:sync:user:alice')).toBe(false);
    expect((await call(admin, 'POST', '/v1/config/permissions/dry-run', { rules: [{ name: 'x', action: 'maybe', expression: 'true' }] })).body.error.field).toBe('rules[0].action');
  });
});
