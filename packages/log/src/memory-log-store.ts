import type { StoredRecord } from '@syncropel/algebra';
import { LogError } from './log-error.js';
import { SCAN_PAGE_SIZE, type AppendEntry, type LogHead, type LogQuery, type LogStore } from './log-store.js';

/** Creates a log held in memory: for embedding, tests and tools. Nothing survives the process. */
export function createMemoryLogStore(): LogStore {
  const rows: StoredRecord[] = [];
  const byId = new Map<string, StoredRecord>();
  let closed = false;

  // Every call answers through a promise, as a store on another machine would: callers must not
  // come to rely on reads finishing in the same tick.
  const open = <T>(read: () => T): Promise<T> => {
    if (closed) return Promise.reject(new LogError('STORE_CLOSED', 'the memory log store is closed'));
    try {
      return Promise.resolve(read());
    } catch (e) {
      return Promise.reject(e);
    }
  };

  return {
    description: 'memory',
    append: (entries: readonly AppendEntry[]) =>
      open(() => {
        const seen = new Set<string>();
        for (const { id } of entries) {
          if (byId.has(id) || seen.has(id)) throw new LogError('DUPLICATE_ID', `record ${id} is already in the log`);
          seen.add(id);
        }
        const now = Date.now();
        const stored = entries.map(({ id, record }, i) => Object.freeze({ ...record, id, seq: rows.length + i + 1, ingested_at: now }));
        for (const r of stored) {
          rows.push(r);
          byId.set(r.id, r);
        }
        return stored;
      }),
    get: (id) => open(() => byId.get(id)),
    query: (q: LogQuery) =>
      open(() => {
        const out: StoredRecord[] = [];
        // seq n lives at index n - 1, so start right after the cursor.
        for (let i = Math.max(0, q.after ?? 0); i < rows.length && out.length < q.limit; i++) {
          const r = rows[i] as StoredRecord;
          if ((q.thread === undefined || r.thread === q.thread) && (q.actor === undefined || r.actor === q.actor) && !q.excludeThreads?.includes(r.thread)) out.push(r);
        }
        return out;
      }),
    async *scan(afterSeq = 0, pageSize = SCAN_PAGE_SIZE) {
      for (let i = Math.max(0, afterSeq); ; i += pageSize) {
        if (closed) throw new LogError('STORE_CLOSED', 'the memory log store is closed');
        if (i >= rows.length) return;
        yield rows.slice(i, i + pageSize);
      }
    },
    count: () => open(() => rows.length),
    head: () =>
      open((): LogHead | undefined => {
        const last = rows[rows.length - 1];
        return last ? { seq: last.seq, id: last.id } : undefined;
      }),
    checkpoint: () => open(() => undefined),
    close() {
      closed = true;
      return Promise.resolve();
    },
  };
}
