// Builds (once, cached) the log bench/start.mjs measures: N records, mixed INTEND/DO/KNOW with
// answers, over a fixed number of threads. Written straight into SQLite in big transactions: a
// million records through the kernel would take minutes and measure ingest, not start.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalRecord, threadIdFor } from '@syncropel/algebra';
import { openSqliteLogStore } from '@syncropel/log-sqlite';
import Database from 'better-sqlite3';

/** The actor of the kernel that folds the bench log (its answers are "the engine's"). */
export const BENCH_ENGINE = `did:sync:instance:${'be'.repeat(32)}`;
const USERS = 16;
const AGENTS = 8;
const NOTE = 'progress note: lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor '.repeat(2).slice(0, 120);

/**
 * The path of the cached log of `records` records over `threads` threads, built when missing.
 * Per thread the records cycle: INTEND (asks for work) → KNOW fulfilling it → DO (asks for work)
 * → KNOW fulfilling it, with every 16th KNOW a trust verdict; so all work is answered and the
 * work fold must end empty, as on a healthy instance.
 */
export async function benchLog(cacheDir, records, threads, log = () => undefined) {
  const file = join(cacheDir, `start-${records}-${threads}.db`);
  if (existsSync(file)) return file;
  mkdirSync(cacheDir, { recursive: true });
  const temp = `${file}.building`;
  for (const x of ['', '-wal', '-shm']) rmSync(`${temp}${x}`, { force: true });
  await openSqliteLogStore({ path: temp, checkpointIntervalMs: 0, writer: 'main' }).close();
  const db = new Database(temp);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const insert = db.prepare(
    'INSERT INTO records (id, thread, actor, act, clock, data_type, judged_by, parents, body, sig, ingested_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const ids = Array.from({ length: threads }, (_, t) => threadIdFor(`bench-start-${t}`));
  const clocks = new Map();
  const lastAsk = new Array(threads).fill(null);
  const step = new Array(threads).fill(0);
  const started = Date.now();
  const t0 = Date.parse('2026-11-01T00:00:00Z');
  let rows = [];
  const flush = db.transaction((batch) => {
    for (const r of batch) insert.run(...r);
  });
  for (let i = 0; i < records; i++) {
    const t = i % threads;
    const thread = ids[t];
    const s = step[t]++;
    const user = `did:sync:user:u${t % USERS}`;
    const agent = `did:sync:agent:a${t % AGENTS}`;
    let actor;
    let act;
    let body;
    if (s % 4 === 0 || s % 4 === 2) {
      actor = user;
      act = s % 4 === 0 ? 'INTEND' : 'DO';
      body = { task: `step ${s} of thread ${t}`, n: i, note: NOTE };
    } else {
      actor = agent;
      act = 'KNOW';
      body = { fulfills: lastAsk[t], n: i, ok: true, note: NOTE };
      if (s % 64 === 3) Object.assign(body, { verdict: i % 5 === 0 ? 'failure' : 'success', domain: 'bench', subject: agent });
    }
    const key = `${actor}\u0000${thread}`;
    const clock = (clocks.get(key) ?? -1) + 1;
    clocks.set(key, clock);
    const parents = lastAsk[t] && act === 'KNOW' ? [lastAsk[t]] : [];
    const record = { parents, thread, actor, act, body, clock, data_type: 'SCALAR', judged_by: null };
    const canonical = canonicalRecord(record);
    const id = createHash('sha256').update(canonical).digest('hex');
    if (act !== 'KNOW') lastAsk[t] = id;
    const sortedBody = JSON.parse(canonical).body;
    rows.push([id, thread, actor, act, clock, 'SCALAR', null, JSON.stringify(parents), JSON.stringify(sortedBody), null, t0 + i]);
    if (rows.length === 10_000) {
      flush(rows);
      rows = [];
      if ((i + 1) % 100_000 === 0) log(`  built ${i + 1} of ${records} records (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }
  }
  flush(rows);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  renameSync(temp, file);
  for (const x of ['-wal', '-shm']) rmSync(`${temp}${x}`, { force: true });
  return file;
}
