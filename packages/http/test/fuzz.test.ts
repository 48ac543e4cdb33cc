// The HTTP fuzz test: seeded hostile requests over every route against the real stack (SQLite
// file, auth, the work loop) on loopback. SPL_FUZZ_REQUESTS sets how many (default 2,000);
// tests/fuzz/http.sh runs 100,000 and prints the counts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuth, type Auth } from '@syncropel/auth';
import { createApp, describeRoutes, listen, type RunningServer } from '@syncropel/http';
import { createKernel, type Kernel } from '@syncropel/kernel';
import { openSqliteLogStore, type SqliteLogStore } from '@syncropel/log-sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzRequests } from './fuzz-requests.js';

const COUNT = Number(process.env.SPL_FUZZ_REQUESTS ?? 2000);
const SEED = Number(process.env.SPL_FUZZ_SEED ?? 1337);
const DAEMON = `did:sync:instance:${'f0'.repeat(32)}`;
const dir = mkdtempSync(join(tmpdir(), 'spl-fuzz-'));
let store: SqliteLogStore;
let kernel: Kernel;
let auth: Auth;
let server: RunningServer;
const internal: unknown[] = [];

beforeAll(async () => {
  store = openSqliteLogStore({ path: join(dir, 'hub.db') });
  kernel = createKernel({ store, actor: DAEMON, workLoop: true, onError: () => {} });
  auth = createAuth({ kernel, actor: DAEMON, tokenKey: new Uint8Array(32).fill(4), auditWindowMs: 0 });
  await kernel.start();
  server = await listen(createApp({ kernel, auth, onError: (e) => internal.push(e) }), '127.0.0.1', 0);
});
afterAll(async () => {
  await server.close();
  await auth.stop();
  await kernel.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe(`HTTP fuzz: ${COUNT} seeded hostile requests (seed ${SEED})`, () => {
  it('never answers 5xx, always with the JSON error envelope, stores a refused batch not at all, and keeps serving', { timeout: Math.max(60_000, COUNT * 5) }, async () => {
    const admin = (await auth.bootstrapServiceAccount({ sa_id: 'sa-admin', scopes: ['admin'] })).bearer;
    // Both accounts may write as all three DIDs, so a drawn actor suits whichever bearer is drawn.
    await auth.updateServiceAccount('sa-admin', { actors: ['did:sync:sa:sa-writer', 'did:sync:agent:w'] });
    await auth.createServiceAccount({ sa_id: 'sa-writer', scopes: ['records:read', 'records:write'], actors: ['did:sync:sa:sa-admin', 'did:sync:agent:w'] });
    const writer = (await auth.mintToken('sa-writer')).bearer;
    const requests = fuzzRequests(COUNT, SEED, {
      routes: describeRoutes(createApp({ kernel, auth })),
      bearers: [admin, writer],
      actors: ['did:sync:sa:sa-admin', 'did:sync:sa:sa-writer', 'did:sync:agent:w'],
    });
    const byStatus = new Map<number, number>();
    const failures: string[] = [];
    for (const r of requests) {
      const before = kernel.health().head_seq;
      const res = await fetch(`http://${server.address}${r.path}`, {
        method: r.method,
        headers: { ...(r.bearer ? { authorization: `Bearer ${r.bearer}` } : {}), ...(r.body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(r.body === undefined ? {} : { body: r.body }),
      });
      const text = await res.text();
      byStatus.set(res.status, (byStatus.get(res.status) ?? 0) + 1);
      const what = `${r.method} ${r.path.slice(0, 80)} → ${res.status}`;
      // Readiness answers 503 with its own JSON while draining or starting (a load balancer's signal).
      const readiness = res.status === 503 && r.path.startsWith('/v1/engine/health') && text.includes('"draining"');
      if (res.status >= 500 && !readiness) failures.push(`${what}: ${text.slice(0, 200)}`);
      if (res.status >= 400 && !readiness) {
        let error: { code?: unknown; message?: unknown } | undefined;
        try {
          error = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }).error;
        } catch {
          error = undefined;
        }
        if (typeof error?.code !== 'string' || typeof error.message !== 'string') failures.push(`${what}: no error envelope: ${text.slice(0, 120)}`);
        // Requests run one at a time, so anything new not written by the engine (whose work loop
        // answers earlier records in the background) came from this request.
        const stored = (await kernel.records({ after: before, limit: 1000 })).filter((x) => x.actor !== DAEMON);
        if (r.batch && r.method === 'POST' && stored.length > 0) failures.push(`${what}: a refused batch stored records`);
      }
      if (failures.length >= 20) break;
    }
    console.log(`fuzz: ${requests.length} requests, by status ${JSON.stringify(Object.fromEntries([...byStatus].sort((a, b) => a[0] - b[0])))}`);
    expect(failures).toEqual([]);
    expect(internal).toEqual([]);
    expect(await (await fetch(`http://${server.address}/health`)).text()).toBe('ok');
    expect(kernel.status).toBe('ready');
    // Most requests must get past the front door, or the fuzz proves little.
    const passed = [...byStatus].filter(([s]) => s < 300).reduce((n, [, c]) => n + c, 0);
    expect(passed).toBeGreaterThan(requests.length / 10);
  });
});
