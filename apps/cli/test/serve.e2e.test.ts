import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { threadIdFor } from '@syncropel/algebra';
import { createApp, listen } from '@syncropel/http';
import { createKernel } from '@syncropel/kernel';
import { createMemoryLogStore } from '@syncropel/log';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_DID, SPL_BIN, serve, spl, tempHome, type ServeProcess, type TempHome } from './spl-process.js';

const thread = threadIdFor('e2e');
/** A record by the admin; each `lane` writes its own thread, so parallel writers never share a clock. */
const rec = (clock: number, lane = 'main') => ({
  parents: [],
  thread: lane === 'main' ? thread : threadIdFor(`e2e-${lane}`),
  actor: ADMIN_DID,
  act: 'DO',
  // dispatch_handled: these tests are about storage; the work loop would answer with notices.
  body: { n: clock, dispatch_handled: true },
  clock,
  data_type: 'SCALAR',
});
let bearer = '';
const auth = () => ({ authorization: `Bearer ${bearer}` });
const post = (url: string, body: unknown) =>
  fetch(`${url}/v1/records`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth() }, body: JSON.stringify(body) });
const get = (url: string) => fetch(url, { headers: auth() });

let homes: TempHome[] = [];
let running: ServeProcess[] = [];
afterEach(async () => {
  for (const p of running) await p.stop('SIGKILL');
  for (const h of homes) h.remove();
  homes = [];
  running = [];
});
function home(): TempHome {
  const h = tempHome();
  homes.push(h);
  bearer = h.bearer;
  return h;
}
async function start(h: TempHome, extra: string[] = []): Promise<ServeProcess> {
  const p = await serve(h.env, extra);
  running.push(p);
  return p;
}

describe('spl init', () => {
  it('creates the home and a 0600 identity, then shows the same identity; starts nothing', () => {
    const h = home();
    const first = spl(['init'], h.env);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/daemon identity {2}did:sync:instance:[0-9a-f]{64} \(new\)/);
    expect(first.stdout).toContain('spl serve --foreground');
    const identityFile = join(h.dir, '.syncro', 'identity.json');
    expect(statSync(identityFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(h.dir, '.syncro')).mode & 0o777).toBe(0o700);
    expect(statSync(join(h.dir, '.syncro-data')).mode & 0o777).toBe(0o700);
    const again = JSON.parse(spl(['init', '--json'], h.env).stdout) as { did: string; created: boolean; backup_dir: string };
    expect(again.created).toBe(false);
    expect(again.did).toBe(JSON.parse(readFileSync(identityFile, 'utf8')).did);
    expect(again.backup_dir).toBe(join(h.dir, '.local', 'share', 'syncropel', 'backups', `instance-${again.did.slice(-24)}`));
    // The secret key is never printed.
    expect(first.stdout + again.did).not.toContain(JSON.parse(readFileSync(identityFile, 'utf8')).secret_key);
    expect(spl(['status'], h.env).code).toBe(1);
  });
});

