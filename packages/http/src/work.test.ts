import { threadIdFor } from '@syncropel/algebra';
import { createApp } from '@syncropel/http';
import { createKernel, type Kernel } from '@syncropel/kernel';
import { createMemoryLogStore } from '@syncropel/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let kernel: Kernel;
let app: ReturnType<typeof createApp>;
const call = async (method: string, path: string, body?: unknown) => {
  const res = await app.request(path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
  return { status: res.status, body: (await res.json()) as any };
};
const waitFor = async (check: () => boolean | Promise<boolean>) => {
  for (let i = 0; i < 1500 && !(await check()); i++) await new Promise((r) => setTimeout(r, 10));
  expect(await check()).toBe(true);
};

beforeAll(async () => {
  kernel = createKernel({ store: createMemoryLogStore(), actor: `did:sync:instance:${'ab'.repeat(32)}`, workLoop: true });
  await kernel.start();
  app = createApp({ kernel });
});
afterAll(() => kernel.stop());

describe('work over HTTP', () => {
  it('configures an adapter and an AITL rule as entries, lists the pending decision, and approves it', async () => {
    expect((await call('POST', '/v1/config/entries', { topic: 'adapter', name: 'echo', actor: 'did:sync:agent:echo', kind: 'exec', command: 'cat >/dev/null; echo "{}"' })).status).toBe(201);
    const bad = await call('POST', '/v1/config/entries', { topic: 'adapter', name: 'broken', actor: 'did:sync:agent:x', kind: 'exec' });
    expect(bad.status).toBe(422);
    expect(bad.body.error.field).toBe('body.command');
    await call('POST', '/v1/config/entries', { topic: 'aitl_rule', name: 'all', expression: 'true' });
    const thread = threadIdFor('http-aitl');
    await kernel.ingest({ parents: [], thread, actor: 'did:sync:user:a', act: 'INTEND', body: { to: 'did:sync:agent:echo' }, clock: 1, data_type: 'SCALAR' });
    await waitFor(() => kernel.health().aitl_pending === 1);
    const list = await call('GET', '/v1/aitl');
    expect(list.body.data).toEqual([expect.objectContaining({ thread, target: 'did:sync:agent:echo', rule: 'all' })]);
    expect((await call('POST', `/v1/aitl/${list.body.data[0].id}/decide`, { decision: 'maybe' })).body.error.field).toBe('decision');
    const decided = await call('POST', `/v1/aitl/${list.body.data[0].id}/decide`, { decision: 'approve', reason: 'ok' });
    expect(decided.status).toBe(201);
    expect(decided.body).toMatchObject({ act: 'DO', actor: 'did:sync:host:embedded', body: { fulfills: list.body.data[0].id, decision: 'approve', reason: 'ok' } });
    await waitFor(async () => (await kernel.thread(thread))?.status === 'closed');
    expect((await call('POST', `/v1/aitl/${list.body.data[0].id}/decide`, { decision: 'approve' })).status).toBe(404);
    expect((await call('DELETE', '/v1/config/entries/aitl_rule/all')).status).toBe(200);
  });

  it('drains: readiness answers 503 with draining, /health stays ok, and resumes', async () => {
    expect((await call('POST', '/v1/drain')).body).toMatchObject({ draining: true, in_flight: 0 });
    const health = await call('GET', '/v1/engine/health');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: 'ready', draining: true });
    expect((await app.request('/health')).status).toBe(200);
    expect((await call('GET', '/v1/drain')).body.draining).toBe(true);
    expect((await call('DELETE', '/v1/drain')).body.draining).toBe(false);
    expect((await call('GET', '/v1/engine/health')).status).toBe(200);
  });
});
