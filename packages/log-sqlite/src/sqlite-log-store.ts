import type { Act, DataType, JsonObject, StoredRecord } from '@syncropel/algebra';
import Database from 'better-sqlite3';
import { and, asc, count, desc, eq, gt, notInArray, sql, type SQL } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { startCheckpointWorker, type CheckpointWorker } from './checkpoint-worker.js';
import { migrateLog } from './migrate-log.js';
import { LogError, RECORD_COLUMNS, SCAN_PAGE_SIZE, recordFromRow, type AppendEntry, type LogHead, type LogQuery, type LogStore, type RecordRow } from '@syncropel/log';
import { records } from './schema.js';
import { INSERT_SQL, startSqliteWriter, type SqliteWriter, type WriterRow } from './sqlite-writer.js';

/**
 * How hard a commit is pushed to disk. Both survive a killed process (WAL). `full` also survives
 * power loss, at one fsync per commit group; `normal` may lose the last commits on power loss.
 */
export type Durability = 'full' | 'normal';

/** The default: acknowledged writes survive power loss too. */
export const DEFAULT_DURABILITY: Durability = 'full';

/** Options for {@link openSqliteLogStore}. */
export interface SqliteLogStoreOptions {
  /** Database file; `:memory:` for a throwaway store. */
  readonly path: string;
  readonly durability?: Durability;
  /** Background WAL checkpoint interval; 0 leaves checkpoints to SQLite's autocheckpoint. */
  readonly checkpointIntervalMs?: number;
  /**
   * Commit appends on a worker thread (default for files). `main` commits on the calling
   * thread; `:memory:` always does, as a worker cannot share it.
   */
  readonly writer?: 'worker' | 'main';
}

/** The SQLite store plus the handles an operator tool needs (integrity checks, WAL flush on stop). */
export interface SqliteLogStore extends LogStore {
  readonly path: string;
  /** `PRAGMA quick_check`: 'ok' or the first problems found. */
  quickCheck(): string;
  /** Flushes the WAL into the main file and truncates it (used at shutdown). */
  checkpointTruncate(): void;
}

/**
 * Opens (creating if needed) the SQLite log at `path` in WAL mode, applies the
 * migrations (embedded in the code) and returns a {@link LogStore}. One process owns a database file at a time.
 */