describe('spl serve --foreground', () => {
  it('prints the banner, serves /health, stores records, reports status, and stops cleanly on SIGTERM', async () => {
    const h = home();
    const daemon = await start(h);
    const banner = daemon.output();
    expect(banner).toMatch(/listening {2}http:\/\/127\.0\.0\.1:\d+/);
    expect(banner).toContain(`database   ${join(h.dir, '.syncro', 'hub.db')}`);
    expect(banner).toMatch(new RegExp(`backups {4}${join(h.dir, '.local', 'share', 'syncropel', 'backups')}/instance-[0-9a-f]{24}`));
    // Started without `spl init`: the daemon makes the data folder too.
    expect(statSync(join(h.dir, '.syncro-data')).mode & 0o777).toBe(0o700);

    expect(await (await fetch(`${daemon.url}/health`)).text()).toBe('ok');
    expect((await post(daemon.url, rec(1))).status).toBe(201);
    expect((await post(daemon.url, rec(1))).status).toBe(200);

    const status = spl(['status', '--json', '--url', daemon.url, '--token', h.bearer], h.env);
    expect(status.code).toBe(0);
    const s = JSON.parse(status.stdout) as { up: boolean; bind: string; record_count: number; uptime_secs: number };
    // The log also holds the bootstrap's own records (service account, token, audit).
    const all = (await (await get(`${daemon.url}/v1/records?limit=1000`)).json()) as { data: { thread: string }[] };
    expect(all.data.filter((r) => r.thread === thread)).toHaveLength(1);
    expect(s).toMatchObject({ up: true, bind: daemon.url.replace('http://', ''), record_count: all.data.length });
    expect(s.uptime_secs).toBeGreaterThanOrEqual(0);
    const human = spl(['status'], { ...h.env, SPL_URL: daemon.url, SPL_TOKEN: h.bearer });
    expect(human.stdout).toContain(`records    ${all.data.length}`);

    expect(await daemon.stop('SIGTERM')).toBe(0);
    expect(daemon.output()).toContain('WAL checkpointed');
    expect(statSync(join(h.dir, '.syncro', 'hub.db-wal'), { throwIfNoEntry: false })?.size ?? 0).toBe(0);
    const down = spl(['status', '--url', daemon.url], h.env);
    expect(down.code).toBe(1);
    expect(down.stderr.trim().split('\n')).toHaveLength(1);
    expect(down.stderr).toContain('not running');
  });

  it('keeps every acknowledged record, with the same ids and order, across a clean restart', async () => {
    const h = home();
    const first = await start(h);
    const acked: string[] = [];
    for (let i = 0; i < 20; i++) acked.push(((await (await post(first.url, rec(i))).json()) as { id: string }).id);
    expect(await first.stop('SIGINT')).toBe(0);

    const second = await start(h);
    expect(second.output()).toMatch(/\(\d+ records/);
    const list = (await (await get(`${second.url}/v1/records?thread=${thread}&limit=1000`)).json()) as { data: { id: string; seq: number }[] };
    expect(list.data.map((r) => r.id)).toEqual(acked);
    // seq is the log position: strictly increasing in acknowledgement order, unchanged by the restart.
    const seqs = list.data.map((r) => r.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    // The rebuilt clocks still refuse a repeat.
    expect((await post(second.url, { ...rec(19), body: { changed: true } })).status).toBe(409);
  });

  it('loses no acknowledged write when killed with SIGKILL mid-traffic', async () => {
    const h = home();
    const daemon = await start(h);
    const acked = new Set<string>();
    // 8 writers in parallel so commits are grouped; kill while they are still writing.
    const writers = Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; ; i++) {
        let res: Response;
        try {
          res = await post(daemon.url, rec(i, `writer${w}`));
        } catch {
          return; // the daemon died under us: this write was never acknowledged
        }
        if (res.status === 201) acked.add(((await res.json()) as { id: string }).id);
      }
    });
    while (acked.size < 300) await new Promise((r) => setTimeout(r, 5));
    expect(await daemon.stop('SIGKILL')).toBe('SIGKILL');
    await Promise.all(writers);

    const again = await start(h);
    const seen = new Set<string>();
    let cursor = '0';
    for (;;) {
      const page = (await (await get(`${again.url}/v1/records?after=${cursor}&limit=1000`)).json()) as { data: { id: string }[]; next_cursor: string | null };
      for (const r of page.data) seen.add(r.id);
      if (!page.next_cursor) break;
      cursor = page.next_cursor;
    }
    const missing = [...acked].filter((id) => !seen.has(id));
    expect(missing).toEqual([]);
    expect(acked.size).toBeGreaterThanOrEqual(300);
  });

  it('refuses a second daemon on the same port with a one-line reason', async () => {
    const h = home();
    const daemon = await start(h);
    const port = daemon.url.split(':').pop() as string;
    const other = home();
    const r = spl(['serve', '--foreground', '--port', port], other.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`address already in use: 127.0.0.1:${port}`);
  });

  it('refuses --insecure-localhost on any host but 127.0.0.1 and rejects bad flags, naming them', () => {
    const h = home();
    const wide = spl(['serve', '--foreground', '--insecure-localhost', '--host', '0.0.0.0'], h.env);
    expect(wide.code).toBe(2);
    expect(wide.stderr).toContain('--insecure-localhost binds 127.0.0.1 only; refusing --host 0.0.0.0');
    expect(spl(['serve', '--port', 'abc'], h.env).stderr).toContain('--port');
    expect(spl(['serve', '--durability', 'yolo'], h.env).stderr).toContain('--durability');
    expect(spl(['serve', '--daemon', '--stop'], h.env).stderr).toContain('choose one of --daemon, --stop');
    expect(spl(['frobnicate'], h.env).code).not.toBe(0);
  });
});

