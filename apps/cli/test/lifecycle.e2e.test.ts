import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { threadIdFor } from '@syncropel/algebra';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_DID, alive, daemonize, freePort, killPid, operator, serve, spl, tempHome, waitGone, type ServeProcess, type TempHome } from './spl-process.js';

// The daemon's lifecycle as an operator drives it: --daemon, status, --stop, the PID file, the
// log, signals, and what happens after a crash. Every daemon a test starts is stopped by pid here.

let homes: TempHome[] = [];
let pids: number[] = [];
let children: ChildProcess[] = [];
let foreground: ServeProcess[] = [];
let servers: Server[] = [];
afterEach(async () => {
  for (const p of foreground) await p.stop('SIGKILL');
  for (const pid of pids) await killPid(pid);
  for (const h of homes) {
    // A daemon a failed assertion left behind is still named by its home's PID file.
    const pidFile = join(h.dir, '.syncro', 'run', 'spl.pid');
    if (existsSync(pidFile)) {
      const pid = pidIn(readFileSync(pidFile, 'utf8'));
      if (pid !== undefined && readCmdline(pid).includes('serve')) await killPid(pid);
    }
    h.remove();
  }
  for (const c of children) if (c.pid !== undefined) await killPid(c.pid);
  for (const s of servers) await new Promise((r) => s.close(r));
  homes = [];
  pids = [];
  children = [];
  foreground = [];
  servers = [];
});

function home(): TempHome {
  const h = tempHome();
  homes.push(h);
  return h;
}
function start(h: TempHome, extra?: string[]) {
  const d = daemonize(h.env, extra);
  pids.push(d.pid);
  return d;
}
const pidFileOf = (h: TempHome) => join(h.dir, '.syncro', 'run', 'spl.pid');
const infoFileOf = (h: TempHome) => join(h.dir, '.syncro', 'run', 'spl.json');
/** The pid a PID file names: a bare number, or (earlier versions) a JSON record. */
const pidIn = (text: string): number | undefined => (/^\d+\n?$/.test(text) ? Number(text) : (JSON.parse(text) as { pid?: number }).pid);
const logOf = (h: TempHome) => join(h.dir, '.syncro', 'logs', 'spl.log');
const readCmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
};
const thread = threadIdFor('lifecycle');
const post = (url: string, bearer: string, clock: number) =>
  fetch(`${url}/v1/records`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
    body: JSON.stringify({ parents: [], thread, actor: ADMIN_DID, act: 'DO', body: { n: clock }, clock, data_type: 'SCALAR' }),
  });
/** A process that is certainly not spl: `sleep`, stopped by the clean-up. */
function unrelatedProcess(): number {
  const c = spawn('sleep', ['300'], { stdio: 'ignore' });
  children.push(c);
  return c.pid as number;
}
/** Every line of the log parsed; fails the test on any line that is not one of ours. */
function logLines(h: TempHome): { ts: string; level: string; pid: number; msg: string }[] {
  return readFileSync(logOf(h), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { ts: string; level: string; pid: number; msg: string });
}