export function openSqliteLogStore(options: SqliteLogStoreOptions): SqliteLogStore {
  const { path, durability = DEFAULT_DURABILITY } = options;
  const inMemory = path === ':memory:';
  let sqlite: Database.Database;
  try {
    sqlite = new Database(path);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma(`synchronous = ${durability === 'full' ? 'FULL' : 'NORMAL'}`);
    sqlite.pragma('busy_timeout = 5000');
  } catch (cause) {
    throw new LogError('STORE_UNAVAILABLE', `cannot open the log at ${path}: ${(cause as Error).message}`, { cause });
  }
  const db = drizzle({ client: sqlite });
  try {
    migrateLog(db);
  } catch (cause) {
    sqlite.close();
    throw new LogError('STORE_UNAVAILABLE', `cannot prepare the log at ${path}: ${(cause as Error).message}`, { cause });
  }

  const interval = options.checkpointIntervalMs ?? 200;
  let worker: CheckpointWorker | undefined;
  if (!inMemory && interval > 0) {
    sqlite.pragma('wal_autocheckpoint = 0');
    worker = startCheckpointWorker(path, interval);
  }

  // The hot insert is a plain prepared statement: drizzle's placeholder mapping costs ~6% of
  // ingest CPU here, and the column list is fixed by the migrations anyway.
  const insert = sqlite.prepare(INSERT_SQL);
  const writer: SqliteWriter | undefined =
    !inMemory && (options.writer ?? 'worker') === 'worker' ? startSqliteWriter(path, durability === 'full' ? 'FULL' : 'NORMAL') : undefined;
  const byId = db.select().from(records).where(eq(records.id, sql.placeholder('id'))).prepare();
  // The rebuild reads every record through this page: a plain statement with raw rows, as drizzle's
  // row mapping costs about a sixth of a million-record start.
  const page = sqlite.prepare(`SELECT ${RECORD_COLUMNS} FROM records WHERE seq > ? ORDER BY seq LIMIT ?`).raw(true);
  const headQuery = db.select({ seq: records.seq, id: records.id }).from(records).orderBy(desc(records.seq)).limit(1).prepare();
  const appendAll = sqlite.transaction((entries: readonly AppendEntry[], now: number): StoredRecord[] =>
    entries.map((entry) => ({ ...entry.record, id: entry.id, seq: Number(insert.run(...toRow(entry, now)).lastInsertRowid), ingested_at: now })),
  );

  // Counting rows is O(n) in SQLite; this process is the only writer, so count once and keep up.
  let total = db.select({ n: count() }).from(records).get()?.n ?? 0;
  let closed = false;
  let closing: Promise<void> | undefined;

  // Every call answers through a promise (the port is asynchronous); the work itself is a few
  // microseconds of synchronous SQLite, so it runs right away.
  const run = <T>(read: () => T): Promise<T> => {
    if (closed) return Promise.reject(new LogError('STORE_CLOSED', `the log at ${path} is closed`));
    try {
      return Promise.resolve(read());
    } catch (e) {
      return Promise.reject(e);
    }
  };
  const appendHere = (entries: readonly AppendEntry[]): StoredRecord[] => {
    if (entries.length === 0) return [];
    try {
      const stored = appendAll(entries, Date.now());
      total += stored.length;
      return stored;
    } catch (cause) {
      if ((cause as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new LogError('DUPLICATE_ID', 'a record in this append is already in the log', { cause });
      }
      throw cause;
    }
  };

  const store: SqliteLogStore = {
    path,
    description: `sqlite:${path}`,
    append(entries) {
      // With a writer thread the commit (mostly fsync) happens off this thread, in call order.
      if (!writer || closed || entries.length === 0) return run(() => appendHere(entries));
      const now = Date.now();
      const rows = entries.map((e) => toRow(e, now));
      return writer.write(rows).then((first) => {
        total += entries.length;
        return entries.map((e, i) => ({ ...e.record, id: e.id, seq: first + i, ingested_at: now }));
      });
    },
    get: (id) =>
      run(() => {
        const row = byId.get({ id });
        return row ? toRecord(row) : undefined;
      }),
    query: (q: LogQuery) =>
      run(() => {
        const where: SQL[] = [gt(records.seq, q.after ?? 0)];
        if (q.thread !== undefined) where.push(eq(records.thread, q.thread));
        if (q.actor !== undefined) where.push(eq(records.actor, q.actor));
        if (q.excludeThreads !== undefined && q.excludeThreads.length > 0) where.push(notInArray(records.thread, [...q.excludeThreads]));
        return db
          .select()
          .from(records)
          .where(and(...where))
          .orderBy(asc(records.seq))
          .limit(q.limit)
          .all()
          .map(toRecord);
      }),
    async *scan(afterSeq = 0, pageSize = SCAN_PAGE_SIZE) {
      let after = afterSeq;
      for (;;) {
        if (closed) throw new LogError('STORE_CLOSED', `the log at ${path} is closed`);
        const rows = page.all(after, pageSize) as RecordRow[];
        if (rows.length > 0) yield rows.map(recordFromRow);
        if (rows.length < pageSize) return;
        after = (rows[rows.length - 1] as RecordRow)[0];
      }
    },
    count: () => run(() => total),
    head: () => run((): LogHead | undefined => headQuery.get()),
    checkpoint: () => run(() => void sqlite.pragma('wal_checkpoint(PASSIVE)')),
    checkpointTruncate() {
      if (closed) throw new LogError('STORE_CLOSED', `the log at ${path} is closed`);
      sqlite.pragma('wal_checkpoint(TRUNCATE)');
    },
    quickCheck() {
      if (closed) throw new LogError('STORE_CLOSED', `the log at ${path} is closed`);
      const rows = sqlite.pragma('quick_check', { simple: false }) as { quick_check: string }[];
      return rows.map((r) => r.quick_check).join('; ');
    },
    close() {
      // Queued appends commit first: close never cuts off a write that was handed over.
      closing ??= (async () => {
        await writer?.close();
        await worker?.stop();
        finalClose();
      })();
      return closing;
    },
  };

  function finalClose() {
    closed = true;
    try {
      if (!inMemory) sqlite.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      sqlite.close();
    }
  }

  return store;
}

type Row = typeof records.$inferSelect;

function toRow({ id, record }: AppendEntry, now: number): WriterRow {
  return [id, record.thread, record.actor, record.act, record.clock, record.data_type, record.judged_by, JSON.stringify(record.parents), JSON.stringify(record.body), record.sig ?? null, now];
}

function toRecord(row: Row): StoredRecord {
  return {
    parents: JSON.parse(row.parents) as string[],
    thread: row.thread,
    actor: row.actor,
    act: row.act as Act,
    body: JSON.parse(row.body) as JsonObject,
    clock: row.clock,
    data_type: row.dataType as DataType,
    judged_by: row.judgedBy,
    ...(row.sig === null ? {} : { sig: row.sig }),
    id: row.id,
    seq: row.seq,
    ingested_at: row.ingestedAt,
  };
}