describe('the daemon log', () => {
  it('is JSON lines off a terminal, with an access line per request (route pattern, status, account; never the bearer)', async () => {
    const h = home();
    const p = await serve(h.env);
    running.push(p);
    await get(`${p.url}/v1/records/${'0'.repeat(64)}`);
    await fetch(`${p.url}/v1/records`, { headers: { authorization: 'Bearer spl_prod_sa-nobody_not-a-real-secret' } });
    const deadline = Date.now() + 5000;
    while (!p.output().includes('"route":"/v1/records"') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const lines = p.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l.event === 'request' && l.route === '/v1/records/:id')).toMatchObject({ level: 'info', method: 'GET', status: 404, principal: 'sa-bootstrap-env' });
    expect(lines.find((l) => l.event === 'request' && l.route === '/v1/records')).toMatchObject({ status: 401, principal: null });
    expect(p.output()).not.toContain(bearer.split('_').slice(3).join('_'));
    expect(p.output()).not.toContain('not-a-real-secret');
  });

  it('--log-level warn leaves out info lines (the access log too); a level it does not know is a usage error', async () => {
    const h = home();
    const p = await serve(h.env, ['--log-level', 'warn']);
    running.push(p);
    await get(`${p.url}/v1/engine/health`);
    await new Promise((r) => setTimeout(r, 200));
    expect(p.output()).not.toContain('"level":"info"');
    const bad = spl(['serve', '--foreground', '--log-level', 'verbose'], h.env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('spl: --log-level must be one of debug, info, warn, error, got "verbose"\n');
    const env = spl(['serve', '--foreground'], { ...h.env, SPL_LOG_LEVEL: 'loud' });
    expect(env.stderr).toBe('spl: SPL_LOG_LEVEL must be one of debug, info, warn, error, got "loud"\n');
  });
});

describe('spl status while the daemon starts', () => {
  it('shows the phase and progress from the readiness probe, and exits 1', async () => {
    const h = tempHome();
    // The real app over a kernel whose start is under way, as a daemon answers until it is ready.
    const server = await listen(createApp({ kernel: createKernel({ store: createMemoryLogStore() }), starting: () => ({ phase: 'folding', folded: 420, total: 1000 }) }), '127.0.0.1', 0);
    // Not spawnSync: this process serves the daemon side meanwhile.
    const status = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile(process.execPath, [SPL_BIN, 'status', '--url', `http://127.0.0.1:${server.port}`, ...args], { env: h.env }, (e, stdout, stderr) => resolve({ code: e ? Number(e.code) : 0, stdout, stderr })),
      );
    try {
      const text = await status([]);
      expect(text.code).toBe(1);
      expect(text.stdout).toMatch(/^spl daemon is starting \(folding: 420 of 1000 records folded\)\n/);
      expect(text.stderr).toBe(`spl: the daemon at http://127.0.0.1:${server.port} is starting; retry shortly\n`);
      const json = await status(['--json']);
      expect(json.code).toBe(1);
      expect(JSON.parse(json.stdout)).toMatchObject({ up: true, status: 'starting', phase: 'folding', start_progress: { folded: 420, total: 1000 } });
    } finally {
      await server.close();
      h.remove();
    }
  });
});

describe('spl --help', () => {
  it('answers --help for the program and every command with exit 0', () => {
    const h = home();
    for (const args of [['--help'], ['init', '--help'], ['serve', '--help'], ['status', '--help'], ['version', '--help']]) {
      const r = spl(args, h.env);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toContain('Usage: spl');
    }
    expect(spl(['version'], h.env).stdout).toMatch(/^spl \d+\.\d+\.\d+/);
  });
});
