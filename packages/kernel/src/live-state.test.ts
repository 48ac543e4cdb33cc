import { recordId, threadIdFor, validateRecord, type StoredRecord } from '@syncropel/algebra';
import { createKernel, isKernelError, type Kernel } from '@syncropel/kernel';
import { createMemoryLogStore, type LogStore } from '@syncropel/log';
import { COLD_START_SCORE, wilsonLowerBound } from '@syncropel/trust';
import { describe, expect, it } from 'vitest';

const ADMIN = 'did:sync:user:admin';
let clock = 0;
const learn = (body: object, actor = ADMIN) => ({ parents: [], thread: 'th_engine_config', actor, act: 'LEARN', body, clock: clock++, data_type: 'SCALAR' });
const rule = (name: string, expression: string, extra: object = {}) => learn({ topic: 'routing_rule', name, expression, target: 'did:sync:agent:echo', ...extra });
const verdict = (subject: string, domain: string, v: 'success' | 'failure', actor = 'did:sync:user:judge', judgedBy: string | null = null) => ({
  parents: [],
  thread: threadIdFor(`work-${subject}`),
  actor,
  act: 'KNOW',
  body: { verdict: v, domain, subject },
  clock: clock++,
  data_type: 'SCALAR',
  judged_by: judgedBy,
});

async function started(store: LogStore = createMemoryLogStore(), now?: () => number): Promise<Kernel> {
  const k = createKernel({ store, ...(now ? { now } : {}) });
  await k.start();
  return k;
}

async function refusal(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    if (isKernelError(e)) return { code: e.code, field: e.field, message: e.message };
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('config is data', () => {
  it('applies a routing rule on the next record, newest per (topic, name) wins, enabled:false retracts', async () => {
    const k = await started();
    await k.ingest(rule('code', 'record.act == "INTEND"', { priority: 5 }));
    await k.ingest(rule('docs', 'record.body.domain == "docs"'));
    expect(k.routingRules().map((r) => [r.name, r.priority])).toEqual([['code', 5], ['docs', 0]]);
    await k.ingest(rule('docs', 'record.body.domain == "docs"', { priority: 9 }));
    expect(k.routingRules().map((r) => [r.name, r.priority])).toEqual([['docs', 9], ['code', 5]]);
    await k.ingest(learn({ topic: 'routing_rule', name: 'code', enabled: false }));
    expect(k.routingRules().map((r) => r.name)).toEqual(['docs']);
  });

  it('refuses CEL that does not compile with 422 naming line and column, and keeps the working rule', async () => {
    const store = createMemoryLogStore();
    const k = await started(store);
    await k.ingest(rule('code', 'record.act == "INTEND"'));
    const before = await store.count();
    const r = await refusal(k.ingest(rule('code', 'record.act == ')));
    expect(r).toMatchObject({ code: 'VALIDATION_FAILED', field: 'body.expression' });
    expect(r.message).toMatch(/line 1, column 15/);
    const unknown = await refusal(k.ingest(rule('code', 'recrod.act == "x"')));
    expect(unknown.message).toMatch(/column 1: Unknown variable: recrod/);
    expect((await refusal(k.ingest(rule('code', '1 + 2')))).message).toMatch(/must be a condition/);
    expect((await refusal(k.ingest(learn({ topic: 'routing_rule', name: 'x', expression: 'true', target: 'nobody' })))).field).toBe('body.target');
    expect((await refusal(k.ingest(learn({ topic: 'tick_interval', name: 'default', seconds: 0 })))).field).toBe('body.seconds');
    expect((await refusal(k.ingestBatch([rule('ok', 'true'), rule('bad', '(')]))).field).toBe('records[1].body.expression');
    expect(await store.count()).toBe(before);
    expect(k.routingRules()).toEqual([{ name: 'code', expression: 'record.act == "INTEND"', target: 'did:sync:agent:echo', priority: 0 }]);
  });

  it('skips a bad config record already in the log, counts it, and keeps serving', async () => {
    const store = createMemoryLogStore();
    const bad = validateRecord(rule('broken', 'record.act == '));
    const good = validateRecord(rule('fine', 'true'));
    if (!bad.ok || !good.ok) throw new Error('setup');
    store.append([good, bad].map((v) => ({ id: recordId(v.value as never), record: v.value as never })));
    const k = await started(store);
    expect(k.status).toBe('ready');
    expect(k.routingRules().map((r) => r.name)).toEqual(['fine']);
    expect(k.health().config_skipped).toBe(1);
    expect(k.healthDetails().config.last_problem).toMatch(/skipped: body.expression does not compile/);
  });
});

describe('expression cache', () => {
  it('compiles once, then hits; reports stats with capacity 1024', () => {
    const k = createKernel({ store: createMemoryLogStore() });
    for (let i = 0; i < 1000; i++) k.expression('routing', 'record.act == "DO" && record.clock > 3');
    k.expression('routing', 'record.act ==');
    k.expression('routing', 'record.act ==');
    const s = k.expressions.stats();
    expect(s).toMatchObject({ hits: 1000, misses: 2, compile_errors: 1, size: 2, capacity: 1024 });
    expect(s.hit_rate_pct).toBeGreaterThan(99);
    expect(s.avg_compile_micros).toBeGreaterThan(0);
  });

  it('evaluates against live state: records as CEL values, trust() from the evidence table', async () => {
    const k = await started();
    const rec = { parents: [], thread: threadIdFor('x'), actor: 'did:sync:user:a', act: 'DO', body: { domain: 'code', n: 2 }, clock: 7, data_type: 'SCALAR' };
    expect(k.expression('routing', 'record.clock > 3 && record.body.n == 2', { record: rec })).toEqual({ ok: true, value: true });
    expect(k.expression('routing', 'trust("did:sync:agent:dev", "code") > 0.39', { record: rec })).toEqual({ ok: true, value: true });
    expect(k.expression('permission', 'resource == "record_write" && current_actor() == "did:sync:user:a"', { resource: 'record_write', actor: 'did:sync:user:a' })).toEqual({ ok: true, value: true });
    expect(k.expression('routing', 'record.body.missing == 1', { record: rec })).toMatchObject({ ok: false, stage: 'evaluate', error: { code: 'no_such_key' } });
    expect(k.expression('routing', 'record.act ==')).toMatchObject({ ok: false, stage: 'compile', error: { column: 14 } });
  });

  it('evicts the least recently used entry past capacity', async () => {
    const { ExpressionCache } = await import('@syncropel/kernel');
    const cache = new ExpressionCache(2);
    cache.compile('routing', 'true');
    cache.compile('routing', 'false');
    cache.compile('routing', 'true'); // refresh
    cache.compile('routing', '1 == 1'); // evicts "false"
    expect(cache.stats().size).toBe(2);
    cache.compile('routing', 'false');
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 4 });
  });
});

