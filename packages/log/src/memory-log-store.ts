import type { StoredRecord } from '@syncropel/algebra';
import { LogError } from './log-error.js';
import { SCAN_PAGE_SIZE, type AppendEntry, type LogHead, type LogQuery, type LogStore } from './log-store.js';

/** Creates a log held in memory: for embedding, tests and tools. Nothing survives the process. */
export function createMemoryLogStore(): LogStore {
  const rows: StoredRecord[] = [];
  const byId = new Map<string, StoredRecord>();
  let closed = false;

  const open = () => {
    if (closed) throw new LogError('STORE_CLOSED', 'the memory log store is closed');
  };

  return {
    description: 'memory',
    append(entries: readonly AppendEntry[]): StoredRecord[] {
      open();
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
    },
    get(id) {
      open();
      return byId.get(id);
    },
    query(q: LogQuery) {
      open();
      const out: StoredRecord[] = [];
      // seq n lives at index n - 1, so start right after the cursor.
      for (let i = Math.max(0, q.after ?? 0); i < rows.length && out.length < q.limit; i++) {
        const r = rows[i] as StoredRecord;
        if ((q.thread === undefined || r.thread === q.thread) && (q.actor === undefined || r.actor === q.actor) && !q.excludeThreads?.includes(r.thread)) out.push(r);
      }
      return out;
    },
    *scan(afterSeq = 0, pageSize = SCAN_PAGE_SIZE) {
      open();
      void pageSize;
      for (let i = Math.max(0, afterSeq); i < rows.length; i++) yield rows[i] as StoredRecord;
    },
    count() {
      open();
      return rows.length;
    },
    head(): LogHead | undefined {
      open();
      const last = rows[rows.length - 1];
      return last ? { seq: last.seq, id: last.id } : undefined;
    },
    checkpoint() {
      open();
    },
    close() {
      closed = true;
    },
  };
}
