#!/usr/bin/env node
// Start benchmark: prints figures, never asserts timing. See bench/README.md.
//
//   npm run bench:start [-- --records N] [--tail N] [--duration S] [--connections N] [--closed-threads N] [--skip-daemon] [--json]
//
// Over a cached log of N records (default 1,000,000; built once into bench/.cache/):
//   in-process  a full rebuild (kernel.start with no fold snapshot), the store check without a
//               stamp, a fold snapshot + a tail, then the fast path a clean restart takes; RSS after each
//   daemon      `spl serve` as shipped: time to port open and to ready, first start and after a
//               SIGTERM stop (the fast path), VmRSS at ready and after the startup backup
//   backup      POST /v1/records under steady load with and without a backup running: p99, req/s
//               and the event-loop delay of the serving process
//   closed      N closed threads of 2 records on a fresh log, then enough records elsewhere for all
//               of them to be quiet: heap and RSS with thread eviction off and on (its default)
//
// Every measurement runs in a process of its own (forked with --expose-gc), so one measurement's
// heap never shows in the next one's RSS. The bench process only forks, drives load and prints.
import { fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { recordId, threadIdFor } from '@syncropel/algebra';
import { createAuth } from '@syncropel/auth';
import { createApp, listen } from '@syncropel/http';
import { THREAD_EVICT_EVERY, THREAD_QUIET_RECORDS, createKernel, fileFoldSnapshots } from '@syncropel/kernel';
import { checkStoreAtStart, openSqliteLogStore, snapshot, stampVerified } from '@syncropel/log-sqlite';
import autocannon from 'autocannon';

import { BENCH_ENGINE, benchLog } from './start-log.mjs';

const SELF = fileURLToPath(import.meta.url);
const REPO = fileURLToPath(new URL('..', import.meta.url));
const CACHE = join(REPO, 'bench', '.cache');
const CLI = join(REPO, 'apps', 'cli', 'dist', 'main.js');
const ROLE_ENV = 'SPL_BENCH_START_ROLE';

const THREADS = 4000; // threads of the cached log
const TAIL_BATCH = 1000; // records per ingestBatch for the tail
const WARMUP_S = 2; // load before the measured windows
const MAX_BACKUP_WINDOW_S = 180; // the backup window ends here even if the backup has not
const LOOP_RESOLUTION_MS = 10; // monitorEventLoopDelay's sampling timer
const CLOSED_MIN_AFTER = 120_000; // records on one busy thread after the closed threads, at least
const NO_EVICTION = { every: 1e12, quiet: 1e12 }; // a pass never comes: every thread stays in memory
// The kernel's default eviction: every THREAD_EVICT_EVERY records, closed threads quiet for
// THREAD_QUIET_RECORDS records leave memory.
const EVICT_EVERY = THREAD_EVICT_EVERY;
const EVICT_QUIET = THREAD_QUIET_RECORDS;
const BACKUP_INSTANCE = `did:sync:instance:${'ab'.repeat(32)}`;
const LOAD_ACTOR = 'did:sync:user:bench-load';
const TAIL_ACTOR = 'did:sync:user:bench-tail';
const NOTE = 'progress note: lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor '.repeat(2).slice(0, 120);

// Goals of issue #15. Printed with ok/MISS; the exit code never depends on them.
const GOAL_READY_MS = 3000;
const GOAL_READY_STRETCH_MS = 500;
const GOAL_RSS_BYTES = 300 * 1024 * 1024;
const GOAL_P99_RATIO = 2;

const now = () => performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// =============================================================================================
// Measuring processes (forked by the bench process with SPL_BENCH_START_ROLE set)

/** RSS as the kernel sees it (Linux): total, anonymous (heap, SQLite caches) and file-backed (mapped code). */
function procStatus(pid = 'self') {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const kb = (key) => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : null;
  };
  return { rss: kb('VmRSS'), hwm: kb('VmHWM'), anon: kb('RssAnon'), file: kb('RssFile'), threads: Number(/^Threads:\s+(\d+)/m.exec(text)?.[1] ?? NaN) };
}

/** This process's memory: V8's view and the OS's. */
function memory() {
  const m = process.memoryUsage();
  const s = procStatus();
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, rssAnon: s?.anon ?? null, rssFile: s?.file ?? null, osThreads: s?.threads ?? null };
}

/** Memory now and after a full GC (a forked child always has --expose-gc). */
function memoryWithGc() {
  const before = memory();
  globalThis.gc?.();
  globalThis.gc?.();
  return { beforeGc: before, afterGc: memory() };
}

/** The kernel as the daemon builds it, plus the auth registry fold the daemon always attaches. */
function openKernel(db, { workLoop = true } = {}) {
  const t = now();
  const store = openSqliteLogStore({ path: db });
  const openMs = now() - t;
  const kernel = createKernel({ store, actor: BENCH_ENGINE, workLoop, foldSnapshot: fileFoldSnapshots(`${db}.folds`) });
  const auth = createAuth({ kernel, actor: BENCH_ENGINE, tokenKey: new Uint8Array(randomBytes(32)) });
  return {
    store,
    kernel,
    auth,
    openMs,
    /** Stops as the daemon does; returns the records in the log at the end. */
    async close() {
      await auth.stop();
      await kernel.stop();
      const records = await store.count();
      await store.close();
      return records;
    },
  };
}

/** The tail: KNOW records on the log's own threads by one more actor, clocks increasing per thread. */
function tailRecords(n) {
  const ids = Array.from({ length: THREADS }, (_, t) => threadIdFor(`bench-start-${t}`));
  return Array.from({ length: n }, (_, i) => ({
    parents: [],
    thread: ids[i % THREADS],
    actor: TAIL_ACTOR,
    act: 'KNOW',
    body: { kind: 'tail', n: i, ok: true, note: NOTE },
    clock: Math.floor(i / THREADS),
    data_type: 'SCALAR',
    judged_by: null,
  }));
}