describe('trust from verdicts', () => {
  it('computes SPEC §6 numbers per (actor, domain); self-verdicts count for nothing', async () => {
    const k = await started();
    const dev = 'did:sync:agent:dev';
    for (let i = 0; i < 10; i++) await k.ingest(verdict(dev, 'code', 'success'));
    await k.ingest(verdict(dev, 'code', 'success', dev)); // self-authored
    await k.ingest(verdict(dev, 'code', 'failure', 'did:sync:user:other', dev)); // judged by itself
    await k.ingest(verdict(dev, 'docs', 'failure'));
    const rows = k.trust({ actor: dev });
    expect(rows.map((r) => [r.domain, r.successes, r.trials])).toEqual([['code', 10, 10], ['docs', 0, 1]]);
    expect(rows[0]!.raw).toBeCloseTo(0.6396, 4);
    expect(rows[0]!.raw).toBeCloseTo(wilsonLowerBound(10, 10), 12);
    expect(rows[0]!.freshness).toBeCloseTo(1, 6);
    expect(rows[0]!.dial).toBeCloseTo(0.6667, 4);
    expect(k.trust({ domain: 'docs' })).toHaveLength(1);
    expect(k.trustOf('did:sync:agent:nobody', 'code')).toBeCloseTo(COLD_START_SCORE, 12);
  });

  it('decays toward the cold-start score as evidence ages', async () => {
    let t = Date.now();
    const k = await started(createMemoryLogStore(), () => t);
    for (let i = 0; i < 10; i++) await k.ingest(verdict('did:sync:agent:old', 'ops', 'success'));
    const fresh = k.trust()[0]!;
    t += 30 * 86_400_000;
    const aged = k.trust()[0]!;
    expect(aged.freshness).toBeCloseTo(0.5, 3);
    expect(aged.effective).toBeCloseTo(fresh.raw * 0.5 + COLD_START_SCORE * 0.5, 3);
  });
});

