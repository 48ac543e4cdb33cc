#!/usr/bin/env node
// Ingest benchmark: prints figures, never asserts timing. See bench/README.md.
//
//   npm run bench:ingest [-- --durability full|normal] [--records N] [--duration S] [--json]
//
// Three measurements on fresh temp stores, plus one for context:
//   ceiling  raw better-sqlite3 INSERTs, 1000 rows per transaction, real schema
//   (a)      kernel.ingest() in-process, 1000 calls outstanding (group commit batches them)
//   (b)      POST /v1/records against the real daemon (`spl serve`) over loopback (wrk or autocannon)
//   bound    the ceiling's inserts again, in transactions of (b)'s mean commit group size
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';

import { canonicalRecord, threadIdFor } from '@syncropel/algebra';
import { createKernel } from '@syncropel/kernel';
import { openSqliteLogStore } from '@syncropel/log';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';

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

// ---------------------------------------------------------------------------------------------
// Flags

/** The act of every benchmark record (set by --act). */
let ACT = 'KNOW';

function parseFlags() {
  let values;
  try {
    ({ values } = parseArgs({
    options: {
      durability: { type: 'string', default: 'full' },
      records: { type: 'string', default: '100000' },
      duration: { type: 'string', default: '10' },
      json: { type: 'boolean', default: false },
      load: { type: 'string', default: 'auto' },
      act: { type: 'string', default: 'KNOW' },
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
        '  --durability  synchronous level for every store (default full, the daemon default)\n' +
        '  --records     rows for the ceiling and the store bound, records for (a) (default 100000)\n' +
        '  --duration    seconds of measured HTTP load for (b), after a 2 s warm-up (default 10)\n' +
        '  --json        print the figures as one JSON object\n' +
        '  --act         KNOW (default: plain facts) or DO (records that ask for work; the daemon answers each)\n' +
        '  --load        HTTP load tool for (b): wrk (lighter, apt-get install wrk), autocannon, or auto (wrk when installed)\n',
    );
    process.exit(0);
  }
  if (values.durability !== 'full' && values.durability !== 'normal') usage(`--durability must be full or normal, got ${values.durability}`);
  const records = Number(values.records);
  if (!Number.isSafeInteger(records) || records < 1000) usage(`--records must be an integer ≥ 1000, got ${values.records}`);
  const duration = Number(values.duration);
  if (!Number.isFinite(duration) || duration < 1 || duration > 60) usage(`--duration must be 1..60 seconds, got ${values.duration}`);
  if (values.act !== 'KNOW' && values.act !== 'DO') usage(`--act must be KNOW or DO, got ${values.act}`);
  ACT = values.act;
  if (!['auto', 'wrk', 'autocannon'].includes(values.load)) usage(`--load must be auto, wrk or autocannon, got ${values.load}`);
  const hasWrk = spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;
  if (values.load === 'wrk' && !hasWrk) usage('--load wrk: wrk is not installed (apt-get install wrk)');
  const load = values.load === 'auto' ? (hasWrk ? 'wrk' : 'autocannon') : values.load;
  return { durability: values.durability, records, duration, json: values.json, load };
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

function measureCeiling(dir, durability, records, txRows = TX_ROWS) {
  const path = join(dir, 'ceiling.db');
  // The shipped migrations (table, indexes, append-only triggers), then a plain connection.
  openSqliteLogStore({ path, durability, checkpointIntervalMs: 0 }).close();
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
  const stored = store.count();
  await kernel.stop();
  await store.closeAsync();
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
    const ceiling = measureCeiling(quietDir(dir, 'ceiling'), flags.durability, records);
    say(`(a): ${flags.records} kernel.ingest calls`);
    const kernel = await measureKernel(quietDir(dir, 'kernel'), flags.durability, records);
    say(`(b): daemon + ${flags.load}, ${WARMUP_S} s warm-up + ${flags.duration} s`);
    const http = { ...(await measureHttp(quietDir(dir, 'daemon'), flags.durability, flags.duration, flags.load)), load: flags.load };
    const groupRows = Math.max(1, Math.round(http.commits.meanGroupRecords));
    say(`store bound of (b): ${flags.records} raw inserts in ${groupRows}-row transactions`);
    const storeBound = measureCeiling(quietDir(dir, 'store-bound'), flags.durability, records, groupRows);

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