/** Commands a measuring process answers after `run` (the serving process adds its own). */
const COMMANDS = {};

const ROLES = {
  /**
   * The slow path and the preparation of the fast one, on one copy of the log: a full rebuild,
   * the store check without a stamp, a fold snapshot, a tail, a clean close and the stamp.
   */
  async full({ db, tail }) {
    const k = openKernel(db);
    const t0 = now();
    await k.kernel.start();
    const startMs = now() - t0;
    const foldSnapshot = k.kernel.healthDetails().fold_snapshot;
    const recordCount = k.kernel.health().record_count;
    const mem = memoryWithGc();

    // No stamp beside the copy: every record is checked against its id, as after a crash.
    const c0 = now();
    const check = await checkStoreAtStart(db);
    const checkMs = now() - c0;

    const s0 = now();
    const saved = await k.kernel.saveFoldSnapshot();
    const saveMs = now() - s0;
    const folds = `${db}.folds`;
    const foldsBytes = statSync(folds).size;
    // stop() writes a snapshot of its own (with the tail folded in); the fast path must fold the
    // tail, so the snapshot taken before it is put back after the stop.
    copyFileSync(folds, `${folds}.before-tail`);

    const records = tailRecords(tail);
    const i0 = now();
    for (let i = 0; i < records.length; i += TAIL_BATCH) await k.kernel.ingestBatch(records.slice(i, i + TAIL_BATCH));
    const tailMs = now() - i0;

    const x0 = now();
    // What the fast path must fold after the snapshot: the tail, plus anything the work loop wrote
    // (nothing on a log whose work is all answered, as the default one).
    const afterSnapshot = (await k.close()) - saved.records;
    const closeMs = now() - x0;
    renameSync(`${folds}.before-tail`, folds);
    const v0 = now();
    await stampVerified(db);
    const stampMs = now() - v0;
    return {
      recordCount,
      openMs: k.openMs,
      startMs,
      foldSnapshot,
      memory: mem,
      check: { ms: checkMs, how: check.how, ok: check.ok, problems: check.problems },
      save: { ms: saveMs, bytes: foldsBytes, saved },
      tail: { records: tail, ms: tailMs, afterSnapshot },
      closeMs,
      stampMs,
      dbBytes: statSync(db).size,
    };
  },

  /** The fast path as the daemon runs it: store check (stamp) and kernel start (snapshot + tail) at once. */
  async fast({ db }) {
    const t0 = now();
    const checking = checkStoreAtStart(db);
    const k = openKernel(db);
    const k0 = now();
    await k.kernel.start();
    const startMs = now() - k0;
    const check = await checking;
    const readyMs = now() - t0;
    const foldSnapshot = k.kernel.healthDetails().fold_snapshot;
    const recordCount = k.kernel.health().record_count;
    const mem = memoryWithGc();
    await k.close();
    return { readyMs, openMs: k.openMs, startMs, check: { ms: check.ms, how: check.how, ok: check.ok, stampUnused: check.stamp_unused }, foldSnapshot, recordCount, memory: mem };
  },

  /** The same process shape over an empty log: what RSS costs before any record. */
  async empty({ db }) {
    const k = openKernel(db);
    await k.kernel.start();
    const mem = memoryWithGc();
    await k.close();
    return { memory: mem };
  },

  /**
   * Closed threads on a fresh log: `n` threads of an INTEND and the KNOW fulfilling it, then
   * `after` KNOW records on one busy thread, through ingestBatch; heap and RSS after two GCs, with
   * the kernel's thread eviction off or at its default. Heap per closed thread is the growth over
   * the same kernel's heap right after start, divided by `n`.
   */
  async closed({ db, n, evict }) {
    const store = openSqliteLogStore({ path: db, durability: 'normal' });
    const errors = [];
    const kernel = createKernel({ store, actor: BENCH_ENGINE, onError: (e, where) => errors.push(`${where}: ${e?.message ?? e}`), ...(evict ? {} : { threadEviction: NO_EVICTION }) });
    const auth = createAuth({ kernel, actor: BENCH_ENGINE, tokenKey: new Uint8Array(randomBytes(32)) });
    await kernel.start();
    const base = memoryWithGc().afterGc;

    // Each batch holds 500 threads whole: the INTEND, then the KNOW fulfilling it (its id computed
    // here as the kernel will), so a thread is closed by the batch that opens it.
    const t0 = now();
    for (let i = 0; i < n; i += TAIL_BATCH / 2) {
      const batch = [];
      for (let j = i; j < Math.min(n, i + TAIL_BATCH / 2); j++) {
        const thread = threadIdFor(`closed-${j}`);
        const intend = { parents: [], thread, actor: 'did:sync:user:a', act: 'INTEND', body: { i: j }, clock: 0, data_type: 'SCALAR' };
        const id = recordId(intend);
        batch.push(intend, { parents: [id], thread, actor: 'did:sync:agent:b', act: 'KNOW', body: { fulfills: id }, clock: 0, data_type: 'SCALAR' });
      }
      await kernel.ingestBatch(batch);
    }
    const closedMs = now() - t0;
    // The busy thread's records: at least CLOSED_MIN_AFTER, and on to the first eviction pass (a
    // multiple of EVICT_EVERY) at which the last closed thread has been quiet for EVICT_QUIET.
    const lastClosed = kernel.health().record_count; // seqs run from 1 on a fresh log
    const after = Math.max(CLOSED_MIN_AFTER, Math.ceil((lastClosed + EVICT_QUIET) / EVICT_EVERY) * EVICT_EVERY - lastClosed);
    const busy = threadIdFor('closed-busy');
    const a0 = now();
    for (let i = 0; i < after; i += TAIL_BATCH) {
      const batch = Array.from({ length: Math.min(TAIL_BATCH, after - i) }, (_, j) => ({ parents: [], thread: busy, actor: TAIL_ACTOR, act: 'KNOW', body: { n: i + j }, clock: i + j, data_type: 'SCALAR' }));
      await kernel.ingestBatch(batch);
    }
    const afterMs = now() - a0;
    const records = kernel.health().record_count;
    const mem = memoryWithGc().afterGc;

    // Asked for after the measurement: an evicted thread is folded from the store, not kept.
    const q0 = now();
    const first = await kernel.thread(threadIdFor('closed-0'));
    const firstThreadMs = now() - q0;
    const more = Math.min(100, n - 1);
    const m0 = now();
    for (let i = 1; i <= more; i++) await kernel.thread(threadIdFor(`closed-${i}`));
    const nextThreadMs = more > 0 ? (now() - m0) / more : null;
    await auth.stop();
    await kernel.stop();
    await store.close();
    return {
      evict,
      n,
      after,
      records,
      closedMs,
      afterMs,
      base,
      memory: mem,
      heapPerThread: n > 0 ? (mem.heapUsed - base.heapUsed) / n : null,
      firstThread: first ? { status: first.status, record_count: first.record_count } : null,
      firstThreadMs,
      nextThreads: more,
      nextThreadMs,
      errors,
    };
  },

  /** Serves the open API over a copy of the log; windows measure the event loop, one may run a backup. */
  async serve({ db }) {
    const k = openKernel(db, { workLoop: false });
    await k.kernel.start();
    const server = await listen(createApp({ kernel: k.kernel }), '127.0.0.1', 0);
    // The histogram records each sampling timer's full interval: the stall is what exceeds it.
    const delay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    delay.enable();
    let window = null;
    const commits = () => {
      const c = k.kernel.healthDetails().loops.ingest;
      return { groups: c.commit_groups, totalMs: c.mean_commit_ms * c.commit_groups };
    };
    COMMANDS.window = async ({ backupDir }) => {
      delay.reset();
      window = { started: now(), records: k.kernel.health().record_count, commits: commits() };
      if (backupDir) {
        const b0 = now();
        snapshot(db, { directory: backupDir, instanceDid: BACKUP_INSTANCE }).then(
          (r) => process.send({ event: 'backup', ms: now() - b0, replaced: r.replaced, guard: r.guard, records: r.manifest.record_count, bytes: r.manifest.bytes }),
          (e) => process.send({ event: 'backup', error: String(e?.stack ?? e) }),
        );
      }
      return true;
    };
    COMMANDS.windowEnd = async () => {
      const stall = (ns) => Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS);
      const c = commits();
      const groups = c.groups - window.commits.groups;
      return {
        seconds: (now() - window.started) / 1000,
        stored: k.kernel.health().record_count - window.records,
        loopStall: { p50Ms: stall(delay.percentile(50)), p99Ms: stall(delay.percentile(99)), maxMs: stall(delay.max), samples: delay.count },
        commits: { groups, meanRecords: groups > 0 ? (k.kernel.health().record_count - window.records) / groups : 0, meanMs: groups > 0 ? (c.totalMs - window.commits.totalMs) / groups : 0 },
        memory: memory(),
        hwm: procStatus()?.hwm ?? null,
      };
    };
    COMMANDS.close = async () => {
      delay.disable();
      await server.close();
      await k.close();
      return true;
    };
    return { port: server.port, recordCount: k.kernel.health().record_count, foldSnapshot: k.kernel.healthDetails().fold_snapshot };
  },
};