describe('threads and AITL', () => {
  it('folds status open → active → closed, participants, last clocks and counts', async () => {
    const k = await started();
    const thread = threadIdFor('lifecycle');
    const at = (actor: string, act: string, c: number, body: object = {}) => ({ parents: [], thread, actor, act, body, clock: c, data_type: 'SCALAR' });
    const intend = await k.ingest(at('did:sync:user:a', 'INTEND', 1));
    expect(await k.thread(thread)).toMatchObject({ status: 'open', record_count: 1, participants: ['did:sync:user:a'] });
    await k.ingest(at('did:sync:agent:b', 'DO', 4));
    expect((await k.thread(thread))?.status).toBe('active');
    await k.ingest(at('did:sync:agent:b', 'KNOW', 9, { fulfills: intend.record.id }));
    expect(await k.thread(thread)).toMatchObject({ status: 'closed', record_count: 3, participants: ['did:sync:user:a', 'did:sync:agent:b'], last_clock: { 'did:sync:user:a': 1, 'did:sync:agent:b': 9 } });
    expect((await k.threads())[0]?.thread).toBe(thread);
  });

  it('counts AITL requests until a DO fulfils or cancels them', async () => {
    const k = await started();
    const thread = threadIdFor('aitl');
    const ask = await k.ingest({ parents: [], thread, actor: 'did:sync:instance:x', act: 'KNOW', body: { awaits: 'actor_decision' }, clock: 1, data_type: 'SCALAR' });
    await k.ingest({ parents: [], thread, actor: 'did:sync:instance:x', act: 'KNOW', body: { awaits: 'actor_decision', n: 2 }, clock: 2, data_type: 'SCALAR' });
    expect(k.health().aitl_pending).toBe(2);
    await k.ingest({ parents: [], thread, actor: 'did:sync:user:op', act: 'DO', body: { fulfills: ask.record.id }, clock: 1, data_type: 'SCALAR' });
    expect(k.health().aitl_pending).toBe(1);
    expect(k.pendingDecisions()[0]?.id).not.toBe(ask.record.id);
  });

  it('TICK finds stalled threads after the configured window and reports new verdicts', async () => {
    let t = Date.now();
    const k = await started(createMemoryLogStore(), () => t);
    await k.ingest(learn({ topic: 'stall_window', name: 'default', seconds: 600 }));
    await k.ingest(learn({ topic: 'tick_interval', name: 'default', seconds: 5 }));
    await k.ingest({ parents: [], thread: threadIdFor('quiet'), actor: 'did:sync:user:a', act: 'INTEND', body: {}, clock: 1, data_type: 'SCALAR' });
    await k.ingest(verdict('did:sync:agent:z', 'code', 'success'));
    t += 601_000;
    const report = k.tick();
    expect(report.interval_secs).toBe(5);
    expect(report.new_verdicts).toBe(1);
    expect(report.stalled_threads.map((s) => s.thread)).toEqual([threadIdFor('quiet'), threadIdFor('work-did:sync:agent:z')]);
    expect(k.healthDetails().loops.tick).toMatchObject({ interval_secs: 5, ticks: 1, last: report });
    await k.stop();
  });
});

describe('incremental state equals a full re-fold', () => {
  it('config, trust, threads and AITL built while ingesting equal the rebuild from the same log', async () => {
    const store = createMemoryLogStore();
    let t = 1_800_000_000_000;
    const k1 = await started(store, () => t);
    await k1.ingest(rule('a', 'record.act == "DO"', { priority: 2 }));
    await k1.ingest(rule('b', 'true'));
    await k1.ingest(learn({ topic: 'routing_rule', name: 'b', enabled: false }));
    for (let i = 0; i < 5; i++) await k1.ingest(verdict(`did:sync:agent:w${i % 2}`, i % 3 ? 'code' : 'ops', i % 2 ? 'failure' : 'success'));
    await k1.ingest({ parents: [], thread: threadIdFor('q'), actor: 'did:sync:instance:x', act: 'KNOW', body: { awaits: 'actor_decision' }, clock: 1, data_type: 'SCALAR' });
    const snapshot = async (k: Kernel) => ({ config: k.config(), rules: k.routingRules(), trust: k.trust(), threads: await k.threads(), aitl: k.pendingDecisions() });
    const incremental = await snapshot(k1);
    await k1.stop();
    const k2 = await started(store, () => t);
    expect(await snapshot(k2)).toEqual(incremental);
    t += 1; // same state whatever the wall clock, apart from trust decay
    expect((await snapshot(k2)).threads).toEqual(incremental.threads);
    const ids = (await k2.records({ limit: 1000 })).map((r) => r.id);
    expect(ids.length).toBe(await store.count());
  });
});
