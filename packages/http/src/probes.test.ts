import type { Auth } from '@syncropel/auth';
import { createApp, listen, PUBLIC_HEALTH_KEYS, type DaemonInfo, type RunningServer } from '@syncropel/http';
import type { Kernel } from '@syncropel/kernel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReaderWriter, type ReaderWriter } from '../test/reader-writer.js';

const ACTOR = `did:sync:instance:${'12'.repeat(32)}`;
const INFO: DaemonInfo = {
  version: '9.9.9',
  instance_did: ACTOR,
  bind: '127.0.0.1:9100',
  db_path: '/home/op/.syncro/hub.db',
  backup_dir: '/home/op/.local/share/syncropel/backups/k',
  auth_required: true,
  pid: 4242,
  last_backup: { at: new Date().toISOString(), path: '/home/op/.local/share/syncropel/backups/k/hub.db.bak', record_count: 3 },
  backup_warning: 'BACKUP KEPT: restore with cp /home/op/… ',
};

let instance: ReaderWriter;
let kernel: Kernel;
let auth: Auth;
let server: RunningServer;
let base: string;
let reader: string;
let writer: string;

beforeAll(async () => {
  instance = await startReaderWriter(ACTOR);
  ({ kernel, auth, reader, writer } = instance);
  server = await listen(createApp({ kernel, auth, info: () => INFO }), '127.0.0.1', 0);
  base = `http://${server.address}`;
});
afterAll(async () => {
  await server.close();
  await instance.stop();
});

const get = async (path: string, token?: string) => {
  const res = await fetch(`${base}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return { status: res.status, text: await res.text() };
};

describe('the engine probes as the operator guide types them (no token)', () => {
  it('GET /v1/engine/health answers the counters, and nothing that names a path, a DID, the version or the bind', async () => {
    const { status, text } = await get('/v1/engine/health');
    expect(status).toBe(200);
    const body = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual([...PUBLIC_HEALTH_KEYS].sort());
    expect(body).toMatchObject({ status: 'ready', ingested_total: expect.any(Number), reconciled_total: 0, reconcile_queue_depth: 0, aitl_pending: 0, intelligence_enabled: false, uptime_secs: expect.any(Number) });
    for (const leak of ['/home/op', 'did:sync', '9.9.9', '9100', '4242', 'memory', 'BACKUP']) expect(text, leak).not.toContain(leak);
  });

  it('GET /v1/engine/expression_cache/stats answers its counters', async () => {
    const { status, text } = await get('/v1/engine/expression_cache/stats');
    expect(status).toBe(200);
    expect(Object.keys(JSON.parse(text) as object).sort()).toEqual(['avg_compile_micros', 'capacity', 'compile_errors', 'hit_rate_pct', 'hits', 'misses', 'size']);
  });

  it('?details=true needs records:read: 401 without a token, 403 without the scope', async () => {
    const anonymous = await get('/v1/engine/health?details=true');
    expect(anonymous.status).toBe(401);
    expect(JSON.parse(anonymous.text)).toMatchObject({ error: { code: 'AUTH_REQUIRED' } });
    expect((await get('/v1/engine/health?details=true', writer)).status).toBe(403);
    const details = JSON.parse((await get('/v1/engine/health?details=true', reader)).text) as Record<string, unknown>;
    expect(details).toHaveProperty('loops');
    expect(details).toMatchObject({ db_path: INFO.db_path, instance_did: ACTOR });
  });

  it('a bearer gets the daemon facts too; a bad or under-scoped one is refused rather than served the summary', async () => {
    const full = JSON.parse((await get('/v1/engine/health', reader)).text) as Record<string, unknown>;
    expect(full).toMatchObject({ db_path: INFO.db_path, backup_dir: INFO.backup_dir, bind: INFO.bind, instance_did: ACTOR, version: '9.9.9', store: 'memory' });
    expect((await get('/v1/engine/health', `spl_prod_sa-reader_${'0'.repeat(64)}`)).status).toBe(401);
    expect((await get('/v1/engine/health', writer)).status).toBe(403);
    expect((await get('/v1/engine/expression_cache/stats', writer)).status).toBe(403);
  });

  it('keeps 503 while draining for anonymous callers too', async () => {
    await kernel.drain.start();
    try {
      const { status, text } = await get('/v1/engine/health');
      expect(status).toBe(503);
      expect(JSON.parse(text)).toMatchObject({ draining: true });
    } finally {
      await kernel.drain.stop();
    }
  });
});

describe('with auth off (--insecure-localhost)', () => {
  it('answers the full health to local callers, as every route', async () => {
    const app = createApp({ kernel, auth, authRequired: () => false, info: () => INFO });
    const body = (await (await app.request('http://127.0.0.1/v1/engine/health')).json()) as Record<string, unknown>;
    expect(body).toMatchObject({ db_path: INFO.db_path });
  });
});
