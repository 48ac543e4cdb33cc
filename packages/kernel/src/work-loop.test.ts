import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadIdFor, type StoredRecord } from '@syncropel/algebra';
import { createKernel, type Kernel } from '@syncropel/kernel';
import { createMemoryLogStore, type LogStore } from '@syncropel/log';
import { openSqliteLogStore } from '@syncropel/log-sqlite';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

const ENGINE = `did:sync:instance:${'ee'.repeat(32)}`;
const dir = mkdtempSync(join(tmpdir(), 'spl-work-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let kernels: Kernel[] = [];
afterEach(async () => {
  for (const k of kernels) await k.stop();
  kernels = [];
});

let c = 0;
const learn = (body: object) => ({ parents: [], thread: 'th_engine_config', actor: 'did:sync:user:admin', act: 'LEARN', body, clock: c++, data_type: 'SCALAR' });
const intend = (name: string, body: object = {}, act = 'INTEND', actor = 'did:sync:user:alice') => ({ parents: [], thread: threadIdFor(name), actor, act, body, clock: c++, data_type: 'SCALAR' });
/** An exec adapter that appends the record's thread to a log file (so tests count runs) and answers JSON. */
const logging = (file: string, extra = '') => `read -r line; echo "$line" | grep -o 'th_[0-9a-f]*' | head -1 >> ${file}; ${extra} echo '{"done":true}'`;

async function start(store: LogStore = createMemoryLogStore(), now?: () => number): Promise<Kernel> {
  const k = createKernel({ store, actor: ENGINE, workLoop: true, dispatchGraceMs: 2000, ...(now ? { now } : {}) });
  await k.start();
  kernels.push(k);
  return k;
}

async function waitFor(check: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const answers = async (k: Kernel, thread: string) => (await k.records({ thread, limit: 1000 })).filter((r) => r.actor === ENGINE);

describe('RECONCILE: routing cascade and adapters', () => {
  it('routes by rule to an exec adapter; the result is a KNOW that fulfils, moves trust and closes the thread', async () => {
    const k = await start();
    await k.ingest(learn({ topic: 'adapter', name: 'echo', actor: 'did:sync:agent:echo', kind: 'exec', command: `cat > /dev/null; echo '{"reply":"hello"}'`, domain: 'code' }));
    await k.ingest(learn({ topic: 'routing_rule', name: 'code', expression: 'record.act == "INTEND" && record.body.domain == "code"', target: 'did:sync:agent:echo' }));
    const asked = await k.ingest(intend('job-1', { domain: 'code', task: 'say hello' }));
    await waitFor(async () => (await k.thread(threadIdFor('job-1')))?.status === 'closed', 'the thread to close');
    const [result] = await answers(k, threadIdFor('job-1'));
    expect(result).toMatchObject({ act: 'KNOW', parents: [asked.record.id], body: { fulfills: asked.record.id, verdict: 'success', domain: 'code', subject: 'did:sync:agent:echo', adapter: 'echo', via: 'rule:code', output: { reply: 'hello' } } });
    expect(k.trust({ actor: 'did:sync:agent:echo' })).toEqual([expect.objectContaining({ successes: 1, trials: 1 })]);
    expect(k.health()).toMatchObject({ reconciled_total: 1, reconcile_queue_depth: 0, in_flight: 0 });
  });

  it('runs the cascade in order: body.to, then rules by priority, then the highest-trust adapter for the domain, else a notice', async () => {
    const k = await start();
    const ok = `cat > /dev/null; echo '{}'`;
    for (const name of ['a', 'b', 'c']) await k.ingest(learn({ topic: 'adapter', name, actor: `did:sync:agent:${name}`, kind: 'exec', command: ok, domain: 'ops' }));
    await k.ingest(learn({ topic: 'routing_rule', name: 'low', expression: 'record.body.kind == "x"', target: 'did:sync:agent:a', priority: 1 }));
    await k.ingest(learn({ topic: 'routing_rule', name: 'high', expression: 'record.body.kind == "x"', target: 'did:sync:agent:b', priority: 9 }));
    // c has earned trust in ops; a and b have none.
    for (let i = 0; i < 5; i++) await k.ingest({ ...intend(`ev${i}`, { verdict: 'success', domain: 'ops', subject: 'did:sync:agent:c' }, 'KNOW', 'did:sync:user:judge') });
    const via = async (name: string, body: object) => {
      await k.ingest(intend(name, body));
      await waitFor(async () => (await answers(k, threadIdFor(name))).length > 0, `an answer on ${name}`);
      return (await answers(k, threadIdFor(name)))[0]!.body;
    };
    expect(await via('to', { to: 'did:sync:agent:a', kind: 'x', domain: 'ops' })).toMatchObject({ subject: 'did:sync:agent:a', via: 'body.to' });
    expect(await via('rule', { kind: 'x', domain: 'ops' })).toMatchObject({ subject: 'did:sync:agent:b', via: 'rule:high' });
    expect(await via('trust', { domain: 'ops' })).toMatchObject({ subject: 'did:sync:agent:c', via: 'trust:ops' });
    expect(await via('nowhere', { domain: 'unknown' })).toEqual({ notice: 'no_route', handles: expect.any(String) });
    expect(await via('ghost', { to: 'did:sync:agent:ghost' })).toMatchObject({ notice: 'no_adapter', target: 'did:sync:agent:ghost' });
    expect(k.health().intelligence_enabled).toBe(false);
  });

  it('never creates work from the engine, reserved threads, dispatch_handled records or answers', async () => {
    const runs = join(dir, 'no-cascade.log');
    const k = await start();
    await k.ingest(learn({ topic: 'adapter', name: 'echo', actor: 'did:sync:agent:echo', kind: 'exec', command: logging(runs) }));
    await k.ingest(learn({ topic: 'routing_rule', name: 'all', expression: 'true', target: 'did:sync:agent:echo' }));
    await k.ingest(intend('handled', { dispatch_handled: true }));
    await k.ingest(intend('answer', { fulfills: 'a'.repeat(64) }, 'DO'));
    await k.ingest(intend('cancel', { cancels: 'a'.repeat(64) }, 'DO'));
    // The engine's own records and reserved threads reach the log only through the kernel's emit.
    await k.emit(ENGINE, { thread: threadIdFor('mine'), act: 'INTEND', body: {} });
    await k.ingest(intend('know', {}, 'KNOW'));
    await k.emit('did:sync:user:alice', { thread: 'th_audit', act: 'INTEND', body: {} });
    await k.ingest(intend('real'));
    await waitFor(() => k.health().reconciled_total === 1, 'one reconcile');
    await k.drain.idle();
    expect(readFileSync(runs, 'utf8').trim().split('\n')).toEqual([threadIdFor('real')]);
  });

  it('turns hangs, crashes and garbage into failure verdicts, never a crash, and kills a timed-out process group', async () => {
    const k = await start();
    const cases = { hang: 'sleep 29.25; echo "{}"', crash: 'exit 3', garbage: 'echo not-json', big: 'head -c 300000 /dev/zero | tr "\\0" a' };
    for (const [name, command] of Object.entries(cases)) {
      await k.ingest(learn({ topic: 'adapter', name, actor: `did:sync:agent:${name}`, kind: 'exec', command, timeout_secs: 1 }));
      await k.ingest(intend(`f-${name}`, { to: `did:sync:agent:${name}` }));
    }
    await waitFor(() => k.health().reconciled_total === 4, 'four outcomes');
    const body = async (name: string) => (await answers(k, threadIdFor(`f-${name}`)))[0]!.body;
    expect(await body('hang')).toMatchObject({ verdict: 'failure', error: 'timed out (1 s)' });
    expect(await body('crash')).toMatchObject({ verdict: 'failure', error: 'exited with 3' });
    expect(await body('garbage')).toMatchObject({ verdict: 'failure', error: expect.stringContaining('stdout is not JSON') });
    expect(await body('big')).toMatchObject({ verdict: 'failure', error: expect.stringContaining('output larger than') });
    expect(k.status).toBe('ready');
    // The timed-out command's whole process group was killed, not just the shell.
    const { spawnSync } = await import('node:child_process');
    expect(spawnSync('pgrep', ['-f', 'sleep 29.25']).status).toBe(1);
  });

  it('posts to an http adapter on a real loopback server', async () => {
    const seen: unknown[] = [];
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        seen.push(JSON.parse(body));
        res.writeHead(req.url === '/fail' ? 500 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ accepted: true }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const k = await start();
      await k.ingest(learn({ topic: 'adapter', name: 'web', actor: 'did:sync:agent:web', kind: 'http', url: `http://127.0.0.1:${port}/ok` }));
      await k.ingest(learn({ topic: 'adapter', name: 'bad', actor: 'did:sync:agent:bad', kind: 'http', url: `http://127.0.0.1:${port}/fail` }));
      const asked = await k.ingest(intend('web-1', { to: 'did:sync:agent:web' }));
      await k.ingest(intend('web-2', { to: 'did:sync:agent:bad' }));
      await waitFor(() => k.health().reconciled_total === 2, 'two outcomes');
      expect((seen[0] as StoredRecord).id).toBe(asked.record.id);
      expect((await answers(k, threadIdFor('web-1')))[0]!.body).toMatchObject({ verdict: 'success', output: { accepted: true } });
      expect((await answers(k, threadIdFor('web-2')))[0]!.body).toMatchObject({ verdict: 'failure', error: 'answered 500' });
    } finally {
      await server.close();
    }
  });
});

describe('concurrency, drain and ingest isolation', () => {
  it('caps dispatches at the configured concurrency, queues the rest, and never slows ingest', async () => {
    const k = await start();
    await k.ingest(learn({ topic: 'adapter', name: 'slow', actor: 'did:sync:agent:slow', kind: 'exec', command: 'cat > /dev/null; sleep 1; echo "{}"' }));
    await k.ingest(learn({ topic: 'routing_rule', name: 'all', expression: 'true', target: 'did:sync:agent:slow' }));
    let maxInFlight = 0;
    const sampler = setInterval(() => (maxInFlight = Math.max(maxInFlight, k.health().in_flight)), 5);
    // Flood while every adapter slot is busy: every ingest still resolves (nothing waits for adapters).
    const flood = await Promise.all(Array.from({ length: 200 }, (_, i) => k.ingest(intend(`flood-${i % 10}`, { i }, 'DO'))));
    expect(flood.every((r) => r.status === 'created')).toBe(true);
    const during = k.health();
    expect(during.in_flight).toBe(4);
    expect(during.reconcile_queue_depth).toBeGreaterThan(100);
    expect(k.healthDetails().loops.reconcile.backed_up_threads[0]?.queued).toBeGreaterThan(0);
    // Raise the cap: it applies to the next dispatch, without restart.
    await k.ingest(learn({ topic: 'dispatch', name: 'default', concurrency: 40 }));
    await waitFor(() => k.health().reconcile_queue_depth === 0 && k.health().in_flight === 0, 'the queue to drain', 30_000);
    clearInterval(sampler);
    expect(maxInFlight).toBeLessThanOrEqual(40);
    expect(k.health().reconciled_total).toBe(200);
  }, 60_000);

  it('drain refuses new dispatches while records are still accepted, waits for in-flight, and resumes', async () => {
    const runs = join(dir, 'drain.log');
    const k = await start();
    await k.ingest(learn({ topic: 'adapter', name: 'echo', actor: 'did:sync:agent:echo', kind: 'exec', command: logging(runs, 'sleep 0.3;') }));
    await k.ingest(learn({ topic: 'routing_rule', name: 'all', expression: 'true', target: 'did:sync:agent:echo' }));
    await k.ingest(intend('before-drain'));
    await waitFor(() => k.health().in_flight === 1, 'a dispatch in flight');
    expect(await k.drain.start()).toMatchObject({ draining: true, in_flight: 1 });
    // The drain is a record: every kernel on the log reads it, and it survives a restart.
    expect(k.config().find((e) => e.topic === 'drain')?.body).toMatchObject({ value: true });
    await k.ingest(intend('during-drain'));
    await k.drain.idle();
    expect(k.health()).toMatchObject({ draining: true, in_flight: 0, reconcile_queue_depth: 1 });
    expect(readFileSync(runs, 'utf8').trim().split('\n')).toEqual([threadIdFor('before-drain')]);
    expect(await k.drain.stop()).toMatchObject({ draining: false });
    await waitFor(() => k.health().reconciled_total === 2, 'the drained work to run');
    expect(readFileSync(runs, 'utf8').trim().split('\n')).toEqual([threadIdFor('before-drain'), threadIdFor('during-drain')]);
  });
});

describe('AITL decisions', () => {
  it('holds matching work for a human; approve dispatches, reject does not; expired requests are cancelled', async () => {
    let t = Date.now();
    const runs = join(dir, 'aitl.log');
    const k = await start(createMemoryLogStore(), () => t);
    await k.ingest(learn({ topic: 'adapter', name: 'deploy', actor: 'did:sync:agent:deploy', kind: 'exec', command: logging(runs) }));
    await k.ingest(learn({ topic: 'routing_rule', name: 'all', expression: 'true', target: 'did:sync:agent:deploy' }));
    await k.ingest(learn({ topic: 'aitl_rule', name: 'prod', expression: 'record.body.env == "prod"', timeout_secs: 60 }));
    for (const name of ['approve-me', 'reject-me', 'forget-me']) await k.ingest(intend(name, { env: 'prod' }));
    await waitFor(() => k.health().aitl_pending === 3, 'three pending decisions');
    const pending = k.pendingDecisions();
    expect(pending.map((p) => p.rule)).toEqual(['prod', 'prod', 'prod']);
    expect(pending[0]!.target).toBe('did:sync:agent:deploy');
    const byThread = (name: string) => pending.find((p) => p.thread === threadIdFor(name))!;

    const approval = await k.decide(byThread('approve-me').id, { approve: true, actor: 'did:sync:user:op' });
    expect(approval.record).toMatchObject({ act: 'DO', body: { fulfills: byThread('approve-me').id, decision: 'approve' } });
    await k.decide(byThread('reject-me').id, { approve: false, actor: 'did:sync:user:op', reason: 'not today' });
    await waitFor(async () => (await k.thread(threadIdFor('approve-me')))?.status === 'closed', 'the approved work to run');
    expect(k.health().aitl_pending).toBe(1);

    t += 61_000;
    await k.runJob('aitl_stall_sweep');
    expect(k.health().aitl_pending).toBe(0);
    expect((await k.records({ thread: threadIdFor('forget-me'), limit: 10 })).at(-1)).toMatchObject({ act: 'DO', actor: ENGINE, body: { cancels: byThread('forget-me').id, reason: 'expired' } });
    await k.drain.idle();
    expect(readFileSync(runs, 'utf8').trim().split('\n')).toEqual([threadIdFor('approve-me')]);
    await expect(k.decide('f'.repeat(64), { approve: true, actor: 'did:sync:user:op' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const cron = k.healthDetails().loops.cron.jobs.find((j) => j.name === 'aitl_stall_sweep');
    expect(cron).toMatchObject({ runs: 1, last_error: null });
  });
});

describe('restart idempotency (state = fold(records))', () => {
  it('dispatches work lost in a crash exactly once and never re-runs work that has a result', async () => {
    const path = join(dir, 'restart.db');
    const runs = join(dir, 'restart.log');
    // A kernel without the work loop stands in for a daemon that crashed before dispatching.
    const s1 = openSqliteLogStore({ path });
    const k1 = createKernel({ store: s1, actor: ENGINE });
    await k1.start();
    await k1.ingest(learn({ topic: 'adapter', name: 'echo', actor: 'did:sync:agent:echo', kind: 'exec', command: logging(runs) }));
    await k1.ingest(learn({ topic: 'routing_rule', name: 'all', expression: 'true', target: 'did:sync:agent:echo' }));
    await k1.ingest(intend('lost-1'));
    await k1.ingest(intend('lost-2'));
    await k1.stop();
    await s1.close();

    const s2 = openSqliteLogStore({ path });
    const k2 = await start(s2);
    await waitFor(() => k2.health().reconciled_total === 2, 'the lost work to run');
    await k2.stop();
    await s2.close();
    kernels = kernels.filter((k) => k !== k2);

    const s3 = openSqliteLogStore({ path });
    const k3 = await start(s3);
    await k3.ingest(intend('new-after-restart'));
    await waitFor(() => k3.health().reconciled_total === 1, 'only the new work');
    await k3.drain.idle();
    expect(readFileSync(runs, 'utf8').trim().split('\n').sort()).toEqual([threadIdFor('lost-1'), threadIdFor('lost-2'), threadIdFor('new-after-restart')].sort());
    await k3.stop();
    await s3.close();
    kernels = kernels.filter((k) => k !== k3);
    appendFileSync(runs, '');
  });
});

describe('review fixes', () => {
  it('lets in-flight dispatches record their results during stop, so nothing re-runs', async () => {
    const runs = join(dir, 'stop.log');
    const store = createMemoryLogStore();
    const k = createKernel({ store, actor: ENGINE, workLoop: true, dispatchGraceMs: 5000 });
    await k.start();
    await k.ingest(learn({ topic: 'adapter', name: 'slow', actor: 'did:sync:agent:slow', kind: 'exec', command: logging(runs, 'sleep 0.5;') }));
    await k.ingest(intend('stop-while-running', { to: 'did:sync:agent:slow' }));
    await waitFor(() => k.health().in_flight === 1, 'a dispatch in flight');
    await k.stop();
    expect((await answers(k, threadIdFor('stop-while-running')))[0]?.body).toMatchObject({ verdict: 'success' });
    const again = await start(store);
    await new Promise((r) => setTimeout(r, 300));
    expect(again.health().reconciled_total).toBe(0);
  });

  it('gives adapters a clean environment, and only a DO decides an AITL request', async () => {
    process.env.SPL_BOOTSTRAP_TOKEN = 'secret-that-must-not-leak-0123456789';
    try {
      const k = await start();
      await k.ingest(learn({ topic: 'adapter', name: 'env', actor: 'did:sync:agent:env', kind: 'exec', command: `cat >/dev/null; printf '{"env":"%s"}' "$(env | tr '\\n' ' ' | tr -d '"\\\\')"` }));
      await k.ingest(intend('env', { to: 'did:sync:agent:env' }));
      await waitFor(async () => (await answers(k, threadIdFor('env'))).length === 1, 'the env adapter');
      const out = JSON.stringify((await answers(k, threadIdFor('env')))[0]!.body);
      expect(out).toContain('PATH=');
      expect(out).not.toContain('secret-that-must-not-leak');
      await k.ingest(learn({ topic: 'aitl_rule', name: 'all', expression: 'true' }));
      await k.ingest(intend('held', { to: 'did:sync:agent:env' }));
      await waitFor(() => k.health().aitl_pending === 1, 'a pending decision');
      const req = k.pendingDecisions()[0]!;
      await k.ingest({ parents: [], thread: req.thread, actor: 'did:sync:user:someone', act: 'KNOW', body: { fulfills: req.id }, clock: c++, data_type: 'SCALAR' });
      expect(k.health().aitl_pending).toBe(1);
    } finally {
      delete process.env.SPL_BOOTSTRAP_TOKEN;
    }
  });
});
