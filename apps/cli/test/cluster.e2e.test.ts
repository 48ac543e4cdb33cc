import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { threadIdFor } from '@syncropel/algebra';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgresCluster, type PostgresCluster } from '../../../tooling/postgres-cluster.mjs';
import { ADMIN_DID, daemonize, killPid, serve, spl, tempHome, waitFor, type ServeProcess, type TempHome } from './spl-process.js';

// Three `spl serve --store postgres://…` daemons on one database, as an operator runs them behind
// a load balancer: concurrent writers on all three, the leader killed with SIGKILL, and then no
// acknowledged record lost, no work dispatched twice, and every daemon's state the same.

let cluster: PostgresCluster;
const homes: TempHome[] = [];
const daemons: ServeProcess[] = [];

beforeAll(async () => {
  cluster = await startPostgresCluster();
}, 60_000);
afterAll(async () => {
  for (const d of daemons) await killPid(d.pid);
  await cluster?.stop();
  for (const h of homes) h.remove();
});

type Health = { status: string; leader: boolean; head_seq: number; record_count: number; store: string };

describe('spl serve on a shared PostgreSQL log', () => {
  it('runs three daemons; after the leader is killed another leads, nothing acknowledged is lost, no work runs twice, and all fold the same', async () => {
    const url = await cluster.createDatabase();
    // The first daemon mints the admin (Path A); the others share its identity file, as every
    // node of one instance must (same DID, same token key), and so accept the same bearer.
    const first = tempHome();
    homes.push(first);
    const nodes = [first];
    for (let i = 0; i < 2; i++) {
      const h = tempHome();
      delete h.env.SPL_BOOTSTRAP_TOKEN;
      mkdirSync(join(h.dir, '.syncro'), { recursive: true, mode: 0o700 });
      homes.push(h);
      nodes.push(h);
    }
    const bearer = first.bearer;
    // Two name the store with --store; the third in its config.toml, as an operator would.
    writeFileSync(join(nodes[2]!.dir, '.syncro', 'config.toml'), `[server]\nstore = "${url}"\n`);
    const start = async (h: TempHome) => {
      const d = await serve(h.env, h === nodes[2] ? [] : ['--store', url]);
      daemons.push(d);
      return d;
    };
    const a = await start(first);
    expect(a.output()).toContain('(PostgreSQL,');
    expect(a.output()).not.toMatch(/hub\.db/);
    for (const h of nodes.slice(1)) {
      copyFileSync(join(first.dir, '.syncro', 'identity.json'), join(h.dir, '.syncro', 'identity.json'));
    }
    const running = [a, await start(nodes[1]!), await start(nodes[2]!)];
    const call = async (d: ServeProcess, path: string, init: RequestInit = {}) => {
      const res = await fetch(`${d.url}${path}`, { ...init, headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', ...init.headers } });
      return { status: res.status, body: (await res.json()) as any };
    };
    const health = async (d: ServeProcess) => (await call(d, '/v1/engine/health')).body as Health;
    await waitFor(async () => (await Promise.all(running.map(health))).filter((h) => h.leader).length === 1, 'exactly one leader');
    expect((await health(running[2]!)).store).toBe(url);

    // The operator's tools against any node: status names the store and who leads.
    const env = (d: ServeProcess) => ({ ...nodes[running.indexOf(d)]!.env, SPL_URL: d.url, SPL_TOKEN: bearer });
    const status = spl(['status'], env(running[1]!));
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/database {3}postgres:\/\/.*\(PostgreSQL/);
    expect(status.stdout).toMatch(/leader {5}(yes|no)/);
    // spl doctor on a PostgreSQL home reaches the database instead of checking a file.
    const report = JSON.parse(spl(['doctor', '--json'], env(running[2]!)).stdout) as { checks: { name: string; status: string; detail: string }[] };
    const check = (name: string) => report.checks.find((c) => c.name === name);
    expect(check('database')).toMatchObject({ status: 'pass', detail: expect.stringMatching(/^PostgreSQL at postgres:\/\/.* records, head seq \d+$/) });
    expect(check('wal')?.status).toBe('skip');
    expect(check('backup')).toMatchObject({ status: 'skip', detail: expect.stringContaining('pg_dump') });
    // File backups are for hub.db; a PostgreSQL log is backed up with pg_dump, and the CLI says so.
    const backup = spl(['backup', 'create'], env(running[2]!));
    expect(backup.code).toBe(1);
    expect(backup.stderr).toContain('pg_dump');
    // A home whose daemon was started with --store only: its PID file says PostgreSQL.
    const flagged = spl(['backup', 'create'], env(running[0]!));
    expect(flagged.code).toBe(1);
    expect(flagged.stderr).toContain('pg_dump');

    // Work: an exec adapter that logs the dispatching daemon's pid ($PPID of its shell) and the thread.
    const runs = join(first.dir, 'runs.log');
    const adapter = `read -r line; t=$(echo "$line" | grep -o 'th_[0-9a-f]*' | head -1); echo "$PPID $t" >> ${runs}; sleep 0.2; echo '{"done":true}'`;
    expect(spl(['config', 'add-adapter', '--name', 'echo', '--actor', 'did:sync:agent:echo', '--kind', 'exec', '--command', adapter, '--timeout', '10s'], env(running[1]!)).code).toBe(0);
    expect(spl(['config', 'add-rule', '--name', 'all', '--expression', 'record.act == "INTEND"', '--target', 'did:sync:agent:echo'], env(running[2]!)).code).toBe(0);
    await waitFor(async () => (await Promise.all(running.map(async (d) => (await call(d, '/v1/config')).body))).every((c) => JSON.stringify(c).includes('did:sync:agent:echo')), 'config on every daemon');

    // Writers on every daemon at once; each writes its own threads, and every fifth record asks for work.
    const acknowledged: string[] = [];
    const writer = async (d: ServeProcess, name: string) => {
      for (let i = 0; i < 20; i++) {
        const work = i % 5 === 0;
        const record = { parents: [], thread: threadIdFor(`${name}-${work ? `job${i}` : 'chat'}`), actor: ADMIN_DID, act: work ? 'INTEND' : 'KNOW', body: { i }, clock: i, data_type: 'SCALAR' };
        let res;
        try {
          res = await call(d, '/v1/records', { method: 'POST', body: JSON.stringify(record) });
        } catch {
          return; // this daemon was killed under its writer: nothing it did not answer counts
        }
        expect([200, 201]).toContain(res.status);
        acknowledged.push(res.body.id);
      }
    };
    const leaderIndex = (await Promise.all(running.map(health))).findIndex((h) => h.leader);
    const leader = running[leaderIndex]!;
    const writing = running.flatMap((d, n) => [0, 1, 2].map((w) => writer(d, `n${n}w${w}`)));
    await waitFor(() => acknowledged.length >= 40 && existsSync(runs), 'writes and dispatches under way');
    await killPid(leader.pid); // SIGKILL: no shutdown, no resign; its lock goes with its connection
    await Promise.all(writing);
    const rest = running.filter((d) => d !== leader);
    await waitFor(async () => (await Promise.all(rest.map(health))).filter((h) => h.leader).length === 1, 'a new leader', 30_000);

    // No acknowledged record is lost.
    for (const id of acknowledged) expect((await call(rest[0]!, `/v1/records/${id}`)).status, id).toBe(200);
    expect(new Set(acknowledged).size).toBe(acknowledged.length);

    // Every piece of work is answered exactly once; a second dispatch happens only for work that was
    // in flight on the killed leader (its outcome never reached the log), never on two live daemons.
    const all = (await call(rest[0]!, '/v1/records?limit=1000')).body.data as { id: string; act: string; actor: string; thread: string; body: { fulfills?: string } }[];
    const intends = all.filter((r) => r.act === 'INTEND');
    expect(intends.length).toBeGreaterThanOrEqual(4);
    const answered = async () => {
      const records = (await call(rest[0]!, '/v1/records?limit=1000')).body.data as typeof all;
      return records.filter((r) => typeof r.body.fulfills === 'string' && r.actor !== ADMIN_DID);
    };
    await waitFor(async () => new Set((await answered()).map((r) => r.body.fulfills)).size === intends.length, 'every piece of work answered', 30_000);
    const answers = await answered();
    expect(answers.map((r) => r.body.fulfills).sort()).toEqual(intends.map((r) => r.id).sort());
    const dispatches = readFileSync(runs, 'utf8').trim().split('\n').map((line) => line.split(' ') as [string, string]);
    for (const intend of intends) {
      const runsOf = dispatches.filter(([, thread]) => thread === intend.thread);
      const byLive = runsOf.filter(([pid]) => pid !== String(leader.pid));
      expect(runsOf.length, intend.thread).toBeGreaterThanOrEqual(1);
      expect(byLive.length, intend.thread).toBeLessThanOrEqual(1);
      expect(runsOf.length - byLive.length, intend.thread).toBeLessThanOrEqual(1);
    }
    // Only the leader ever dispatched: pids in the log are the killed leader's and the new leader's.
    const newLeader = rest[(await Promise.all(rest.map(health))).findIndex((h) => h.leader)]!;
    expect(new Set(dispatches.map(([pid]) => pid))).toEqual(new Set([String(leader.pid), String(newLeader.pid)].filter((p) => dispatches.some(([pid]) => pid === p))));

    // The killed node comes back from the log; all three fold the same.
    const back = await start(nodes[leaderIndex]!);
    const head = (await health(rest[0]!)).head_seq;
    await waitFor(async () => (await Promise.all([...rest, back].map(health))).every((h) => h.head_seq === head), 'every daemon at the head');
    const folded = async (d: ServeProcess) => {
      const threads = ((await call(d, '/v1/threads?limit=1000')).body.data as { thread: string }[]).sort((x, y) => x.thread.localeCompare(y.thread));
      const trust = ((await call(d, '/v1/trust')).body.data ?? (await call(d, '/v1/trust')).body) as { actor: string; domain: string; successes: number; trials: number }[];
      const h = await health(d);
      return { threads, trust: trust.map(({ actor, domain, successes, trials }) => ({ actor, domain, successes, trials })), head: h.head_seq, records: h.record_count, pending: h.status };
    };
    const states = await Promise.all([...rest, back].map(folded));
    expect(states[0]!.threads.length).toBeGreaterThan(10);
    expect(states[1]).toEqual(states[0]);
    expect(states[2]).toEqual(states[0]);

    // Lockout recovery on a shared log needs no stop: the record reaches every running daemon.
    const unlock = spl(['config', 'permissions-unlock', '--store', url, '--json'], env(rest[0]!));
    expect(unlock.stderr).toBe('');
    expect(JSON.parse(unlock.stdout)).toMatchObject({ enabled: false });
    await waitFor(async () => JSON.stringify((await call(back, '/v1/config')).body).includes('permissions-unlock'), 'the unlock on a daemon that did not write it');
    for (const d of [...rest, back]) expect(await d.stop()).toBe(0);
  }, 180_000);

  it('spl serve --daemon --store hands the URL over through the environment, not the command line', async () => {
    const url = await cluster.createDatabase();
    const h = tempHome();
    homes.push(h);
    const started = daemonize(h.env, ['--port', '0', '--store', url]);
    try {
      expect(readFileSync(`/proc/${started.pid}/cmdline`, 'utf8')).not.toContain('postgres://');
      const health = await fetch(`${started.url}/v1/engine/health`, { headers: { authorization: `Bearer ${h.bearer}` } });
      expect(await health.json()).toMatchObject({ status: 'ready', store: url, leader: true, db_path: null });
      const status = spl(['status'], { ...h.env, SPL_TOKEN: h.bearer });
      expect(status.stdout).toContain(`database   ${url} (PostgreSQL`);
      expect(status.stdout).toContain('leader     yes');
    } finally {
      expect(spl(['serve', '--stop'], h.env).code).toBe(0);
    }
    expect(spl(['serve', '--store', 'mysql://x'], h.env).stderr).toContain('--store must be "sqlite" or a postgres:// URL');
  }, 60_000);
});