function runChild(role) {
  process.on('message', async ({ id, cmd, args }) => {
    try {
      const handler = cmd === 'run' ? ROLES[role] : COMMANDS[cmd];
      if (!handler) throw new Error(`unknown command ${cmd}`);
      process.send({ id, result: await handler(args) });
    } catch (error) {
      process.send({ id, error: String(error?.stack ?? error) });
    }
  });
  // The bench process is gone (or done with us): leave, whatever is still open.
  process.on('disconnect', () => process.exit(0));
}

// =============================================================================================
// The bench process

/** Children and daemons still running, so a crash or Ctrl-C can stop them (by pid) before the temp dir goes. */
const running = new Set();

function killAll() {
  for (const child of running) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  running.clear();
}

/** Forks this file as a measuring process; `call` sends a command and resolves with its answer. */
function forkRole(role) {
  const child = fork(SELF, [], { env: { ...process.env, [ROLE_ENV]: role }, execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  running.add(child);
  let nextId = 0;
  const waiting = new Map();
  const listeners = [];
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      for (const w of waiting.values()) w.reject(new Error(`the ${role} process exited (code ${code}, signal ${signal})`));
      waiting.clear();
      resolve({ code, signal });
    }),
  );
  child.on('message', (m) => {
    if (m.id !== undefined && waiting.has(m.id)) {
      const w = waiting.get(m.id);
      waiting.delete(m.id);
      if (m.error !== undefined) w.reject(new Error(`${role}: ${m.error}`));
      else w.resolve(m.result);
    } else for (const l of listeners) l(m);
  });
  return {
    call(cmd, args = {}) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        child.send({ id, cmd, args });
      });
    },
    onEvent: (l) => listeners.push(l),
    async end() {
      if (child.connected) child.disconnect();
      return exited;
    },
  };
}

/** One measurement in a fresh process: fork, run, wait for it to exit. */
async function inChild(role, args) {
  const child = forkRole(role);
  try {
    return await child.call('run', args);
  } finally {
    await child.end();
  }
}