describe('spl serve --daemon / status / --stop', () => {
  it('detaches, writes the PID file and a JSON log, reports status, and stops cleanly', async () => {
    const h = home();
    const d = start(h);
    expect(d.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(d.pid_file).toBe(pidFileOf(h));
    expect(alive(d.pid)).toBe(true);
    expect(await (await fetch(`${d.url}/health`)).text()).toBe('ok');

    // The PID file: the pid and a newline (for kill $(cat …) and PIDFile=); the facts in spl.json
    // beside it. Both world-readable, owner-writable.
    expect(readFileSync(pidFileOf(h), 'utf8')).toBe(`${d.pid}\n`);
    const record = JSON.parse(readFileSync(infoFileOf(h), 'utf8')) as Record<string, unknown>;
    expect(record).toMatchObject({ pid: d.pid, url: d.url, state: 'running', home: join(h.dir, '.syncro'), host: '127.0.0.1', port: Number(new URL(d.url).port), store: 'sqlite' });
    expect(Date.parse(record.started_at as string)).not.toBeNaN();
    expect(record.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(statSync(pidFileOf(h)).mode & 0o777).toBe(0o644);
    expect(statSync(infoFileOf(h)).mode & 0o777).toBe(0o644);
    expect(readCmdline(d.pid)).toContain('serve --foreground');

    expect((await post(d.url, h.bearer, 1)).status).toBe(201);
    const env = { ...h.env, SPL_URL: d.url, SPL_TOKEN: h.bearer };
    const status = spl(['status', '--json'], env);
    expect(status.code).toBe(0);
    const s = JSON.parse(status.stdout) as Record<string, unknown>;
    expect(s).toMatchObject({ up: true, pid: d.pid, url: d.url, bind: d.url.slice(7), db_path: join(h.dir, '.syncro', 'hub.db'), draining: false });
    // Every start takes a backup, and status says when.
    expect(Date.parse((s.last_backup as { at: string }).at)).not.toBeNaN();
    expect(s.db_size_bytes).toBeGreaterThan(0);
    expect(s.record_count).toBeGreaterThan(0);
    const human = spl(['status'], env);
    expect(human.stdout).toContain(`pid        ${d.pid}`);
    expect(human.stdout).toMatch(/backups {4}\S+ \(last backup: \d{4}-\d\d-\d\dT/);
    expect(human.stdout).toMatch(/database {3}\S+hub\.db \([\d.]+ \w+/);
    expect(human.stdout).toContain('draining   no');

    // One daemon per home, in either mode.
    const again = spl(['serve', '--daemon', '--port', '0'], h.env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`already running, pid ${d.pid}`);
    const fg = spl(['serve', '--foreground', '--port', '0'], h.env);
    expect(fg.code).toBe(1);
    expect(fg.stderr).toContain(`already running, pid ${d.pid}`);

    const stop = spl(['serve', '--stop'], h.env);
    expect(stop.stderr).toBe('');
    expect(stop.code).toBe(0);
    expect(stop.stdout).toContain(`stopped spl daemon (pid ${d.pid})`);
    expect(alive(d.pid)).toBe(false);
    expect(existsSync(pidFileOf(h))).toBe(false);
    expect(existsSync(infoFileOf(h))).toBe(false);
    expect(statSync(join(h.dir, '.syncro', 'hub.db-wal'), { throwIfNoEntry: false })?.size ?? 0).toBe(0);

    const lines = logLines(h);
    for (const line of lines) {
      expect(Date.parse(line.ts)).not.toBeNaN();
      expect(['info', 'warn', 'error']).toContain(line.level);
      expect(line.pid).toBe(d.pid);
    }
    const messages = lines.map((l) => l.msg);
    expect(messages.some((m) => m.startsWith('listening on'))).toBe(true);
    expect(messages).toContain('stopped: WAL checkpointed, database closed');
    // Secrets never reach the log: neither the bootstrap secret nor any bearer.
    const raw = readFileSync(logOf(h), 'utf8');
    expect(raw).not.toContain(h.env.SPL_BOOTSTRAP_TOKEN as string);
    expect(raw).not.toContain(h.bearer);
    expect(raw).not.toMatch(/spl_prod_sa-bootstrap-env_(?!<)/);

    const down = spl(['status'], env);
    expect(down.code).toBe(1);
    expect(down.stdout).toContain('spl daemon is down');
    expect(down.stderr.trim().split('\n')).toHaveLength(1);
    // Stopping what is not running is not an error.
    const idle = spl(['serve', '--stop'], h.env);
    expect(idle.code).toBe(0);
    expect(idle.stdout).toContain('not running');
  });

  it('keeps data across SIGKILL and restarts over the stale PID file', async () => {
    const h = home();
    const first = start(h);
    const acked: string[] = [];
    for (let i = 0; i < 25; i++) acked.push(((await (await post(first.url, h.bearer, i)).json()) as { id: string }).id);
    process.kill(first.pid, 'SIGKILL');
    expect(await waitGone(first.pid)).toBe(true);
    expect(existsSync(pidFileOf(h))).toBe(true);

    const down = spl(['status', '--url', first.url], h.env);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(`stale PID file: no process ${first.pid}`);

    const second = start(h);
    expect(second.stderr).toContain(`removed a stale PID file (no process ${first.pid})`);
    // The operator's own records (the daemon may add its own notices on the thread).
    const res = await fetch(`${second.url}/v1/records?thread=${thread}&actor=${ADMIN_DID}&limit=1000`, { headers: { authorization: `Bearer ${h.bearer}` } });
    const list = (await res.json()) as { data: { id: string }[] };
    expect(list.data.map((r) => r.id)).toEqual(acked);
    expect(spl(['serve', '--stop'], h.env).code).toBe(0);
    expect(alive(second.pid)).toBe(false);
    expect(logLines(h).length).toBeGreaterThan(0); // every line, from both runs, is JSON
  });

  it('never trusts a PID file naming a process that is not spl serve (earlier versions\' JSON format included)', () => {
    const h = home();
    spl(['init'], h.env);
    const stranger = unrelatedProcess();
    const fake = { pid: stranger, state: 'running', home: join(h.dir, '.syncro'), host: '127.0.0.1', port: 1, url: 'http://127.0.0.1:1', started_at: new Date().toISOString(), version: '0.1.0' };
    const write = () => {
      mkdirSync(join(h.dir, '.syncro', 'run'), { recursive: true });
      writeFileSync(pidFileOf(h), JSON.stringify(fake));
    };

    write();
    const status = spl(['status', '--url', 'http://127.0.0.1:1'], h.env);
    expect(status.code).toBe(1);
    expect(status.stdout).toContain(`stale: pid ${stranger} is not spl serve`);

    const stop = spl(['serve', '--stop', '--port', '1'], h.env);
    expect(stop.code).toBe(0);
    expect(stop.stderr).toContain(`removed a stale PID file (pid ${stranger} is not spl serve`);
    expect(stop.stdout).toContain('not running');
    expect(alive(stranger)).toBe(true); // not signalled
    expect(existsSync(pidFileOf(h))).toBe(false);

    write();
    const d = start(h);
    expect(d.stderr).toContain(`removed a stale PID file (pid ${stranger} is not spl serve`);
    expect(alive(stranger)).toBe(true);
    // The old-format file is replaced by this version's: the pid alone, the facts in spl.json.
    expect(readFileSync(pidFileOf(h), 'utf8')).toBe(`${d.pid}\n`);
    expect(JSON.parse(readFileSync(infoFileOf(h), 'utf8'))).toMatchObject({ pid: d.pid, url: d.url });
    expect(spl(['serve', '--stop'], h.env).code).toBe(0);

    // A bare pid of a stranger is stale too, and spl.json cannot vouch for it.
    mkdirSync(join(h.dir, '.syncro', 'run'), { recursive: true });
    writeFileSync(pidFileOf(h), `${stranger}\n`);
    writeFileSync(infoFileOf(h), JSON.stringify(fake));
    const bare = spl(['status', '--url', 'http://127.0.0.1:1'], h.env);
    expect(bare.code).toBe(1);
    expect(bare.stdout).toContain(`stale: pid ${stranger} is not spl serve`);
    const next = start(h);
    expect(next.stderr).toContain(`removed a stale PID file (pid ${stranger} is not spl serve`);
    expect(readFileSync(pidFileOf(h), 'utf8')).toBe(`${next.pid}\n`);
    expect(spl(['serve', '--stop'], h.env).code).toBe(0);
    expect(alive(stranger)).toBe(true);
  });

  it("understands a running daemon's PID file in the earlier JSON format: one daemon per home, status and --stop", () => {
    const h = home();
    const d = start(h);
    // What the previous version wrote: the whole record in spl.pid, no spl.json.
    const old = readFileSync(infoFileOf(h), 'utf8');
    rmSync(infoFileOf(h));
    writeFileSync(pidFileOf(h), old);
    const again = spl(['serve', '--daemon', '--port', '0'], h.env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`already running, pid ${d.pid} at ${d.url}`);
    // With nothing configured, clients find the address in it.
    const status = spl(['status', '--json', '--token', h.bearer], h.env);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ up: true, url: d.url, pid: d.pid });
    const stop = spl(['serve', '--stop'], h.env);
    expect(stop.code).toBe(0);
    expect(stop.stdout).toContain(`stopped spl daemon (pid ${d.pid})`);
    expect(existsSync(pidFileOf(h))).toBe(false);
  });

  it('kill $(cat ~/.syncro/run/spl.pid) stops the daemon cleanly, as systemd PIDFile= would', async () => {
    const h = home();
    const d = start(h);
    const r = operator(h, 'kill "$(cat ~/.syncro/run/spl.pid)"');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await waitGone(d.pid)).toBe(true);
    expect(existsSync(pidFileOf(h))).toBe(false);
    expect(existsSync(infoFileOf(h))).toBe(false);
    expect(logLines(h).map((l) => l.msg)).toContain('stopped: WAL checkpointed, database closed');
  });

  it('spl status without a token, right after spl serve --daemon: pid, address, ready, uptime, and how to authenticate (exit 0)', () => {
    const h = home();
    // As the operator guide has it: Path A, --daemon, status — before any token is saved.
    const r = operator(h, 'spl serve --daemon --port 0 >/dev/null\nspl status');
    const d = JSON.parse(readFileSync(infoFileOf(h), 'utf8')) as { pid: number; url: string; started_at: string };
    pids.push(d.pid);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('spl daemon is up (ready)');
    expect(r.stdout).toContain(`  url        ${d.url}`);
    expect(r.stdout).toContain(`  pid        ${d.pid}`);
    expect(r.stdout).toContain(`  bind       ${d.url.slice(7)}`);
    expect(r.stdout).toContain('  live       yes (GET /health: ok)');
    // The probe answers its counters without a token; the daemon's facts stay behind it.
    expect(r.stdout).toContain('  ready      yes (GET /v1/engine/health: 200)');
    expect(r.stdout).toMatch(/ {2}records {4}\d+\n/);
    expect(r.stdout).toMatch(/ {2}uptime {5}\d+s\n/);
    expect(r.stdout).not.toContain('database');
    expect(r.stdout.split('\n').filter((l) => l.includes('spl token save <bearer>'))).toEqual(['  auth       authenticate for the full status: spl token save <bearer>, or set SPL_TOKEN (or pass --token)']);

    const json = spl(['status', '--json'], h.env);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ up: true, url: d.url, pid: d.pid, authorized: false, status: 'ready', live: true, ready: true, engine_health_status: 200, bind: d.url.slice(7), started_at: d.started_at, uptime_secs: expect.any(Number), record_count: expect.any(Number), auth_hint: expect.stringContaining('spl token save <bearer>') });

    // A refused token says so, and still shows what needs none (uptime from run/spl.json).
    const wrong = spl(['status', '--json', '--token', `${h.bearer}x`], h.env);
    expect(wrong.code).toBe(0);
    expect(JSON.parse(wrong.stdout)).toMatchObject({ authorized: false, pid: d.pid, ready: true, engine_health_status: 401, started_at: d.started_at, uptime_secs: expect.any(Number), auth_hint: expect.stringContaining('the token was refused') });
    const wrongText = spl(['status', '--token', `${h.bearer}x`], h.env);
    expect(wrongText.code).toBe(0);
    expect(wrongText.stdout).toContain('  ready      yes (GET /v1/engine/health: 401 without a valid token)');
    // With the token, the full status as before.
    const full = spl(['status', '--json'], { ...h.env, SPL_TOKEN: h.bearer });
    expect(full.code).toBe(0);
    expect(JSON.parse(full.stdout)).toMatchObject({ authorized: true, pid: d.pid, record_count: expect.any(Number) });
    expect(spl(['serve', '--stop'], h.env).code).toBe(0);
    expect(spl(['status'], h.env).code).toBe(1);
  });

  it('--stop finds a daemon whose PID file was lost through its port, and leaves other homes alone', () => {
    const h = home();
    const d = start(h);
    rmSync(pidFileOf(h));

    // Another home pointed at that port must not stop it: the process is not its daemon.
    const other = home();
    const refused = spl(['serve', '--stop'], { ...other.env, SPL_URL: d.url });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("not this home's daemon");
    expect(refused.stderr).toContain(`kill -TERM ${d.pid}`);
    expect(alive(d.pid)).toBe(true);

    const stop = spl(['serve', '--stop'], { ...h.env, SPL_URL: d.url });
    expect(stop.code).toBe(0);
    expect(stop.stderr).toContain(`found the daemon through ${d.url}: pid ${d.pid}`);
    expect(alive(d.pid)).toBe(false);
    expect(logLines(h).map((l) => l.msg)).toContain('stopped: WAL checkpointed, database closed');
  });

  it('fails with the reason from the log when the port is taken, naming the spl that holds it', async () => {
    const port = String(await freePort());
    const first = home();
    const d = start(first, ['--port', port]);
    const second = home();
    const r = spl(['serve', '--daemon', '--port', port], second.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`address already in use: 127.0.0.1:${port} — is another spl running? pid ${d.pid}`);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    // The failed daemon released its PID file and logged the reason as JSON.
    expect(existsSync(pidFileOf(second))).toBe(false);
    expect(logLines(second).filter((l) => l.level === 'error').map((l) => l.msg)).toEqual([expect.stringContaining('address already in use')]);

    // A port held by something else is named as such.
    const blocker = createServer();
    servers.push(blocker);
    await new Promise<void>((ok) => blocker.listen(0, '127.0.0.1', ok));
    const busy = String((blocker.address() as { port: number }).port);
    const third = home();
    const r3 = spl(['serve', '--daemon', '--port', busy], third.env);
    expect(r3.code).toBe(1);
    expect(r3.stderr).toContain(`address already in use: 127.0.0.1:${busy} — held by pid ${process.pid}, which is not spl serve`);
  });

  it('finishes an in-flight request on SIGTERM, ignores repeated signals, and exits 0', async () => {
    const h = home();
    const p = await serve(h.env);
    foreground.push(p);
    const url = new URL(p.url);
    const body = JSON.stringify({ parents: [], thread: threadIdFor('slow'), actor: ADMIN_DID, act: 'DO', body: { slow: true }, clock: 1, data_type: 'SCALAR' });
    const http = await import('node:http');
    const req = http.request({
      host: url.hostname,
      port: url.port,
      path: '/v1/records',
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${h.bearer}` },
    });
    const answered = new Promise<number>((ok, fail) => {
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => ok(res.statusCode as number));
      });
      req.on('error', fail);
    });
    req.write(body.slice(0, 20));
    // The request is open on the server once the first bytes are there; then ask it to stop, twice.
    await new Promise((r) => setTimeout(r, 200));
    process.kill(p.pid, 'SIGTERM');
    while (!p.output().includes('finishing in-flight requests')) await new Promise((r) => setTimeout(r, 20));
    process.kill(p.pid, 'SIGINT');
    process.kill(p.pid, 'SIGTERM');
    while ((p.output().match(/received again/g) ?? []).length < 2) await new Promise((r) => setTimeout(r, 20));
    req.end(body.slice(20));
    expect(await answered).toBe(201);
    expect(await p.stop()).toBe(0);
    expect(p.output()).toContain('stopped: WAL checkpointed, database closed');
    expect(existsSync(pidFileOf(h))).toBe(false);

    const again = await serve(h.env);
    foreground.push(again);
    const res = await fetch(`${again.url}/v1/records?thread=${threadIdFor('slow')}&actor=${ADMIN_DID}`, { headers: { authorization: `Bearer ${h.bearer}` } });
    expect(((await res.json()) as { data: unknown[] }).data).toHaveLength(1);
  });
});

describe('bind address: flags, config.toml, client lookup', () => {
  it('serves on the configured port, finds it from clients without --url, and lets flags override', async () => {
    const h = home();
    const port = await freePort();
    spl(['init'], h.env);
    writeFileSync(join(h.dir, '.syncro', 'config.toml'), `# operator settings\n[server]\nhost = "127.0.0.1"\nport = ${port}\ndurability = "normal"\n`);
    const d = start(h, []);
    expect(d.url).toBe(`http://127.0.0.1:${port}`);
    const status = spl(['status', '--json', '--token', h.bearer], h.env);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ up: true, url: d.url, pid: d.pid });
    expect(logLines(h).find((l) => l.msg.startsWith('listening'))).toMatchObject({ durability: 'normal' });
    expect(spl(['serve', '--stop'], h.env).code).toBe(0);

    const flagged = start(h, ['--port', '0', '--durability', 'full']);
    expect(flagged.url).not.toBe(d.url);
    expect(spl(['serve', '--stop'], h.env).code).toBe(0);
  });

  it('finds a daemon started with --port from the PID file of this home when nothing is configured', async () => {
    const h = home();
    const port = await freePort();
    const d = start(h, ['--port', String(port)]);
    expect(d.url).toBe(`http://127.0.0.1:${port}`);
    const status = spl(['status', '--json', '--token', h.bearer], h.env);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ up: true, url: d.url, pid: d.pid });
    expect(spl(['serve', '--stop'], h.env).code).toBe(0);
  });

  it('refuses a malformed config file in one line naming the key or line', () => {
    const h = home();
    spl(['init'], h.env);
    const config = join(h.dir, '.syncro', 'config.toml');
    const cases: [string, RegExp][] = [
      ['[server]\nport = "9100"\n', /config\.toml:2: server\.port must be an integer from 0 to 65535/],
      ['[server]\nhost = "127.0.0.1"\nprot = 9100\n', /config\.toml:3: server\.prot is not a known key/],
      ['[server]\ndurability = "yolo"\n', /config\.toml:2: server\.durability must be "full" or "normal"/],
      ['[sever]\nport = 1\n', /config\.toml:1: sever is not a known section/],
      ['[server]\nport = 91 00\n', /config\.toml:2: /],
    ];
    for (const [text, expected] of cases) {
      writeFileSync(config, text);
      for (const args of [['serve', '--port', '0'], ['status']]) {
        const r = spl(args, h.env);
        expect(r.code, `${args[0]} with ${JSON.stringify(text)}`).not.toBe(0);
        expect(r.stderr).toMatch(expected);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
      }
    }
    expect(existsSync(pidFileOf(h))).toBe(false);
  });

  it('keeps --insecure-localhost on 127.0.0.1 whatever the config says', () => {
    const h = home();
    spl(['init'], h.env);
    writeFileSync(join(h.dir, '.syncro', 'config.toml'), '[server]\nhost = "0.0.0.0"\nport = 0\n');
    const d = start(h, ['--insecure-localhost']);
    expect(d.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(d.stderr).toContain('--insecure-localhost binds 127.0.0.1 only; ignoring host = "0.0.0.0"');
    // port = 0: clients learn the address from the running daemon's PID file.
    const status = spl(['status', '--json'], h.env);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ up: true, url: d.url, auth_required: false });
    expect(spl(['serve', '--stop'], h.env).code).toBe(0);
    const down = spl(['status'], h.env);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('the daemon is not running');
    expect(spl(['serve', '--stop'], h.env).stdout).toContain('not running');
    const wide = spl(['serve', '--insecure-localhost', '--host', '0.0.0.0'], h.env);
    expect(wide.code).toBe(2);
  });
});
