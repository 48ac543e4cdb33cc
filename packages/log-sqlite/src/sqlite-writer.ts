import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { LogError } from '@syncropel/log';
import { MODULE_URL } from './module-url.js';

/** One row as the writer inserts it, in the INSERT's column order. */
export type WriterRow = readonly [
  id: string,
  thread: string,
  actor: string,
  act: string,
  clock: number,
  dataType: string,
  judgedBy: string | null,
  parents: string,
  body: string,
  sig: string | null,
  ingestedAt: number,
];

/** The INSERT every writer uses; the column list is fixed by the migrations. */
export const INSERT_SQL =
  'INSERT INTO records (id, thread, actor, act, clock, data_type, judged_by, parents, body, sig, ingested_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

/**
 * Commits groups of rows on a worker thread with its own connection. A commit with
 * `synchronous=FULL` spends most of its time in fsync; doing that off the main thread lets the
 * daemon keep reading requests meanwhile, so the next group is larger and the disk flush is
 * shared by more writes. Each call resolves with the seq of the group's first row (rows of one
 * transaction get consecutive seqs: this is the only writer).
 */
export interface SqliteWriter {
  write(rows: readonly WriterRow[]): Promise<number>;
  /** Waits for queued writes, then closes the worker's connection. */
  close(): Promise<void>;
}

/** Starts the writer for the database at `path` (which must exist and be migrated). */
export function startSqliteWriter(path: string, synchronous: 'FULL' | 'NORMAL'): SqliteWriter {
  const driver = createRequire(MODULE_URL).resolve('better-sqlite3');
  const worker = new Worker(WRITER_SOURCE, { eval: true, workerData: { driver, path, synchronous, insert: INSERT_SQL } });
  const waiting = new Map<number, { resolve: (seq: number) => void; reject: (e: unknown) => void }>();
  let next = 0;
  let broken: Error | undefined;
  worker.unref();

  worker.on('message', (m: { n: number; seq?: number; error?: { message: string; code?: string } }) => {
    const w = waiting.get(m.n);
    waiting.delete(m.n);
    if (waiting.size === 0) worker.unref();
    if (!w) return;
    if (m.error) {
      const code = m.error.code === 'SQLITE_CONSTRAINT_UNIQUE' ? 'DUPLICATE_ID' : 'STORE_UNAVAILABLE';
      w.reject(new LogError(code, code === 'DUPLICATE_ID' ? 'a record in this append is already in the log' : `the log writer failed: ${m.error.message}`));
    } else w.resolve(m.seq as number);
  });
  const fail = (e: Error) => {
    broken = e;
    for (const w of waiting.values()) w.reject(new LogError('STORE_UNAVAILABLE', `the log writer stopped: ${e.message}`, { cause: e }));
    waiting.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`writer thread exited (${code})`)));

  let closing: Promise<void> | undefined;
  return {
    write(rows) {
      if (broken || closing) return Promise.reject(new LogError('STORE_CLOSED', 'the log writer is closed'));
      return new Promise((resolve, reject) => {
        const n = next++;
        waiting.set(n, { resolve, reject });
        // Keep the process alive while a commit is outstanding, so no acknowledged write is cut off.
        worker.ref();
        worker.postMessage({ n, rows });
      });
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        worker.removeAllListeners('exit');
        worker.once('exit', () => resolve());
        worker.ref();
        worker.postMessage({ close: true });
      });
      return closing;
    },
  };
}

// Messages are handled in order, so writes commit in the order they were sent.
const WRITER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('journal_mode = WAL');
db.pragma('synchronous = ' + workerData.synchronous);
db.pragma('busy_timeout = 5000');
db.pragma('wal_autocheckpoint = 0');
const insert = db.prepare(workerData.insert);
const writeAll = db.transaction((rows) => {
  let first = 0;
  for (let i = 0; i < rows.length; i++) {
    const seq = Number(insert.run(...rows[i]).lastInsertRowid);
    if (i === 0) first = seq;
  }
  return first;
});
parentPort.on('message', (m) => {
  if (m.close) { db.close(); parentPort.close(); return; }
  try { parentPort.postMessage({ n: m.n, seq: writeAll(m.rows) }); }
  catch (e) { parentPort.postMessage({ n: m.n, error: { message: String(e && e.message), code: e && e.code } }); }
});
`;