/** A copy of the cached log (the kernel and the daemon write beside it and into it). */
function copyLog(from, to) {
  const t = now();
  copyFileSync(from, to, constants.COPYFILE_FICLONE);
  return now() - t;
}

// ---------------------------------------------------------------------------------------------
// Backup under load

/** Closed-loop load: `connections` clients, one request at a time each, each on its own thread. */
function startLoad(url, seconds, connections, run) {
  let conn = 0;
  const instance = autocannon({
    url: `${url}/v1/records`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    connections,
    pipelining: 1,
    duration: seconds,
    setupClient(client) {
      const thread = threadIdFor(`bench-start-load-${run}-${conn++}`);
      let clock = 0;
      client.setRequests([
        {
          setupRequest(req) {
            req.body = JSON.stringify({ parents: [], thread, actor: LOAD_ACTOR, act: 'KNOW', body: { kind: 'load', n: clock, ok: true, note: NOTE }, clock, data_type: 'SCALAR', judged_by: null });
            clock++;
            return req;
          },
        },
      ]);
    },
  });
  const done = new Promise((resolve, reject) => {
    instance.once('done', resolve);
    instance.once('error', reject);
  });
  return { stop: () => instance.stop(), done };
}

function loadFigures(result) {
  return {
    seconds: result.duration,
    ok: result['2xx'],
    reqPerS: result['2xx'] / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

async function measureBackupUnderLoad(root, db, flags, say) {
  const serve = forkRole('serve');
  try {
    const opened = await serve.call('run', { db });
    const url = `http://127.0.0.1:${opened.port}`;
    const tag = randomBytes(4).toString('hex');
    say(`backup: ${WARMUP_S} s warm-up, ${flags.duration} s without a backup, then load until a backup finishes`);
    const warm = loadFigures(await startLoad(url, WARMUP_S, flags.connections, `${tag}-warm`).done);

    await serve.call('window', {});
    const base = loadFigures(await startLoad(url, flags.duration, flags.connections, `${tag}-base`).done);
    const baseServer = await serve.call('windowEnd');

    // The window runs while the backup does: load starts, the backup starts, load stops when it ends.
    const backupEvent = new Promise((resolve) => serve.onEvent((m) => m.event === 'backup' && resolve(m)));
    const load = startLoad(url, MAX_BACKUP_WINDOW_S, flags.connections, `${tag}-backup`);
    await serve.call('window', { backupDir: join(root, 'backups') });
    const finishedInWindow = await Promise.race([backupEvent.then(() => true), load.done.then(() => false)]);
    load.stop();
    const during = loadFigures(await load.done);
    const duringServer = await serve.call('windowEnd');
    const backup = await backupEvent;
    if (backup.error) throw new Error(`the backup failed: ${backup.error}`);
    await serve.call('close');
    return {
      connections: flags.connections,
      records: opened.recordCount,
      warm,
      without: { ...base, server: baseServer },
      with: { ...during, server: duringServer },
      backup: { ms: backup.ms, finishedInWindow, replaced: backup.replaced, guard: backup.guard, records: backup.records, bytes: backup.bytes },
      p99Ratio: during.p99Ms / base.p99Ms,
      reqPerSRatio: during.reqPerS / base.reqPerS,
    };
  } finally {
    await serve.end();
  }
}

// ---------------------------------------------------------------------------------------------
// Closed threads leaving memory

/**
 * The same closed threads written twice, each on a fresh log in a process of its own: eviction off
 * and at its default. The two run at the same time (their heaps are their own; only their write
 * times share the cores), which halves the wait.
 */
async function measureClosedThreads(root, n, say) {
  const dir = join(root, 'closed');
  mkdirSync(dir);
  try {
    say(`closed threads: ${int(n)} closed threads twice at once, eviction off and at its default`);
    const t0 = now();
    const [kept, evicted] = await Promise.all([
      inChild('closed', { db: join(dir, 'kept.db'), n, evict: false }),
      inChild('closed', { db: join(dir, 'evicted.db'), n, evict: true }),
    ]);
    return { n, wallMs: now() - t0, kept, evicted };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// The daemon as shipped

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** One `spl serve --foreground` from spawn to exit: port open, ready, RSS, startup backup, SIGTERM stop. */
async function daemonRun(home, secret) {
  const port = await freePort();
  const env = { ...process.env, HOME: home, SYNCROPEL_HOME: join(home, '.syncro'), XDG_DATA_HOME: join(home, '.local', 'share'), XDG_CONFIG_HOME: join(home, '.config'), SPL_BOOTSTRAP_TOKEN: secret };
  delete env.SPL_TOKEN;
  delete env.NODE_OPTIONS;
  const url = `http://127.0.0.1:${port}`;
  const authorization = `Bearer spl_prod_sa-bootstrap-env_${secret}`;
  const t0 = now();
  const child = spawn(process.execPath, [CLI, 'serve', '--foreground', '--port', String(port)], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (s) => (output += s));
  child.stderr.setEncoding('utf8').on('data', (s) => (output += s));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, at: now() })));
  let gone = null;
  exited.then((e) => {
    gone = e;
    running.delete(child);
  });
  const fail = (why) => new Error(`daemon: ${why}\n${output}`);
  try {
    const probe = async (path, headers) => {
      try {
        const answer = await fetch(`${url}${path}`, { headers, signal: AbortSignal.timeout(2000) });
        const body = await answer.text();
        return { status: answer.status, body };
      } catch {
        return null; // not listening yet
      }
    };
    let portMs = null;
    let readyMs = null;
    const phases = new Set();
    while (readyMs === null) {
      if (gone) throw fail(`exited while starting (code ${gone.code}, signal ${gone.signal})`);
      if (now() - t0 > 300_000) throw fail('not ready within 300 s');
      if (portMs === null) {
        const live = await probe('/health');
        if (live?.status === 200) portMs = now() - t0;
      }
      if (portMs !== null) {
        const ready = await probe('/v1/engine/health', { authorization });
        if (ready?.status === 200) readyMs = now() - t0;
        else if (ready?.status === 503) phases.add(JSON.parse(ready.body).phase);
      }
      if (readyMs === null) await sleep(20);
    }
    const atReady = procStatus(child.pid);
    // The daemon takes a backup right after every start; SIGTERM would wait for it anyway.
    const b0 = now();
    while (!/(startup backup:|startup backup failed|BACKUP KEPT)/.test(output)) {
      if (gone) throw fail('exited during the startup backup');
      if (now() - b0 > 300_000) throw fail('the startup backup did not finish within 300 s');
      await sleep(50);
    }
    const backupMs = now() - b0;
    const afterBackup = procStatus(child.pid);
    const s0 = now();
    child.kill('SIGTERM');
    const { code, signal, at } = await exited;
    if (code !== 0) throw fail(`stopped with code ${code}, signal ${signal}`);
    const stateLine = /state ready in (\d+) ms: (.*)$/m.exec(output);
    return {
      portMs,
      readyMs,
      phases: [...phases],
      daemonSays: stateLine ? { stateMs: Number(stateLine[1]), how: stateLine[2] } : null,
      rssAtReady: atReady?.rss ?? null,
      anonAtReady: atReady?.anon ?? null,
      fileAtReady: atReady?.file ?? null,
      threadsAtReady: atReady?.threads ?? null,
      backupMs,
      backupLine: /spl: (?:error: )?((?:startup backup|BACKUP KEPT).*)$/m.exec(output)?.[1] ?? null,
      rssAfterBackup: afterBackup?.rss ?? null,
      peakRss: afterBackup?.hwm ?? null,
      stopMs: at - s0,
    };
  } finally {
    if (!gone) {
      child.kill('SIGKILL');
      await exited;
    }
  }
}

