#!/usr/bin/env node
// Ingest benchmark: prints figures, never asserts timing. See bench/README.md.
//
//   npm run bench:ingest [-- --durability full|normal] [--records N] [--duration S] [--json]
//   npm run bench:ingest -- --store postgres[=URL] [--records N] [--writers N] [--json]
//
// SQLite (the default): three measurements on fresh temp stores, plus one for context:
//   ceiling  raw better-sqlite3 INSERTs, 1000 rows per transaction, real schema
//   (a)      kernel.ingest() in-process, 1000 calls outstanding (group commit batches them)
//   (b)      POST /v1/records against the real daemon (`spl serve`) over loopback (wrk or autocannon)
//   bound    the ceiling's inserts again, in transactions of (b)'s mean commit group size
//
// PostgreSQL (--store postgres): four measurements, each on a fresh database of one server (a
// throwaway one started here through tooling/postgres-cluster.mjs, or the one at URL):
//   ceiling  raw pg: the store's append statement without the head counter, into a table without triggers
//   store    openPostgresLogStore + store.append of 1000-record batches
//   1 kernel kernel.ingest() from N concurrent writers
//   3 kernels three kernels (three store objects) on one database, N writers each, every kernel
//            then checked to have folded every record
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';

import { canonicalRecord, threadIdFor } from '@syncropel/algebra';
import { createKernel } from '@syncropel/kernel';
import { openPostgresLogStore } from '@syncropel/log-postgres';
import { openSqliteLogStore } from '@syncropel/log-sqlite';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import pg from 'pg';

import { startPostgresCluster } from '../tooling/postgres-cluster.mjs';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(REPO, 'apps', 'cli', 'dist', 'main.js');

const TARGET_A = 0.5; // (a) ≥ 50% of the ceiling
const TARGET_B = 0.25; // (b) ≥ 25% of the ceiling
const TX_ROWS = 1000; // ceiling: rows per transaction
const WINDOW = 1000; // (a): ingest calls outstanding at once
const CONNECTIONS = 32; // (b)
const WARMUP_S = 2; // (b)
const ACTORS = 16; // (ceiling, a): actors did:sync:user:w0..w15
const THREADS = Array.from({ length: 4 }, (_, i) => threadIdFor(`bench-ingest-thread-${i}`));
const SQLITE_RECORDS = 100000; // --records default for SQLite
const PG_RECORDS = 50000; // --records default for --store postgres: a few seconds per measurement
const PG_WRITERS = 64; // --writers default: concurrent kernel.ingest callers per kernel
const PG_BATCH = TX_ROWS; // ceiling and store: records per append, as the SQLite ceiling's rows per transaction
const PG_KERNELS = 3; // the shared-log measurement

// ---------------------------------------------------------------------------------------------
// Flags

/** The act of every benchmark record (set by --act). */
let ACT = 'KNOW';

