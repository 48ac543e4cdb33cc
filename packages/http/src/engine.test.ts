import { threadIdFor } from '@syncropel/algebra';
import { createApp } from '@syncropel/http';
import { createKernel, type Kernel } from '@syncropel/kernel';
import { createMemoryLogStore } from '@syncropel/log';
import { beforeAll, describe, expect, it } from 'vitest';

const DID = `did:sync:instance:${'cd'.repeat(32)}`;
let kernel: Kernel;
let app: ReturnType<typeof createApp>;
const json = async (path: string, init?: RequestInit) => {
  const res = await app.request(path, init);
  return { status: res.status, body: (await res.json()) as any };
};
const post = (path: string, body: unknown) => json(path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

beforeAll(async () => {
  kernel = createKernel({ store: createMemoryLogStore() });
  await kernel.start();
  app = createApp({ kernel, info: () => ({ version: 't', instance_did: DID, bind: null, db_path: null, backup_dir: null, auth_required: false }) });
});

describe('engine health surfaces', () => {
  it('reports the readiness counters, and details with loops and cache stats', async () => {
    const h = await json('/v1/engine/health');
    expect(h.status).toBe(200);
    for (const key of ['ingested_total', 'reconciled_total', 'reconcile_queue_depth', 'aitl_pending', 'intelligence_enabled', 'uptime_secs', 'status', 'in_flight', 'draining', 'leader']) {
      expect(h.body, key).toHaveProperty(key);
    }
    // A ready kernel on a single-writer store (here: memory) always leads.
    expect(h.body.leader).toBe(true);
    expect(h.body.loops).toBeUndefined();
    const d = await json('/v1/engine/health?details=true');
    expect(Object.keys(d.body.loops)).toEqual(['ingest', 'reconcile', 'tick', 'cron']);
    expect(Object.keys(d.body.loops.ingest).sort()).toEqual(['commit_groups', 'ingested_total', 'last_commit_ms', 'mean_commit_ms', 'mean_group_records', 'pending_commit']);
    expect(d.body.expression_cache).toMatchObject({ capacity: 1024 });
    const stats = await json('/v1/engine/expression_cache/stats');
    expect(Object.keys(stats.body).sort()).toEqual(['avg_compile_micros', 'capacity', 'compile_errors', 'hit_rate_pct', 'hits', 'misses', 'size']);
  });
});

describe('config over HTTP', () => {
  it('adds a routing rule as a LEARN by the daemon, lists it, refuses bad CEL with its column, removes it', async () => {
    const added = await post('/v1/config/rules', { name: 'code', expression: 'record.act == "INTEND" && record.body.domain == "code"', target: 'did:sync:agent:echo', priority: 3 });
    expect(added.status).toBe(201);
    expect(added.body.rule).toEqual({ name: 'code', expression: 'record.act == "INTEND" && record.body.domain == "code"', target: 'did:sync:agent:echo', priority: 3 });
    expect(added.body.record).toMatchObject({ thread: 'th_engine_config', act: 'LEARN', actor: DID });
    const bad = await post('/v1/config/rules', { name: 'code', expression: 'record.act == "INTEND" &&', target: 'did:sync:agent:echo' });
    expect(bad.status).toBe(422);
    expect(bad.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'body.expression' });
    expect(bad.body.error.message).toMatch(/column 26/);
    const rules = await json('/v1/config/rules');
    expect(rules.body.data).toHaveLength(1);
    expect((await json('/v1/config')).body.data.map((e: { topic: string }) => e.topic)).toContain('routing_rule');
    expect((await json('/v1/config/rules/code', { method: 'DELETE' })).status).toBe(200);
    expect((await json('/v1/config/rules')).body.data).toEqual([]);
    expect((await json('/v1/config/rules/code', { method: 'DELETE' })).status).toBe(404);
  });

  it('checks and evaluates expressions', async () => {
    expect((await post('/v1/expr/check', { expression: 'record.act ==', context: 'routing' })).body).toMatchObject({ ok: false, stage: 'compile', error: { column: 14 } });
    expect((await post('/v1/expr/check', { expression: 'resource == "admin"', context: 'permission' })).body).toEqual({ ok: true });
    expect((await post('/v1/expr/check', { expression: 'true', context: 'nope' })).status).toBe(422);
    const ev = await post('/v1/expr/eval', { expression: 'record.clock > 3', context: 'routing', record: { clock: 5 } });
    expect(ev.body).toEqual({ ok: true, value: true });
  });
});

describe('threads and trust over HTTP', () => {
  it('lists threads with state, reads a thread, and shows trust', async () => {
    const thread = threadIdFor('http-threads');
    const intend = await kernel.ingest({ parents: [], thread, actor: 'did:sync:user:a', act: 'INTEND', body: { domain: 'code' }, clock: 1, data_type: 'SCALAR' });
    await kernel.ingest({ parents: [intend.record.id], thread, actor: 'did:sync:user:judge', act: 'KNOW', body: { fulfills: intend.record.id, verdict: 'success', domain: 'code', subject: 'did:sync:agent:echo' }, clock: 1, data_type: 'SCALAR' });
    const list = await json('/v1/threads?status=closed');
    expect(list.body.data.map((t: { thread: string }) => t.thread)).toContain(thread);
    expect((await json(`/v1/threads/${thread}/state`)).body).toMatchObject({ status: 'closed', record_count: 2 });
    expect((await json(`/v1/threads/${thread}/records`)).body.data).toHaveLength(2);
    expect((await json(`/v1/threads/${threadIdFor('nope')}/state`)).status).toBe(404);
    expect((await json('/v1/threads?status=weird')).status).toBe(422);
    const trust = await json('/v1/trust?actor=did:sync:agent:echo');
    expect(trust.body.data).toEqual([expect.objectContaining({ actor: 'did:sync:agent:echo', domain: 'code', successes: 1, trials: 1 })]);
  });
});