async function measureDaemon(root, cached, say) {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing; run npm run build`);
  const home = join(root, 'daemon');
  const db = join(home, '.syncro', 'hub.db');
  mkdirSync(join(home, '.syncro'), { recursive: true, mode: 0o700 });
  copyLog(cached, db);
  const secret = randomBytes(32).toString('hex');
  say('daemon: first start (no fold snapshot, no stamp), startup backup, SIGTERM');
  const first = await daemonRun(home, secret);
  const leftBehind = { folds: existsSync(`${db}.folds`), verified: existsSync(`${db}.verified`) };
  say('daemon: second start (fast path), startup backup, SIGTERM');
  const second = await daemonRun(home, secret);
  return { first, second, leftBehind };
}

// ---------------------------------------------------------------------------------------------
// Flags

function parseFlags() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        records: { type: 'string', default: '1000000' },
        tail: { type: 'string', default: '10000' },
        duration: { type: 'string', default: '8' },
        connections: { type: 'string', default: '16' },
        'closed-threads': { type: 'string', default: '200000' },
        'skip-daemon': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    usage(error.message);
  }
  if (values.help) {
    process.stdout.write(
      'usage: node bench/start.mjs [--records N] [--tail N] [--duration S] [--connections N] [--closed-threads N] [--skip-daemon] [--json]\n' +
        '  --records         records in the log (default 1000000; built once into bench/.cache/, ~45 s and ~660 MB for 1M)\n' +
        '  --tail            records appended after the fold snapshot, folded by the fast path (default 10000)\n' +
        '  --duration        seconds of load without a backup (default 8); the window with one lasts as long as the backup\n' +
        '  --connections     concurrent POST /v1/records clients, one request at a time each (default 16)\n' +
        '  --closed-threads  closed threads of 2 records for the thread-eviction memory figures, on a fresh log (default 200000; 0 leaves them out)\n' +
        '  --skip-daemon     leave out the two `spl serve` starts\n' +
        '  --json            print the figures as one JSON object\n',
    );
    process.exit(0);
  }
  const integer = (name, min, max) => {
    const n = Number(values[name]);
    if (!Number.isSafeInteger(n) || n < min || n > max) usage(`--${name} must be an integer from ${min} to ${max}, got ${values[name]}`);
    return n;
  };
  return {
    records: integer('records', 1000, 100_000_000),
    tail: integer('tail', 0, 10_000_000),
    duration: integer('duration', 1, 120),
    connections: integer('connections', 1, 1000),
    closedThreads: integer('closed-threads', 0, 10_000_000),
    daemon: !values['skip-daemon'],
    json: values.json,
  };
}

function usage(message) {
  process.stderr.write(`bench:start: ${message}\n`);
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// Output

const MB = 1024 * 1024;
const mb = (x) => (x === null || x === undefined ? '?' : `${Math.round(x / MB)} MB`);
const ms = (x) => (x === null || x === undefined ? '?' : x < 10 ? `${x.toFixed(1)} ms` : `${Math.round(x).toLocaleString('en-US')} ms`);
const secs = (x) => `${(x / 1000).toFixed(1)} s`;
const int = (x) => Math.round(x).toLocaleString('en-US');
const mark = (met) => (met ? 'ok  ' : 'MISS');

/** The goals, judged on the daemon's figures when it ran, else on the in-process ones. */
function goals(f) {
  const d = f.daemon;
  const fastReady = d ? d.second.readyMs : f.inProcess.fast.readyMs;
  const fullReady = d ? d.first.readyMs : f.inProcess.full.openMs + f.inProcess.full.startMs + f.inProcess.full.check.ms;
  const rss = d ? d.second.rssAtReady : f.inProcess.fast.memory.beforeGc.rss;
  const rssFull = d ? d.first.rssAtReady : f.inProcess.full.memory.beforeGc.rss;
  const peak = d ? Math.max(d.first.peakRss ?? 0, d.second.peakRss ?? 0) || null : null;
  return {
    basis: d ? 'daemon' : 'in-process',
    readyAfterCleanStop: { ms: fastReady, target: GOAL_READY_MS, stretch: GOAL_READY_STRETCH_MS, met: fastReady < GOAL_READY_MS, stretchMet: fastReady < GOAL_READY_STRETCH_MS },
    // In-process without the daemon: the sum of the sequential parts (the daemon overlaps them).
    readyFull: { ms: fullReady, target: GOAL_READY_MS, stretch: GOAL_READY_STRETCH_MS, met: fullReady < GOAL_READY_MS, stretchMet: fullReady < GOAL_READY_STRETCH_MS },
    rss: { bytes: rss, target: GOAL_RSS_BYTES, met: rss !== null && rss < GOAL_RSS_BYTES },
    rssFull: { bytes: rssFull, target: GOAL_RSS_BYTES, met: rssFull !== null && rssFull < GOAL_RSS_BYTES },
    // The daemon's high-water mark over both runs, the startup backups included.
    peakRss: { bytes: peak, target: GOAL_RSS_BYTES, met: peak !== null && peak < GOAL_RSS_BYTES },
    p99Ratio: { ratio: f.backup.p99Ratio, target: GOAL_P99_RATIO, met: f.backup.p99Ratio <= GOAL_P99_RATIO },
  };
}

function printText(f) {
  const { full, fast, empty } = f.inProcess;
  const pad = (s, n) => String(s).padEnd(n);
  const memLine = (m) =>
    `rss ${mb(m.beforeGc.rss)} (heap ${mb(m.beforeGc.heapUsed)}), after gc rss ${mb(m.afterGc.rss)} (heap ${mb(m.afterGc.heapUsed)}; anon ${mb(m.afterGc.rssAnon)}, file ${mb(m.afterGc.rssFile)}; ${m.afterGc.osThreads} OS threads)`;
  const snapLine = (s) => (s.loaded_seq === null ? `folded all ${int(s.tail_records)} (snapshot: ${s.ignored})` : `snapshot at seq ${int(s.loaded_seq)} + ${int(s.tail_records)} records`);
  const L = [];
  L.push(
    `start benchmark (${int(f.records)} records over ${int(THREADS)} threads, ${mb(f.dbBytes)} log${f.logBuiltMs === null ? ', cached' : `, built in ${secs(f.logBuiltMs)}`}; node ${process.version}, ${f.cpus} cpus)`,
  );
  L.push('  in-process (kernel + auth fold, a fresh process per measurement, log copy in the page cache)');
  L.push(`    ${pad('full rebuild', 24)} ${pad(ms(full.startMs), 10)} kernel.start(), ${snapLine(full.foldSnapshot)}; store open ${ms(full.openMs)}`);
  L.push(`    ${pad('', 24)} ${pad('', 10)} ${memLine(full.memory)}`);
  L.push(`    ${pad('store check, no stamp', 24)} ${pad(ms(full.check.ms), 10)} checkStoreAtStart: how=${full.check.how}, ok=${full.check.ok} (every record against its id)`);
  L.push(`    ${pad('save fold snapshot', 24)} ${pad(ms(full.save.ms), 10)} ${mb(full.save.bytes)} file (${int(full.save.bytes)} bytes)`);
  L.push(`    ${pad(`tail`, 24)} ${pad(ms(full.tail.ms), 10)} ${int(full.tail.records)} records through ingestBatch (${int((full.tail.records / full.tail.ms) * 1000 || 0)} rec/s); clean close ${ms(full.closeMs)}`);
  L.push(`    ${pad('stamp verified', 24)} ${pad(ms(full.stampMs), 10)} stampVerified (sha256 of the closed file)`);
  L.push(`    ${pad('snapshot + tail start', 24)} ${pad(ms(fast.readyMs), 10)} start to ready: store open ${ms(fast.openMs)}, then kernel.start() ${ms(fast.startMs)} (${snapLine(fast.foldSnapshot)}) alongside checkStoreAtStart ${ms(fast.check.ms)} (how=${fast.check.how})`);
  L.push(`    ${pad('', 24)} ${pad('', 10)} ${memLine(fast.memory)}`);
  L.push(`    ${pad('empty log, for scale', 24)} ${pad('', 10)} ${memLine(empty.memory)}`);
  if (f.daemon) {
    const d = f.daemon;
    const line = (name, r) => [
      `    ${pad(name, 24)} ${pad(ms(r.readyMs), 10)} spawn to ready (port open at ${ms(r.portMs)}; phases seen ${r.phases.join(', ') || 'none'})`,
      `    ${pad('', 24)} ${pad('', 10)} daemon: state ready in ${ms(r.daemonSays?.stateMs)}: ${r.daemonSays?.how ?? '?'}`,
      `    ${pad('', 24)} ${pad('', 10)} VmRSS at ready ${mb(r.rssAtReady)} (anon ${mb(r.anonAtReady)}, file ${mb(r.fileAtReady)}, ${r.threadsAtReady} OS threads); startup backup ${secs(r.backupMs)}, then VmRSS ${mb(r.rssAfterBackup)}, peak ${mb(r.peakRss)}; SIGTERM stop ${ms(r.stopMs)}`,
    ];
    L.push('  daemon (spl serve --foreground, auth on, a copy of the log as hub.db)');
    L.push(...line('first start (full)', d.first));
    L.push(`    ${pad('', 24)} ${pad('', 10)} the stop left hub.db.folds: ${d.leftBehind.folds ? 'yes' : 'NO'}, hub.db.verified: ${d.leftBehind.verified ? 'yes' : 'NO'}`);
    L.push(...line('second start (fast)', d.second));
  }
  const b = f.backup;
  const loadLine = (name, r) => [
    `    ${pad(name, 24)} ${pad(`${int(r.reqPerS)} req/s`, 12)} p50 ${ms(r.p50Ms)}  p99 ${ms(r.p99Ms)}  max ${ms(r.maxMs)}   over ${r.seconds.toFixed(1)} s`,
    `    ${pad('', 24)} ${pad('', 12)} event-loop stall p99 ${ms(r.server.loopStall.p99Ms)}, max ${ms(r.server.loopStall.maxMs)}; commits of ${r.server.commits.meanRecords.toFixed(1)} records, ${r.server.commits.meanMs.toFixed(2)} ms from hand-over to commit on average; rss ${mb(r.server.memory.rss)}`,
  ];
  L.push(`  backup under load (in-process open API over ${int(b.records)} records, autocannon ${b.connections} connections, closed loop, POST /v1/records)`);
  L.push(...loadLine('without a backup', b.without));
  L.push(...loadLine('with a backup', b.with));
  L.push(
    `    ${pad('', 24)} backup ${secs(b.backup.ms)} (${b.backup.finishedInWindow ? 'finished inside the window' : `NOT finished inside the ${MAX_BACKUP_WINDOW_S} s window`}; ${int(b.backup.records)} records, ${mb(b.backup.bytes)}, replaced=${b.backup.replaced})`,
  );
  if (f.closed) {
    const c = f.closed;
    const bytes = (x) => (x === null ? '?' : `${int(x)} B`);
    const us = (x) => (x === null ? '?' : x < 1 ? `${Math.round(x * 1000)} µs` : ms(x));
    const run = (name, r) => [
      `    ${pad(name, 24)} ${pad(`${bytes(r.heapPerThread)}/thread`, 16)} heap ${mb(r.memory.heapUsed)} after gc (+${mb(r.memory.heapUsed - r.base.heapUsed)} over ${mb(r.base.heapUsed)} at start; heapTotal ${mb(r.memory.heapTotal)}), rss ${mb(r.memory.rss)} (anon ${mb(r.memory.rssAnon)})`,
      `    ${pad('', 24)} ${pad('', 16)} written in ${secs(r.closedMs)} + ${secs(r.afterMs)}; kernel.thread(first closed thread): ${r.firstThread ? `${r.firstThread.status}, ${r.firstThread.record_count} records` : 'undefined'} in ${us(r.firstThreadMs)}${r.nextThreads > 0 ? `, the next ${r.nextThreads} in ${us(r.nextThreadMs)} each` : ''}`,
    ];
    const r0 = c.evicted;
    L.push(`  closed threads (a fresh log each, kernel + auth fold, durability normal; both runs at once, ${secs(c.wallMs)})`);
    L.push(
      `    ${int(c.n)} threads of INTEND + KNOW fulfilling it, then ${int(r0.after)} KNOW on one other thread, up to seq ${int(r0.records)} (an eviction pass: every closed thread quiet for ≥ ${int(r0.after)} records)`,
    );
    L.push(`    heap/thread = growth of heapUsed over the same kernel's right after start, both after gc, / ${int(c.n)}`);
    L.push(...run('eviction off', c.kept));
    L.push(...run('eviction on (default)', c.evicted));
    if (c.kept.heapPerThread !== null && c.evicted.heapPerThread !== null) {
      L.push(`    ${pad('', 24)} ${pad('', 16)} eviction saves ${bytes(c.kept.heapPerThread - c.evicted.heapPerThread)} of heap per closed thread (${mb(c.kept.memory.heapUsed - c.evicted.memory.heapUsed)} in all) and ${mb(c.kept.memory.rss - c.evicted.memory.rss)} of RSS`);
    }
  }
  const g = f.goals;
  L.push(`  goals (${g.basis} figures; reported, never enforced)`);
  L.push(
    `    ${pad('ready after a clean stop', 24)} ${pad(ms(g.readyAfterCleanStop.ms), 10)} target < ${secs(GOAL_READY_MS)} ${mark(g.readyAfterCleanStop.met)}   stretch < ${secs(GOAL_READY_STRETCH_MS)} ${mark(g.readyAfterCleanStop.stretchMet)}`,
  );
  L.push(
    `    ${pad('ready, full rebuild', 24)} ${pad(ms(g.readyFull.ms), 10)} target < ${secs(GOAL_READY_MS)} ${mark(g.readyFull.met)}   stretch < ${secs(GOAL_READY_STRETCH_MS)} ${mark(g.readyFull.stretchMet)}   (first start, or after a crash)`,
  );
  L.push(`    ${pad('resident memory', 24)} ${pad(mb(g.rss.bytes), 10)} target < ${mb(GOAL_RSS_BYTES)} ${mark(g.rss.met)}   (RSS at ready after a clean stop)`);
  L.push(`    ${pad('', 24)} ${pad(mb(g.rssFull.bytes), 10)} target < ${mb(GOAL_RSS_BYTES)} ${mark(g.rssFull.met)}   (RSS at ready after a full rebuild, before any GC)`);
  if (g.peakRss.bytes !== null) L.push(`    ${pad('', 24)} ${pad(mb(g.peakRss.bytes), 10)} target < ${mb(GOAL_RSS_BYTES)} ${mark(g.peakRss.met)}   (peak RSS of the daemon, startup backups included)`);
  L.push(`    ${pad('p99 with / without backup', 24)} ${pad(`${g.p99Ratio.ratio.toFixed(2)}x`, 10)} target ≤ ${GOAL_P99_RATIO}x ${mark(g.p99Ratio.met)}   (req/s ${b.reqPerSRatio.toFixed(2)}x)`);
  process.stdout.write(L.join('\n') + '\n');
}

