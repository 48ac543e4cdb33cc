import type { StoredRecord } from '@syncropel/algebra';
import { AUDIT_THREAD, AUDIT_WINDOW_MS, createAuth, MAX_AUDIT_KEYS, type Auth } from '@syncropel/auth';
import { createKernel, type Kernel } from '@syncropel/kernel';
import { TOKEN_KEY } from '../test/auth-harness.js';
import { createMemoryLogStore, type LogStore } from '@syncropel/log';
import { scanAll } from '@syncropel/log/contract';
import { describe, expect, it } from 'vitest';

const ACTOR = `did:sync:instance:${'b2'.repeat(32)}`;
const T0 = Date.parse('2025-03-01T12:00:00.000Z');

/** A real kernel with auth attached before start; `clock.t` drives the auth clock. */
async function boot(auditWindowMs = 0) {
  const store: LogStore = createMemoryLogStore();
  const clock = { t: T0 };
  const kernel: Kernel = createKernel({ store });
  const auth: Auth = createAuth({ kernel, actor: ACTOR, tokenKey: TOKEN_KEY, auditWindowMs, now: () => clock.t });
  await kernel.start();
  return { store, kernel, auth, clock };
}

const auditRecords = async (store: LogStore): Promise<StoredRecord[]> => (await scanAll(store)).filter((r) => r.thread === AUDIT_THREAD);

describe('aggregated audit of refused requests', () => {
  it('has the documented bounds', () => {
    expect(AUDIT_WINDOW_MS).toBe(60_000);
    expect(MAX_AUDIT_KEYS).toBe(1024);
  });

  it('writes nothing until the window closes', async () => {
    const { store, kernel, auth } = await boot();
    for (let i = 0; i < 10; i++) auth.noteFailure('1.2.3.4', 'missing', 'GET /x');
    await new Promise((r) => setTimeout(r, 20));
    expect(await store.count()).toBe(0);
    await auth.stop();
    expect(await store.count()).toBe(1);
    await kernel.stop();
  });

  it('turns 500 refusals from one source and reason into ONE record with count 500', async () => {
    const { store, kernel, auth, clock } = await boot();
    for (let i = 0; i < 500; i++) {
      auth.noteFailure('1.2.3.4', 'missing', 'GET /x');
      clock.t += 10;
    }
    await auth.stop();
    const audit = await auditRecords(store);
    expect(audit).toHaveLength(1);
    expect(await store.count()).toBe(1);
    expect(audit[0]).toMatchObject({ act: 'KNOW', actor: ACTOR, thread: 'th_audit' });
    expect(audit[0]!.body).toEqual({
      topic: 'auth_failure',
      source: '1.2.3.4',
      reason: 'missing',
      count: 500,
      first_at: new Date(T0).toISOString(),
      last_at: new Date(T0 + 499 * 10).toISOString(),
      example: 'GET /x',
    });
    // A second stop has nothing pending and writes nothing.
    await auth.stop();
    expect(await store.count()).toBe(1);
    await kernel.stop();
  });

  it('keeps one record per (source, reason), keeps only the first example route, and truncates it', async () => {
    const { store, kernel, auth } = await boot();
    const longRoute = `GET /${'a'.repeat(1000)}`;
    auth.noteFailure('10.0.0.1', 'missing', longRoute);
    auth.noteFailure('10.0.0.1', 'missing', 'GET /second');
    auth.noteFailure('10.0.0.1', 'malformed', 'GET /m');
    auth.noteFailure('10.0.0.2', 'missing', 'GET /y');
    auth.noteFailure('10.0.0.2', 'unknown_or_revoked', 'POST /v1/records');
    auth.noteFailure('10.0.0.2', 'scope', 'GET /v1/config');
    await auth.stop();
    const byKey = new Map((await auditRecords(store)).map((r) => [`${r.body.source} ${r.body.reason}`, r.body]));
    expect([...byKey.keys()].sort()).toEqual([
      '10.0.0.1 malformed',
      '10.0.0.1 missing',
      '10.0.0.2 missing',
      '10.0.0.2 scope',
      '10.0.0.2 unknown_or_revoked',
    ]);
    const first = byKey.get('10.0.0.1 missing')!;
    expect(first.count).toBe(2);
    expect(first.example).toBe(longRoute.slice(0, 200));
    expect((first.example as string).length).toBe(200);
    await kernel.stop();
  });

  it(`collapses distinct sources beyond MAX_AUDIT_KEYS into source "other"`, async () => {
    const { store, kernel, auth } = await boot();
    const extra = 37;
    for (let i = 0; i < MAX_AUDIT_KEYS + extra; i++) auth.noteFailure(`198.51.${i >> 8}.${i & 255}`, 'missing', 'GET /x');
    // Known sources keep counting under their own key even once the table is full.
    auth.noteFailure('198.51.0.0', 'missing', 'GET /x');
    await auth.stop();
    const audit = await auditRecords(store);
    expect(audit).toHaveLength(MAX_AUDIT_KEYS + 1);
    const other = audit.filter((r) => r.body.source === 'other');
    expect(other).toHaveLength(1);
    expect(other[0]!.body).toMatchObject({ reason: 'missing', count: extra });
    expect(audit.find((r) => r.body.source === '198.51.0.0')!.body.count).toBe(2);
    const total = audit.reduce((n, r) => n + (r.body.count as number), 0);
    expect(total).toBe(MAX_AUDIT_KEYS + extra + 1);
    await kernel.stop();
  });

  it('starts a new window after each flush', async () => {
    const { store, kernel, auth } = await boot();
    auth.noteFailure('1.2.3.4', 'missing', 'GET /x');
    await auth.stop();
    auth.noteFailure('1.2.3.4', 'missing', 'GET /x');
    auth.noteFailure('1.2.3.4', 'missing', 'GET /x');
    await auth.stop();
    expect((await auditRecords(store)).map((r) => r.body.count)).toEqual([1, 2]);
    await kernel.stop();
  });

  it('flushes on its own timer when a window is set', async () => {
    const { store, kernel, auth } = await boot(25);
    for (let i = 0; i < 3; i++) auth.noteFailure('1.2.3.4', 'scope', 'GET /x');
    const deadline = Date.now() + 2000;
    while ((await auditRecords(store)).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect((await auditRecords(store)).map((r) => r.body.count)).toEqual([3]);
    await auth.stop();
    expect(await auditRecords(store)).toHaveLength(1);
    await kernel.stop();
  });
});