function parseFlags() {
  let values;
  try {
    ({ values } = parseArgs({
    options: {
      store: { type: 'string', default: 'sqlite' },
      // No defaults here for the SQLite-only flags, so --store postgres can refuse them when given.
      durability: { type: 'string' },
      records: { type: 'string' },
      duration: { type: 'string' },
      writers: { type: 'string' },
      json: { type: 'boolean', default: false },
      load: { type: 'string' },
      act: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    }));
  } catch (error) {
    usage(error.message);
  }
  if (values.help) {
    process.stdout.write(
      'usage: node bench/ingest.mjs [--durability full|normal] [--records N] [--duration S] [--json]\n' +
        '       node bench/ingest.mjs --store postgres[=URL] [--records N] [--writers N] [--json]\n' +
        '  --store       sqlite (default), or postgres: a throwaway server started for the run (fsync off);\n' +
        '                postgres=URL or a bare postgres://URL measures that server instead (its role needs CREATEDB:\n' +
        '                the bench creates spl_bench_* databases beside the one named and drops them at the end)\n' +
        '  --durability  SQLite only: synchronous level for every store (default full, the daemon default)\n' +
        `  --records     SQLite: rows for the ceiling and the store bound, records for (a) (default ${SQLITE_RECORDS});\n` +
        `                PostgreSQL: records for each of the four measurements (default ${PG_RECORDS})\n` +
        '  --duration    SQLite only: seconds of measured HTTP load for (b), after a 2 s warm-up (default 10)\n' +
        `  --writers     PostgreSQL only: concurrent kernel.ingest callers per kernel (default ${PG_WRITERS})\n` +
        '  --json        print the figures as one JSON object\n' +
        '  --act         SQLite only: KNOW (default: plain facts) or DO (records that ask for work; the daemon answers each)\n' +
        '  --load        SQLite only: HTTP load tool for (b): wrk (lighter, apt-get install wrk), autocannon, or auto (wrk when installed)\n',
    );
    process.exit(0);
  }
  const store = parseStore(values.store);
  if (store.kind === 'postgres') {
    for (const flag of ['durability', 'duration', 'load', 'act']) if (values[flag] !== undefined) usage(`--${flag} applies to the SQLite run only, not to --store postgres`);
    const records = Number(values.records ?? PG_RECORDS);
    if (!Number.isSafeInteger(records) || records < 1000) usage(`--records must be an integer ≥ 1000, got ${values.records}`);
    const writers = Number(values.writers ?? PG_WRITERS);
    if (!Number.isSafeInteger(writers) || writers < 1 || writers > 1000) usage(`--writers must be an integer 1..1000, got ${values.writers}`);
    return { store, records, writers, json: values.json };
  }
  if (values.writers !== undefined) usage('--writers applies to --store postgres only');
  const durability = values.durability ?? 'full';
  if (durability !== 'full' && durability !== 'normal') usage(`--durability must be full or normal, got ${durability}`);
  const records = Number(values.records ?? SQLITE_RECORDS);
  if (!Number.isSafeInteger(records) || records < 1000) usage(`--records must be an integer ≥ 1000, got ${values.records}`);
  const duration = Number(values.duration ?? 10);
  if (!Number.isFinite(duration) || duration < 1 || duration > 60) usage(`--duration must be 1..60 seconds, got ${values.duration}`);
  ACT = values.act ?? 'KNOW';
  if (ACT !== 'KNOW' && ACT !== 'DO') usage(`--act must be KNOW or DO, got ${ACT}`);
  const loadFlag = values.load ?? 'auto';
  if (!['auto', 'wrk', 'autocannon'].includes(loadFlag)) usage(`--load must be auto, wrk or autocannon, got ${loadFlag}`);
  const hasWrk = spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;
  if (loadFlag === 'wrk' && !hasWrk) usage('--load wrk: wrk is not installed (apt-get install wrk)');
  const load = loadFlag === 'auto' ? (hasWrk ? 'wrk' : 'autocannon') : loadFlag;
  return { store, durability, records, duration, json: values.json, load };
}

/**
 * `sqlite`, `postgres` (a throwaway server), `postgres=URL`, or a bare `postgres://…` /
 * `postgresql://…` URL. The URL names a server (and a role that may create databases); the bench
 * works in fresh databases of its own there.
 */
function parseStore(value) {
  if (value === 'sqlite') return { kind: 'sqlite' };
  if (value === 'postgres') return { kind: 'postgres', url: undefined };
  const url = value.startsWith('postgres=') ? value.slice('postgres='.length) : value;
  if (/^postgres(ql)?:\/\//.test(url) && URL.canParse(url)) return { kind: 'postgres', url };
  usage(`--store must be sqlite, postgres, postgres=URL or a postgres:// URL, got ${value.replace(/:[^:@/]*@/, ':***@')}`);
}

function usage(message) {
  process.stderr.write(`bench:ingest: ${message}\n`);
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// The record shape: a KNOW record (a fact: it asks for no work, so the daemon's work loop adds
// nothing), ~410 bytes canonical, with a 200-character string in its body. `--act DO` measures
// records that ask for work instead: the daemon then also writes one answer per record.

const NOTE_CHARS = 200;
const FILLER = ' progress note: '.padEnd(NOTE_CHARS, 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor ');

function makeRecord(worker, thread, clock, n, actor = `did:sync:user:w${worker}`) {
  return {
    parents: [],
    thread,
    actor,
    act: ACT,
    body: { kind: 'step', n, ok: true, note: `${n}${FILLER}`.slice(0, NOTE_CHARS) },
    clock,
    data_type: 'SCALAR',
    judged_by: null,
  };
}

/** N records over ACTORS actors × THREADS threads, clock increasing per (actor, thread). */
function makeRecords(n) {
  const clocks = new Map();
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const worker = i % ACTORS;
    const thread = THREADS[Math.floor(i / ACTORS) % THREADS.length];
    const key = `${worker}|${thread}`;
    const clock = (clocks.get(key) ?? -1) + 1;
    clocks.set(key, clock);
    out[i] = makeRecord(worker, thread, clock, i);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Ceiling: raw better-sqlite3, real schema, 1000-row transactions. The same with (b)'s mean
// commit group size gives the store's own bound on (b): what raw SQLite reaches with commits that
// small, before any HTTP, hashing or thread hand-over.

async function measureCeiling(dir, durability, records, txRows = TX_ROWS) {
  const path = join(dir, 'ceiling.db');
  // The shipped migrations (table, indexes, append-only triggers), then a plain connection.
  await openSqliteLogStore({ path, durability, checkpointIntervalMs: 0 }).close();
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${durability === 'full' ? 'FULL' : 'NORMAL'}`);
  const insert = db.prepare(
    'INSERT INTO records (id, thread, actor, act, clock, data_type, judged_by, parents, body, sig, ingested_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const now = Date.now();
  // Precomputed so the timed part is SQLite only.
  const rows = records.map((r) => [
    createHash('sha256').update(canonicalRecord(r)).digest('hex'),
    r.thread,
    r.actor,
    r.act,
    r.clock,
    r.data_type,
    r.judged_by,
    JSON.stringify(r.parents),
    JSON.stringify(r.body),
    null,
    now,
  ]);
  const insertMany = db.transaction((from, to) => {
    for (let i = from; i < to; i++) insert.run(rows[i]);
  });
  const t0 = performance.now();
  for (let i = 0; i < rows.length; i += txRows) insertMany(i, Math.min(i + txRows, rows.length));
  const elapsed = (performance.now() - t0) / 1000;
  db.close();
  return { recPerS: rows.length / elapsed, elapsedS: elapsed, txRows };
}

// ---------------------------------------------------------------------------------------------
// (a) kernel.ingest in-process, a sliding window of WINDOW outstanding calls.

async function measureKernel(dir, durability, records) {
  const store = openSqliteLogStore({ path: join(dir, 'kernel.db'), durability });
  const kernel = createKernel({ store });
  await kernel.start();
  const n = records.length;
  const latency = new Float64Array(n);
  let next = 0;
  let done = 0;
  const t0 = performance.now();
  await new Promise((resolve, reject) => {
    const launch = () => {
      const i = next++;
      const start = performance.now();
      kernel.ingest(records[i]).then((result) => {
        latency[i] = performance.now() - start;
        if (result.status !== 'created') return reject(new Error(`record ${i} was ${result.status}, expected created`));
        if (++done === n) resolve();
        else if (next < n) launch();
      }, reject);
    };
    for (let k = 0; k < Math.min(WINDOW, n); k++) launch();
  });
  const elapsed = (performance.now() - t0) / 1000;
  const stored = await store.count();
  await kernel.stop();
  await store.close();
  if (stored !== n) throw new Error(`kernel run stored ${stored} records, expected ${n}`);
  latency.sort();
  return {
    recPerS: n / elapsed,
    elapsedS: elapsed,
    p50Ms: latency[Math.floor(n * 0.5)],
    p99Ms: latency[Math.min(n - 1, Math.floor(n * 0.99))],
  };
}

// ---------------------------------------------------------------------------------------------
// (b) the real daemon over loopback, driven by autocannon.

/** Daemons still running, so Ctrl-C can stop them before the temp dir is removed. */
const running = new Set();

/**
 * Starts `spl serve` as shipped (auth required), minting the first admin service account from
 * SPL_BOOTSTRAP_TOKEN; every request then carries the matching bearer, as a real client would.
 */
function startDaemon(dir, durability) {
  const secret = randomBytes(32).toString('hex');
  const env = {
    ...process.env,
    HOME: dir,
    SYNCROPEL_HOME: join(dir, '.syncro'),
    XDG_DATA_HOME: join(dir, '.local', 'share'),
    SPL_BOOTSTRAP_TOKEN: secret,
  };
  delete env.SPL_TOKEN;
  const child = spawn(process.execPath, [CLI, 'serve', '--foreground', '--port', '0', '--durability', durability], {
    cwd: REPO,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const url = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`daemon did not print its address within 20 s\n${stdout}${stderr}`)), 20_000);
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
      const m = /^\s*listening\s+(http:\/\/\S+)/m.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`daemon exited early (code ${code}, signal ${signal})\n${stdout}${stderr}`));
    });
  });
  const daemon = {
    child,
    url,
    authorization: `Bearer spl_prod_sa-bootstrap-env_${secret}`,
    stderr: () => stderr,
    async stop() {
      running.delete(daemon);
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
  running.add(daemon);
  return daemon;
}

/**
 * The DID HTTP load writes as: a token writes only as its own account, so the HTTP runs spread
 * their clocks over threads (one per connection, or per request with wrk) instead of actors.
 */
const HTTP_ACTOR = 'did:sync:sa:sa-bootstrap-env';

/** Each connection writes on its own thread, with a clock that increases per request. */
function loadOptions(url, authorization, seconds, nextActor) {
  return {
    url: `${url}/v1/records`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    connections: CONNECTIONS,
    pipelining: 1,
    duration: seconds,
    setupClient(client) {
      const worker = nextActor();
      const thread = threadIdFor(`bench-http-${worker}`);
      let clock = 0;
      client.setRequests([
        {
          setupRequest(req) {
            req.body = JSON.stringify(makeRecord(worker, thread, clock, clock, HTTP_ACTOR));
            clock++;
            return req;
          },
        },
      ]);
    },
  };
}

/**
 * wrk's Lua hook: every request writes on a fresh thread at clock 0 (wrk cannot tell which
 * connection sends a request, so a per-connection clock could arrive out of order and be refused;
 * and a token writes only as its own account, so fresh actors are not an option). Thread ids
 * carry SPL_BENCH_RUN (24 hex), distinct per wrk run: Lua's math.random is unseeded, so anything
 * derived from it repeats across runs and the measured run would only re-post the warm-up's
 * records (answered 200 as duplicates, stored nothing).
 */
const WRK_SCRIPT = `
local counter = 0
local threads = 0
setup = function(thread) threads = threads + 1; thread:set("tid", threads) end
init = function(args) prefix = "th_" .. os.getenv("SPL_BENCH_RUN") .. string.format("%08x", tid) end
request = function()
  counter = counter + 1
  local thread = prefix .. string.format("%08x", counter) .. string.rep("0", 24)
  local body = '{"parents":[],"thread":"' .. thread .. '","actor":"ACTOR","act":"ACT","body":{"kind":"bench","n":' .. counter ..
    ',"note":"' .. string.rep("x", 200) .. '","ok":true},"clock":0,"data_type":"SCALAR"}'
  return wrk.format("POST", "/v1/records", { ["content-type"] = "application/json", ["authorization"] = os.getenv("SPL_BENCH_AUTH") }, body)
end
`;

/** Runs wrk and reads its summary: requests/s, latency percentiles and the non-2xx count. */
function runWrk(dir, url, authorization, seconds, run) {
  const script = join(dir, 'post.lua');
  writeFileSync(script, WRK_SCRIPT.replace('"actor":"ACTOR"', `"actor":"${HTTP_ACTOR}"`).replace('"act":"ACT"', `"act":"${ACT}"`));
  // 24 hex: a random tag per process, then the run's own digit, so no two runs share a thread.
  const tag = `${randomBytes(8).toString('hex')}${run === 'warm' ? 'a' : 'b'}`.padEnd(24, '0');
  const r = spawnSync('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', '-s', script, `${url}`], {
    env: { ...process.env, SPL_BENCH_AUTH: authorization, SPL_BENCH_RUN: tag },
    encoding: 'utf8',
    timeout: (seconds + 30) * 1000,
  });
  const out = r.stdout ?? '';
  const number = (re) => Number(re.exec(out)?.[1] ?? NaN);
  const latency = (p) => {
    const m = new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
    if (!m) return NaN;
    return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
  };
  const total = number(/(\d+) requests in/);
  const elapsed = number(/requests in ([\d.]+)s/);
  const non2xx = number(/Non-2xx or 3xx responses: (\d+)/) || 0;
  const errors = Number(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out)?.slice(1, 4).reduce((a, b) => a + Number(b), 0) ?? 0);
  const timeouts = Number(/timeout (\d+)/.exec(out)?.[1] ?? 0);
  return { ok: total - non2xx, elapsed, non2xx, errors, timeouts, p50: latency(50), p99: latency(99), raw: out };
}

async function measureHttp(dir, durability, seconds, load) {
  if (load === 'wrk') return measureHttpWrk(dir, durability, seconds);
  const daemon = startDaemon(dir, durability);
  try {
    const url = await daemon.url;
    let actor = 1000; // w1000.. so the HTTP actors never look like the in-process ones
    const nextActor = () => actor++;
    const auth = daemon.authorization;
    const before = await daemonFacts(url, auth);
    const warm = await autocannon(loadOptions(url, auth, WARMUP_S, nextActor));
    const result = await autocannon(loadOptions(url, auth, seconds, nextActor));
    const after = await daemonFacts(url, auth);
    const ok = result['2xx'];
    return {
      recPerS: ok / result.duration,
      elapsedS: result.duration,
      ok,
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, s]) => [code, s.count])),
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      warmup: { ok: warm['2xx'], non2xx: warm.non2xx, errors: warm.errors },
      ...storedCheck(before, after, warm['2xx'] + ok),
    };
  } finally {
    const { code, signal } = await daemon.stop();
    if (code !== 0) process.stderr.write(`bench:ingest: daemon exited with code ${code} signal ${signal}\n${daemon.stderr()}`);
  }
}

/** The daemon's record count and commit figures, from its health surface. */
async function daemonFacts(url, authorization) {
  const answer = await fetch(`${url}/v1/engine/health?details=true`, { headers: { authorization } });
  if (!answer.ok) throw new Error(`GET /v1/engine/health answered ${answer.status}`);
  const health = await answer.json();
  return { recordCount: health.record_count, ingest: health.loops.ingest };
}

/**
 * Every 2xx of the run must be a new record (a duplicate is answered 200 but stores nothing, so
 * counting it would flatter the figure); more stored than counted is fine (answered after the load
 * tool stopped listening). Also reports how the daemon grouped the commits.
 */
function storedCheck(before, after, acknowledged) {
  const stored = after.recordCount - before.recordCount;
  return {
    storedRecords: stored,
    storedMismatch: stored < acknowledged ? acknowledged - stored : 0,
    commits: { groups: after.ingest.commit_groups, meanGroupRecords: after.ingest.mean_group_records, meanCommitMs: after.ingest.mean_commit_ms },
  };
}

async function measureHttpWrk(dir, durability, seconds) {
  const daemon = startDaemon(dir, durability);
  try {
    const url = await daemon.url;
    const before = await daemonFacts(url, daemon.authorization);
    const warm = runWrk(dir, url, daemon.authorization, WARMUP_S, 'warm');
    const result = runWrk(dir, url, daemon.authorization, seconds, 'measured');
    if (Number.isNaN(result.elapsed)) throw new Error(`could not read wrk's output:\n${result.raw}`);
    const after = await daemonFacts(url, daemon.authorization);
    return {
      recPerS: result.ok / result.elapsed,
      elapsedS: result.elapsed,
      ok: result.ok,
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      statusCodes: {},
      p50Ms: result.p50,
      p99Ms: result.p99,
      warmup: { ok: warm.ok, non2xx: warm.non2xx, errors: warm.errors },
      ...storedCheck(before, after, warm.ok + result.ok),
    };
  } finally {
    const { code, signal } = await daemon.stop();
    if (code !== 0) process.stderr.write(`bench:ingest: daemon exited with code ${code} signal ${signal}\n${daemon.stderr()}`);
  }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL (--store postgres): four measurements, each in a fresh database of one server.

/**
 * The server to measure: a throwaway one (initdb in a temp dir, fsync off; stopped by pid in
 * `close`) or the one at `url`, where fresh `spl_bench_*` databases are created beside the one
 * named and dropped in `close`. `close` is safe to call twice (the run's end and Ctrl-C).
 */
async function openPostgresServer(url) {
  if (url === undefined) {
    const cluster = await startPostgresCluster();
    return {
      throwaway: true,
      url: cluster.url,
      pid: cluster.pid,
      newDatabase: (name) => cluster.createDatabase(`bench_${name}`),
      close: () => cluster.stop(),
    };
  }
  const tag = randomBytes(4).toString('hex');
  const created = [];
  const admin = async (statement) => {
    const client = new pg.Client({ connectionString: url, application_name: 'spl-bench' });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  return {
    throwaway: false,
    url,
    pid: undefined,
    async newDatabase(name) {
      const db = `spl_bench_${tag}_${name}`;
      try {
        await admin(`CREATE DATABASE ${db}`);
      } catch (e) {
        throw new Error(`cannot create database ${db} on ${redact(url)} (the bench needs a role with CREATEDB): ${e.message}`);
      }
      created.push(db);
      const u = new URL(url);
      u.pathname = `/${db}`;
      return u.toString();
    },
    async close() {
      while (created.length > 0) await admin(`DROP DATABASE IF EXISTS ${created.pop()}`).catch(() => undefined);
    },
  };
}

/** The server's version and the settings that decide what a commit costs. */
async function serverFacts(url) {
  const client = new pg.Client({ connectionString: url, application_name: 'spl-bench', connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (e) {
    throw new Error(`cannot connect to ${redact(url)}: ${e.message}`);
  }
  try {
    const setting = async (name) => (await client.query(`SHOW ${name}`)).rows[0][name];
    return {
      version: await setting('server_version'),
      fsync: await setting('fsync'),
      synchronousCommit: await setting('synchronous_commit'),
      fullPageWrites: await setting('full_page_writes'),
    };
  } finally {
    await client.end();
  }
}

/** Records in PG_BATCH-record appends, ids and JSON computed before any clock starts. */
function appendBatches(records) {
  const batches = [];
  for (let i = 0; i < records.length; i += PG_BATCH) {
    batches.push(records.slice(i, i + PG_BATCH).map((record) => ({ id: createHash('sha256').update(canonicalRecord(record)).digest('hex'), record })));
  }
  return batches;
}

/** The columns of `records`, as the store creates them; the ceiling's table has the same. */
const PG_COLUMNS = 'seq, id, thread, actor, act, clock, data_type, judged_by, parents, body, sig, ingested_at';

/**
 * Ceiling: the store's own append statement (one `INSERT … SELECT … FROM unnest(…) WITH
 * ORDINALITY … RETURNING seq` per batch, over one connection) with seq computed by the client
 * instead of taken from the head row, into a table with the same columns, keys and indexes but no
 * triggers. What is left to the store is the head counter and the triggers (clock, notify).
 */
async function measurePgCeiling(url, records, serverPid) {
  const batches = appendBatches(records).map((entries) => pgColumns(entries));
  const client = new pg.Client({ connectionString: url, application_name: 'spl-bench' });
  await client.connect();
  try {
    await client.query(`
      CREATE TABLE plain_records (
        seq BIGINT PRIMARY KEY, id TEXT NOT NULL UNIQUE, thread TEXT NOT NULL, actor TEXT NOT NULL, act TEXT NOT NULL,
        clock BIGINT NOT NULL, data_type TEXT NOT NULL, judged_by TEXT, parents TEXT NOT NULL, body TEXT NOT NULL,
        sig TEXT, ingested_at BIGINT NOT NULL);
      CREATE INDEX plain_records_thread_seq ON plain_records (thread, seq);
      CREATE INDEX plain_records_actor_seq ON plain_records (actor, seq);`);
    const text = `
      INSERT INTO plain_records (${PG_COLUMNS})
      SELECT $1::bigint + t.ord, t.id, t.thread, t.actor, t.act, t.clock, t.data_type, t.judged_by, t.parents, t.body, t.sig, $12::bigint
      FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
        WITH ORDINALITY AS t(id, thread, actor, act, clock, data_type, judged_by, parents, body, sig, ord)
      ORDER BY t.ord
      RETURNING seq`;
    let base = 0;
    const cpu = cpuMeter(serverPid);
    const t0 = performance.now();
    for (const columns of batches) {
      const { rowCount } = await client.query({ name: 'bench_plain_append', text, values: [base, ...columns, Date.now()], rowMode: 'array' });
      base += rowCount;
    }
    const elapsed = (performance.now() - t0) / 1000;
    return { recPerS: base / elapsed, elapsedS: elapsed, batch: PG_BATCH, cpu: cpu() };
  } finally {
    await client.end();
  }
}

/** Store alone: `store.append` of the same batches, one after another. */
async function measurePgStore(url, records, serverPid) {
  const batches = appendBatches(records);
  const store = await openPostgresLogStore({ url });
  try {
    let stored = 0;
    const cpu = cpuMeter(serverPid);
    const t0 = performance.now();
    for (const entries of batches) stored += (await store.append(entries)).length;
    const elapsed = (performance.now() - t0) / 1000;
    const used = cpu();
    const count = await store.count();
    if (count !== records.length || stored !== records.length) throw new Error(`store run stored ${count} records, expected ${records.length}`);
    return { recPerS: stored / elapsed, elapsedS: elapsed, batch: PG_BATCH, cpu: used };
  } finally {
    await store.close();
  }
}

/**
 * `kernels` kernels on one database, each with its own store object (as that many daemons
 * would have), `writers` concurrent callers each. Each caller writes as its own actor, one
 * `kernel.ingest` at a time with an increasing clock, so no two writers (and no two kernels) ever
 * race on a clock; together they take `total` records from one counter. rec/s counts the
 * acknowledged records over the time to the last acknowledgement. Then it waits until every
 * kernel has folded the whole log and checks they agree.
 */
async function measurePgKernels(url, kernels, writers, total, serverPid) {
  const stores = [];
  const running = [];
  try {
    for (let k = 0; k < kernels; k++) stores.push(await openPostgresLogStore({ url }));
    for (let k = 0; k < kernels; k++) running.push(createKernel({ store: stores[k], actor: `did:sync:engine:bench-k${k}` }));
    await Promise.all(running.map((kernel) => kernel.start()));
    const before = await stores[0].count();
    const latency = new Float64Array(total);
    let next = 0;
    const writer = async (kernel, k, w) => {
      const actor = `did:sync:user:k${k}w${w}`;
      const thread = THREADS[w % THREADS.length];
      for (let clock = 0; ; clock++) {
        const n = next++;
        if (n >= total) return;
        const start = performance.now();
        const result = await kernel.ingest(makeRecord(w, thread, clock, n, actor));
        latency[n] = performance.now() - start;
        if (result.status !== 'created') throw new Error(`record ${n} was ${result.status}, expected created`);
      }
    };
    const cpu = cpuMeter(serverPid);
    const t0 = performance.now();
    await Promise.all(running.flatMap((kernel, k) => Array.from({ length: writers }, (_, w) => writer(kernel, k, w))));
    const elapsed = (performance.now() - t0) / 1000;
    // Every kernel must fold every record, its own and the others' (followed through NOTIFY).
    const head = await stores[0].count();
    const deadline = Date.now() + 60_000;
    while (running.some((kernel) => kernel.health().head_seq < head) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const caughtUpMs = performance.now() - t0 - elapsed * 1000;
    const used = cpu();
    const healths = running.map((kernel) => kernel.health());
    const commits = running.map((kernel) => {
      const ingest = kernel.healthDetails().loops.ingest;
      return { groups: ingest.commit_groups, meanGroupRecords: ingest.mean_group_records, meanCommitMs: ingest.mean_commit_ms };
    });
    latency.sort();
    return {
      kernels,
      writers,
      recPerS: total / elapsed,
      elapsedS: elapsed,
      p50Ms: latency[Math.floor(total * 0.5)],
      p99Ms: latency[Math.min(total - 1, Math.floor(total * 0.99))],
      acknowledged: total,
      stored: head - before,
      head,
      headSeqs: healths.map((h) => h.head_seq),
      recordCounts: healths.map((h) => h.record_count),
      caughtUpMs,
      cpu: used,
      commits,
    };
  } finally {
    await Promise.allSettled(running.map((kernel) => kernel.stop()));
    await Promise.allSettled(stores.map((store) => store.close()));
  }
}

/** The column arrays of one batch, in the order of the append statement's $2..$11. */
function pgColumns(entries) {
  const cols = Array.from({ length: 10 }, () => new Array(entries.length));
  entries.forEach(({ id, record }, i) => {
    const row = [id, record.thread, record.actor, record.act, record.clock, record.data_type, record.judged_by ?? null, JSON.stringify(record.parents), JSON.stringify(record.body), record.sig ?? null];
    for (let c = 0; c < 10; c++) cols[c][i] = row[c];
  });
  return cols;
}

/**
 * Starts counting CPU time; the returned function gives the seconds used since, by this process
 * and (given the postmaster's pid, i.e. on the throwaway server) by the server: the postmaster,
 * its live children (backends, walwriter, …) and the children it has reaped. Tells whether a
 * measurement waited on round trips or ran out of CPU on these shared cores.
 */
function cpuMeter(serverPid) {
  const node0 = process.cpuUsage();
  const server0 = serverPid === undefined ? undefined : serverCpuSeconds(serverPid);
  return () => {
    const node = process.cpuUsage(node0);
    return {
      nodeS: (node.user + node.system) / 1e6,
      serverS: server0 === undefined ? null : serverCpuSeconds(serverPid) - server0,
    };
  };
}

/** utime + stime of the postmaster, its reaped children (cutime + cstime) and its live children, from /proc. */
function serverCpuSeconds(pid) {
  const fields = (p) => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces), from field 3 (state) on.
      return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    } catch {
      return undefined; // gone meanwhile
    }
  };
  let ticks = 0;
  const own = fields(pid);
  if (own) ticks += Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const f = fields(entry);
    if (f && Number(f[1]) === pid) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks / CLOCK_TICKS;
}

/** The kernel's clock ticks per second for /proc times (USER_HZ; 100 on Linux everywhere in practice). */
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/** A URL fit to print: no password. */
function redact(url) {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

/** Servers still running (or databases still to drop), so Ctrl-C can stop them. */
const servers = new Set();

async function mainPostgres(flags) {
  const say = (line) => {
    if (!flags.json && process.stderr.isTTY) process.stderr.write(`  … ${line}\n`);
  };
  say(flags.store.url === undefined ? 'starting a throwaway PostgreSQL server' : `connecting to ${redact(flags.store.url)}`);
  const server = await openPostgresServer(flags.store.url);
  servers.add(server);
  try {
    const facts = await serverFacts(server.url);
    const records = makeRecords(flags.records);
    const recordBytes = Math.round(records.slice(0, 100).reduce((sum, r) => sum + Buffer.byteLength(canonicalRecord(r)), 0) / 100);
    say(`ceiling: ${flags.records} raw inserts in ${PG_BATCH}-row statements`);
    const ceiling = await measurePgCeiling(await server.newDatabase('ceiling'), records, server.pid);
    say(`store: ${flags.records} records through store.append`);
    const store = await measurePgStore(await server.newDatabase('store'), records, server.pid);
    say(`1 kernel: ${flags.records} kernel.ingest calls from ${flags.writers} writers`);
    const one = await measurePgKernels(await server.newDatabase('kernel1'), 1, flags.writers, flags.records, server.pid);
    say(`${PG_KERNELS} kernels: ${flags.records} kernel.ingest calls from ${PG_KERNELS} × ${flags.writers} writers`);
    const shared = await measurePgKernels(await server.newDatabase(`kernel${PG_KERNELS}`), PG_KERNELS, flags.writers, flags.records, server.pid);
    const figures = {
      store: 'postgres',
      server: { ...facts, throwaway: server.throwaway, url: redact(server.url) },
      records: flags.records,
      recordBytes,
      node: process.version,
      cpus: typeof availableParallelism === 'function' ? availableParallelism() : cpus().length,
      ceiling,
      logStore: { ...store, ratio: store.recPerS / ceiling.recPerS },
      kernel: { ...one, ratio: one.recPerS / ceiling.recPerS },
      sharedKernels: { ...shared, ratio: shared.recPerS / ceiling.recPerS },
    };
    const warn = pgWarnings(figures);
    if (flags.json) process.stdout.write(JSON.stringify({ ...figures, warnings: warn }) + '\n');
    else {
      printPgText(figures);
      for (const w of warn) process.stdout.write(`  warning: ${w}\n`);
    }
  } finally {
    servers.delete(server);
    await server.close();
  }
}

function printPgText(f) {
  const pad = (s, n) => s.padEnd(n);
  const rate = (x) => `${int(x)} rec/s`.padStart(14);
  const s = f.server;
  const of = (m) => `${pct(m.ratio).padStart(4)} of ceiling`;
  // CPU seconds over the measurement's wall time: near the cores the machine has means it ran out of CPU.
  const cpu = (m) =>
    `cpu ${m.cpu.nodeS.toFixed(1)} s node` + (m.cpu.serverS === null ? '' : ` + ${m.cpu.serverS.toFixed(1)} s server`) + ` in ${m.elapsedS.toFixed(1)} s`;
  const kernelLine = (label, what, m) => `  ${pad(label, 9)} ${pad(what, 48)} ${rate(m.recPerS)}   ${of(m)}   ${cpu(m)}   p50 ${ms(m.p50Ms)} ms  p99 ${ms(m.p99Ms)} ms`;
  const commitLine = (m) =>
    m.kernels === 1
      ? `commits: ${int(m.commits[0].groups)} groups of ${m.commits[0].meanGroupRecords.toFixed(1)} records, ${m.commits[0].meanCommitMs.toFixed(2)} ms from hand-over to commit on average`
      : `commits (groups × mean records, mean ms from hand-over to commit): ` +
        m.commits.map((c, k) => `k${k} ${int(c.groups)} × ${c.meanGroupRecords.toFixed(1)}, ${c.meanCommitMs.toFixed(2)} ms`).join('; ');
  const foldLine = (m) =>
    pgFoldProblem(m) === undefined
      ? [
          `${m.kernels === 1 ? 'the kernel' : `all ${m.kernels} kernels`} folded all ${int(m.head)} records (head_seq ${int(m.head)}` +
            `${m.kernels > 1 ? ' on every kernel' : ''}, ${int(m.acknowledged)} acknowledged), ${ms(m.caughtUpMs)} ms after the last acknowledgement`,
        ]
      : []; // reported as a warning instead
  const lines = [
    `ingest benchmark, PostgreSQL (${int(f.records)} KNOW records of ~${f.recordBytes} bytes per measurement, node ${process.version}, ${f.cpus} cpus)`,
    `  ${pad('server', 9)} PostgreSQL ${s.version.split(' ')[0]}, fsync=${s.fsync}, synchronous_commit=${s.synchronousCommit}, full_page_writes=${s.fullPageWrites}, ` +
      (s.throwaway ? 'a throwaway server started by this run, on the same cores' : `at ${s.url}`),
    `  ${pad('ceiling', 9)} ${pad(`raw pg, INSERT … SELECT FROM unnest, ${f.ceiling.batch} rows`, 48)} ${rate(f.ceiling.recPerS)}   ${pad('', 14)}   ${cpu(f.ceiling)}`,
    `  ${pad('store', 9)} ${pad(`PostgreSQL LogStore.append, ${f.logStore.batch}-record batches`, 48)} ${rate(f.logStore.recPerS)}   ${of(f.logStore)}   ${cpu(f.logStore)}`,
    kernelLine('1 kernel', `kernel.ingest, ${f.kernel.writers} concurrent writers`, f.kernel),
    ...[commitLine(f.kernel), ...foldLine(f.kernel)].map((l) => `  ${pad('', 9)} ${l}`),
    kernelLine(`${f.sharedKernels.kernels} kernels`, `kernel.ingest, ${f.sharedKernels.kernels} × ${f.sharedKernels.writers} writers, one database`, f.sharedKernels),
    ...[commitLine(f.sharedKernels), ...foldLine(f.sharedKernels)].map((l) => `  ${pad('', 9)} ${l}`),
  ];
  if (s.throwaway) lines.push('  fsync is off on the throwaway server, so no commit waits for a disk: CPU and round trips only. --store postgres=URL measures a real server.');
  process.stdout.write(lines.join('\n') + '\n');
}

/** Why a kernel run's end state is wrong, or undefined when every kernel folded every acknowledged record. */
function pgFoldProblem(m) {
  if (m.stored !== m.acknowledged) return `the database holds ${m.stored} new records but ${m.acknowledged} were acknowledged`;
  if (m.headSeqs.some((h) => h !== m.head)) return `head_seq per kernel is ${m.headSeqs.join(', ')}, the database's head is ${m.head}`;
  if (m.recordCounts.some((c) => c !== m.head)) return `record_count per kernel is ${m.recordCounts.join(', ')}, the database holds ${m.head}`;
  return undefined;
}

function pgWarnings(f) {
  const out = [];
  for (const [label, m] of [['1 kernel', f.kernel], [`${f.sharedKernels.kernels} kernels`, f.sharedKernels]]) {
    const problem = pgFoldProblem(m);
    if (problem !== undefined) out.push(`${label}: ${problem}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Output

const int = (x) => Math.round(x).toLocaleString('en-US');
const pct = (x) => `${Math.round(x * 100)}%`;
const ms = (x) => (x < 10 ? x.toFixed(1) : Math.round(x).toString());

function printText(f) {
  const pad = (s, n) => s.padEnd(n);
  const rate = (x) => `${int(x)} rec/s`.padStart(14);
  const lines = [
    `ingest benchmark (durability ${f.durability}, ${f.records} ${ACT} records of ~${f.recordBytes} bytes, node ${process.version}, ${f.cpus} cpus)`,
    `  ${pad('ceiling', 9)} ${pad('raw better-sqlite3, 1000-row transactions', 44)} ${rate(f.ceiling.recPerS)}`,
    `  ${pad('(a)', 9)} ${pad(`kernel ingest in-process, ${WINDOW} outstanding`, 44)} ${rate(f.kernel.recPerS)}   ` +
      `${pct(f.kernel.ratio).padStart(4)} of ceiling (target ≥ ${pct(TARGET_A)}) ${f.kernel.meetsTarget ? 'ok  ' : 'MISS'}   ` +
      `p50 ${ms(f.kernel.p50Ms)} ms  p99 ${ms(f.kernel.p99Ms)} ms`,
    `  ${pad('(b)', 9)} ${pad(`POST /v1/records, ${CONNECTIONS} conns, ${f.http.load}, ${f.http.elapsedS} s`, 44)} ${rate(f.http.recPerS)}   ` +
      `${pct(f.http.ratio).padStart(4)} of ceiling (target ≥ ${pct(TARGET_B)}) ${f.http.meetsTarget ? 'ok  ' : 'MISS'}   ` +
      `p50 ${ms(f.http.p50Ms)} ms  p99 ${ms(f.http.p99Ms)} ms`,
    `  ${pad('', 9)} daemon side of (b): ${int(f.http.commits.groups)} commit groups of ${f.http.commits.meanGroupRecords} records on average, ` +
      `${f.http.commits.meanCommitMs.toFixed(2)} ms from hand-over to commit on average`,
    `  ${pad('', 9)} store bound of (b): raw better-sqlite3 in ${f.storeBound.txRows}-row transactions (that group size) reaches ` +
      `${int(f.storeBound.recPerS)} rec/s, ${pct(f.storeBound.ratio)} of ceiling, with no HTTP, hashing or threads`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

function warnings(f) {
  const out = [];
  const h = f.http;
  if (h.non2xx > 0 || h.errors > 0 || h.timeouts > 0) {
    out.push(`(b) had ${h.non2xx} non-2xx answers, ${h.errors} errors, ${h.timeouts} timeouts (status codes ${JSON.stringify(h.statusCodes)}); expected none`);
  }
  if (h.warmup.non2xx > 0 || h.warmup.errors > 0) out.push(`(b) warm-up had ${h.warmup.non2xx} non-2xx answers and ${h.warmup.errors} errors`);
  if (h.storedMismatch > 0) out.push(`(b) the daemon holds ${h.storedMismatch} fewer records than the 2xx answers counted`);
  return out;
}

/**
 * A fresh directory for the next measurement, on a quiet disk: the previous measurement's
 * database is deleted and everything dirty is flushed first. Otherwise the kernel writes back
 * ~100 MB of the last run's pages while this one runs, and its fsyncs queue behind them.
 */
function quietDir(root, name) {
  for (const entry of readdirSync(root)) rmSync(join(root, entry), { recursive: true, force: true });
  spawnSync('sync', { stdio: 'ignore' });
  const dir = join(root, name);
  mkdirSync(dir);
  return dir;
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const flags = parseFlags();
  if (flags.store.kind === 'postgres') {
    process.once('SIGINT', async () => {
      await Promise.allSettled([...servers].map((s) => s.close()));
      process.exit(130);
    });
    return mainPostgres(flags);
  }
  const dir = mkdtempSync(join(tmpdir(), 'spl-bench-ingest-'));
  process.once('SIGINT', async () => {
    await Promise.all([...running].map((d) => d.stop()));
    rmSync(dir, { recursive: true, force: true });
    process.exit(130);
  });
  const say = (line) => {
    if (!flags.json && process.stderr.isTTY) process.stderr.write(`  … ${line}\n`);
  };
  try {
    const records = makeRecords(flags.records);
    const recordBytes = Math.round(
      records.slice(0, 100).reduce((sum, r) => sum + Buffer.byteLength(canonicalRecord(r)), 0) / 100,
    );

    say(`ceiling: ${flags.records} raw inserts`);
    const ceiling = await measureCeiling(quietDir(dir, 'ceiling'), flags.durability, records);
    say(`(a): ${flags.records} kernel.ingest calls`);
    const kernel = await measureKernel(quietDir(dir, 'kernel'), flags.durability, records);
    say(`(b): daemon + ${flags.load}, ${WARMUP_S} s warm-up + ${flags.duration} s`);
    const http = { ...(await measureHttp(quietDir(dir, 'daemon'), flags.durability, flags.duration, flags.load)), load: flags.load };
    const groupRows = Math.max(1, Math.round(http.commits.meanGroupRecords));
    say(`store bound of (b): ${flags.records} raw inserts in ${groupRows}-row transactions`);
    const storeBound = await measureCeiling(quietDir(dir, 'store-bound'), flags.durability, records, groupRows);

    const figures = {
      durability: flags.durability,
      records: flags.records,
      recordBytes,
      node: process.version,
      cpus: typeof availableParallelism === 'function' ? availableParallelism() : cpus().length,
      ceiling,
      kernel: { ...kernel, ratio: kernel.recPerS / ceiling.recPerS, target: TARGET_A, meetsTarget: kernel.recPerS / ceiling.recPerS >= TARGET_A, window: WINDOW },
      http: { ...http, ratio: http.recPerS / ceiling.recPerS, target: TARGET_B, meetsTarget: http.recPerS / ceiling.recPerS >= TARGET_B, connections: CONNECTIONS },
      storeBound: { ...storeBound, ratio: storeBound.recPerS / ceiling.recPerS },
    };
    const warn = warnings(figures);
    if (flags.json) {
      process.stdout.write(JSON.stringify({ ...figures, warnings: warn }) + '\n');
    } else {
      printText(figures);
      for (const w of warn) process.stdout.write(`  warning: ${w}\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`bench:ingest crashed: ${error?.stack ?? error}\n`);
  process.exit(1);
});