function warnings(f) {
  const out = [];
  for (const [name, r] of [['warm-up', f.backup.warm], ['without a backup', f.backup.without], ['with a backup', f.backup.with]]) {
    if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0) out.push(`load ${name}: ${r.non2xx} non-2xx answers, ${r.errors} errors, ${r.timeouts} timeouts; expected none`);
  }
  for (const [name, r] of [['without a backup', f.backup.without], ['with a backup', f.backup.with]]) {
    if (r.server.stored < r.ok) out.push(`load ${name}: the kernel stored ${r.server.stored} records but ${r.ok} were acknowledged`);
  }
  const { full, fast } = f.inProcess;
  if (!full.check.ok) out.push(`the store check without a stamp failed: ${full.check.problems.join('; ')}`);
  if (full.foldSnapshot.loaded_seq !== null) out.push('the full rebuild used a fold snapshot');
  if (fast.check.how !== 'stamp') out.push(`the fast path's store check did not use the stamp (${fast.check.stampUnused})`);
  if (fast.foldSnapshot.loaded_seq === null) out.push(`the fast path folded the whole log (${fast.foldSnapshot.ignored})`);
  else if (fast.foldSnapshot.tail_records !== full.tail.afterSnapshot) out.push(`the fast path folded ${fast.foldSnapshot.tail_records} records after the snapshot, expected ${full.tail.afterSnapshot}`);
  if (f.backup.backup.replaced !== true) out.push(`the backup did not replace the rolling backup (${f.backup.backup.guard})`);
  if (f.closed) {
    for (const [name, r] of [['eviction off', f.closed.kept], ['eviction on', f.closed.evicted]]) {
      const t = r.firstThread;
      if (t?.status !== 'closed' || t?.record_count !== 2) out.push(`closed threads, ${name}: kernel.thread(first closed thread) is ${t ? `${t.status} with ${t.record_count} records` : 'undefined'}, expected closed with 2`);
      for (const e of r.errors) out.push(`closed threads, ${name}: the kernel reported ${e}`);
    }
    if (f.closed.evicted.heapPerThread >= f.closed.kept.heapPerThread) out.push('closed threads: the heap with eviction on is no smaller than with it off');
  }
  if (f.daemon) {
    const d = f.daemon;
    if (!d.leftBehind.folds || !d.leftBehind.verified) out.push('the daemon\'s clean stop did not leave hub.db.folds and hub.db.verified');
    if (!/unchanged since its verified clean stop/.test(d.second.daemonSays?.how ?? '')) out.push(`the daemon's second start did not use the stamp: ${d.second.daemonSays?.how}`);
    if (!/fold snapshot at seq/.test(d.second.daemonSays?.how ?? '')) out.push(`the daemon's second start did not use the fold snapshot: ${d.second.daemonSays?.how}`);
    for (const [name, r] of [['first', d.first], ['second', d.second]]) if (!/startup backup:/.test(r.backupLine ?? '')) out.push(`the daemon's ${name} startup backup: ${r.backupLine}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const flags = parseFlags();
  const say = (line) => {
    if (!flags.json && process.stderr.isTTY) process.stderr.write(`  … ${line}\n`);
  };
  const root = mkdtempSync(join(tmpdir(), 'spl-bench-start-'));
  const cleanUp = () => {
    killAll();
    rmSync(root, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    cleanUp();
    process.exit(130);
  });
  try {
    const b0 = now();
    const existed = existsSync(join(CACHE, `start-${flags.records}-${THREADS}.db`));
    if (!existed) say(`building the ${int(flags.records)}-record log once into bench/.cache/ (about 45 s per million records)`);
    const cached = await benchLog(CACHE, flags.records, THREADS, say);
    const logBuiltMs = existed ? null : now() - b0;

    const inproc = join(root, 'in-process');
    mkdirSync(inproc);
    const db = join(inproc, 'hub.db');
    const copyMs = copyLog(cached, db);
    say('in-process: full rebuild, store check, fold snapshot, tail, stamp');
    const full = await inChild('full', { db, tail: flags.tail });
    say('in-process: snapshot + tail start');
    const fast = await inChild('fast', { db });
    const empty = await inChild('empty', { db: join(inproc, 'empty.db') });

    // The same copy (closed cleanly, with a fold snapshot): the serving process starts fast.
    const backup = await measureBackupUnderLoad(inproc, db, flags, say);
    rmSync(inproc, { recursive: true, force: true });

    const closed = flags.closedThreads > 0 ? await measureClosedThreads(root, flags.closedThreads, say) : null;

    const daemon = flags.daemon ? await measureDaemon(root, cached, say) : null;

    const figures = {
      records: flags.records,
      threads: THREADS,
      dbBytes: statSync(cached).size,
      logBuiltMs,
      copyMs,
      node: process.version,
      cpus: typeof availableParallelism === 'function' ? availableParallelism() : cpus().length,
      inProcess: { full, fast, empty },
      daemon,
      backup,
      closed,
    };
    figures.goals = goals(figures);
    const warn = warnings(figures);
    if (flags.json) process.stdout.write(JSON.stringify({ ...figures, warnings: warn }) + '\n');
    else {
      printText(figures);
      for (const w of warn) process.stdout.write(`  warning: ${w}\n`);
    }
  } finally {
    cleanUp();
  }
}

if (process.env[ROLE_ENV]) runChild(process.env[ROLE_ENV]);
else {
  main().catch((error) => {
    process.stderr.write(`bench:start crashed: ${error?.stack ?? error}\n`);
    process.exit(1);
  });
}
