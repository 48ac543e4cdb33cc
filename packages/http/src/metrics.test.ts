import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadIdFor } from '@syncropel/algebra';
import { createAuth, type Auth } from '@syncropel/auth';
import { createApp, createMetrics, listen, UNMATCHED_ROUTE, type DaemonInfo, type RequestFacts, type RunningServer } from '@syncropel/http';
import { createKernel, type Kernel } from '@syncropel/kernel';
import { createMemoryLogStore } from '@syncropel/log';
import { openSqliteLogStore, type SqliteLogStore } from '@syncropel/log-sqlite';
import { Hono } from 'hono';
import parsePrometheus from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ACTOR = `did:sync:instance:${'ef'.repeat(32)}`;
const thread = threadIdFor('metrics-test');
let clock = 1;
const rec = () => ({ parents: [], thread, actor: 'did:sync:sa:sa-admin', act: 'DO', body: { n: clock }, clock: clock++, data_type: 'SCALAR' });
const BACKUP_AT = Date.now() - 3_600_000;

let dir: string;
let store: SqliteLogStore;
let kernel: Kernel;
let auth: Auth;
let server: RunningServer;
let base: string;
let admin: string;
let reader: string;
let scraper: string;
let backupWarning: string | null = null;
const seen: RequestFacts[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spl-metrics-'));
  store = openSqliteLogStore({ path: join(dir, 'hub.db') });
  // As the daemon wires it: one metrics object, fed by the kernel's commits and the app's requests.
  const metrics = createMetrics();
  kernel = createKernel({ store, actor: ACTOR, onCommit: metrics.observeCommit });
  auth = createAuth({ kernel, actor: ACTOR, tokenKey: new Uint8Array(32).fill(7), auditWindowMs: 0 });
  await kernel.start();
  const info = (): DaemonInfo => ({
    version: 't',
    instance_did: ACTOR,
    bind: '127.0.0.1:0',
    db_path: join(dir, 'hub.db'),
    backup_dir: dir,
    auth_required: true,
    last_backup: { at: new Date(BACKUP_AT).toISOString(), path: join(dir, 'hub.db.bak'), record_count: 0 },
    backup_warning: backupWarning,
  });
  server = await listen(createApp({ kernel, auth, info, metrics, onRequest: (r) => seen.push(r) }), '127.0.0.1', 0);
  base = `http://${server.address}`;
  admin = (await auth.bootstrapServiceAccount({ sa_id: 'sa-admin', scopes: ['admin'] })).bearer;
  await auth.createServiceAccount({ sa_id: 'sa-reader', scopes: ['records:read'] });
  reader = (await auth.mintToken('sa-reader')).bearer;
  await auth.createServiceAccount({ sa_id: 'sa-prometheus', scopes: ['metrics:read'] });
  scraper = (await auth.mintToken('sa-prometheus')).bearer;
});
afterAll(async () => {
  await server.close();
  await auth.stop();
  await kernel.stop();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (path: string, token?: string) => fetch(`${base}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
const post = (path: string, token: string, body: unknown) =>
  fetch(`${base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** One scrape, parsed by a Prometheus text parser, as name → family. */
async function scrape(token: string | undefined = scraper): Promise<Map<string, Family>> {
  const res = await get('/metrics', token);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return new Map(parsePrometheus(await res.text()).map((f) => [f.name, f]));
}
type Family = ReturnType<typeof parsePrometheus>[number];
const value = (m: Map<string, Family>, name: string, labels: Record<string, string> = {}): number => {
  const family = m.get(name);
  if (!family) throw new Error(`no metric ${name}`);
  const sample = family.metrics.find((s) => Object.entries(labels).every(([k, v]) => s.labels?.[k] === v));
  if (!sample) throw new Error(`no ${name} sample with ${JSON.stringify(labels)}`);
  return Number(family.type === 'HISTOGRAM' ? sample.count : sample.value);
};

describe('GET /metrics', () => {
  it('serves Prometheus text with the kernel, cache, backup and HTTP metrics', async () => {
    const m = await scrape();
    const want: [string, string][] = [
      ['syncropel_records_ingested_total', 'COUNTER'],
      ['syncropel_reconciled_total', 'COUNTER'],
      ['syncropel_commit_duration_seconds', 'HISTOGRAM'],
      ['syncropel_reconcile_queue_depth', 'GAUGE'],
      ['syncropel_dispatches_in_flight', 'GAUGE'],
      ['syncropel_aitl_pending', 'GAUGE'],
      ['syncropel_ready', 'GAUGE'],
      ['syncropel_draining', 'GAUGE'],
      ['syncropel_expression_cache_hits_total', 'COUNTER'],
      ['syncropel_expression_cache_misses_total', 'COUNTER'],
      ['syncropel_expression_cache_compile_errors_total', 'COUNTER'],
      ['syncropel_expression_cache_size', 'GAUGE'],
      ['syncropel_expression_cache_capacity', 'GAUGE'],
      ['syncropel_backup_age_seconds', 'GAUGE'],
      ['syncropel_backup_warning', 'GAUGE'],
      ['syncropel_http_requests_total', 'COUNTER'],
      ['syncropel_http_request_duration_seconds', 'HISTOGRAM'],
    ];
    for (const [name, type] of want) expect(m.get(name)?.type, name).toBe(type);
    expect(value(m, 'syncropel_ready')).toBe(1);
    expect(value(m, 'syncropel_expression_cache_capacity')).toBe(1024);
    const age = value(m, 'syncropel_backup_age_seconds');
    expect(age).toBeGreaterThanOrEqual(3600);
    expect(age).toBeLessThan(3700);
    expect(value(m, 'syncropel_backup_warning')).toBe(0);
    backupWarning = 'BACKUP KEPT: the store holds fewer records than the last backup';
    expect(value(await scrape(), 'syncropel_backup_warning')).toBe(1);
    backupWarning = null;
  });

  it('counts ingested records and commit groups as they happen', async () => {
    const before = await scrape();
    const ingested = value(before, 'syncropel_records_ingested_total');
    const commits = value(before, 'syncropel_commit_duration_seconds');
    expect((await post('/v1/records', admin, { records: [rec(), rec(), rec()] })).status).toBe(201);
    expect((await post('/v1/records', admin, rec())).status).toBe(201);
    const after = await scrape();
    expect(value(after, 'syncropel_records_ingested_total')).toBe(ingested + 4);
    expect(value(after, 'syncropel_commit_duration_seconds')).toBeGreaterThanOrEqual(commits + 2);
    // The CEL cache moves when an expression is checked.
    const misses = value(after, 'syncropel_expression_cache_misses_total');
    expect((await post('/v1/expr/check', admin, { expression: `record.clock > ${clock}`, context: 'routing' })).status).toBe(200);
    expect(value(await scrape(), 'syncropel_expression_cache_misses_total')).toBe(misses + 1);
  });

  it('labels requests by route pattern, never the raw path', async () => {
    const id = 'a'.repeat(64);
    for (const n of [1, 2]) expect((await get(`/v1/records/${n === 1 ? id : 'b'.repeat(64)}`, reader)).status).toBe(404);
    expect((await get('/v1/nothing/at/all', reader)).status).toBe(404);
    const m = await scrape();
    const requests = m.get('syncropel_http_requests_total')!;
    const routes = requests.metrics.map((s) => s.labels?.route ?? '');
    expect(routes.some((r) => r.includes(id) || r.includes('bbbb') || r.includes('nothing'))).toBe(false);
    expect(value(m, 'syncropel_http_requests_total', { method: 'GET', route: '/v1/records/:id', status: '404' })).toBe(2);
    expect(value(m, 'syncropel_http_requests_total', { method: 'GET', route: UNMATCHED_ROUTE, status: '404' })).toBeGreaterThanOrEqual(1);
    expect(value(m, 'syncropel_http_requests_total', { method: 'POST', route: '/v1/records', status: '201' })).toBeGreaterThanOrEqual(2);
    // The parser folds a labelled histogram's series into one (it keeps no labels there), so the
    // per-route latency count is read from its exposition line.
    const text = await (await get('/metrics', scraper)).text();
    expect(text).toContain('syncropel_http_request_duration_seconds_count{method="GET",route="/v1/records/:id"} 2\n');
    expect(text).not.toContain('a'.repeat(64));
  });

  it('needs metrics:read (admin has it) until config metrics_public is true', async () => {
    expect((await get('/metrics')).status).toBe(401);
    expect((await get('/metrics', reader)).status).toBe(403);
    expect((await get('/metrics', admin)).status).toBe(200);
    expect((await post('/v1/config/entries', admin, { topic: 'metrics_public', name: 'default', value: 'yes' })).status).toBe(422);
    expect((await post('/v1/config/entries', admin, { topic: 'metrics_public', name: 'default', value: true })).status).toBe(201);
    expect((await get('/metrics')).status).toBe(200);
    expect((await post('/v1/config/entries', admin, { topic: 'metrics_public', name: 'default', value: false })).status).toBe(201);
    expect((await get('/metrics')).status).toBe(401);
  });

  it('keeps two apps in one process apart: each its own registry', async () => {
    const k = createKernel({ store: createMemoryLogStore() });
    await k.start();
    const one = createApp({ kernel: k });
    const two = createApp({ kernel: k });
    await one.request('/health');
    const text = async (app: typeof one) => (await app.request('/metrics')).text();
    const first = parsePrometheus(await text(one));
    const second = parsePrometheus(await text(two));
    const healthCount = (fs: typeof first) => fs.find((f) => f.name === 'syncropel_http_requests_total')!.metrics.filter((s) => s.labels?.route === '/health').length;
    expect(healthCount(first)).toBe(1);
    expect(healthCount(second)).toBe(0);
    await k.stop();
  });
});

describe('onRequest', () => {
  it('tells each request: method, route pattern, status, ms, and the service account (never the bearer)', async () => {
    seen.length = 0;
    await get(`/v1/threads/${thread}/state`, reader);
    await get('/v1/records', 'spl_prod_sa-admin_' + 'x'.repeat(64));
    await get('/health');
    expect(seen.map(({ ms: _ms, ...r }) => r)).toEqual([
      { method: 'GET', route: '/v1/threads/:id/state', status: 200, principal: 'sa-reader' },
      { method: 'GET', route: '/v1/records', status: 401, principal: null },
      { method: 'GET', route: '/health', status: 200, principal: null },
    ]);
    for (const r of seen) expect(r.ms).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(seen)).not.toContain(reader.split('_').pop()!);
  });

  it('names the pattern with its prefix when mounted, and survives a throwing observer', async () => {
    const k = createKernel({ store: createMemoryLogStore() });
    await k.start();
    const facts: RequestFacts[] = [];
    const errors: unknown[] = [];
    const parent = new Hono().route('/spl', createApp({ kernel: k, onRequest: (r) => facts.push(r) }));
    expect((await parent.request(`/spl/v1/threads/${thread}/state`)).status).toBe(404);
    expect(facts.map((f) => f.route)).toEqual(['/spl/v1/threads/:id/state']);
    const throwing = createApp({ kernel: k, onError: (e) => errors.push(e), onRequest: () => { throw new Error('observer bug'); } });
    const res = await throwing.request('/health');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok');
    expect(errors).toHaveLength(1);
    await k.stop();
  });
});
