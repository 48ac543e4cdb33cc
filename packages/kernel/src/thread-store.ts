import type { StoredRecord } from '@syncropel/algebra';
import { MAX_PAGE_SIZE, type LogStore } from '@syncropel/log';
import { foldThread, type ThreadState } from './thread-fold.js';

/**
 * A thread's state folded from the store, page by page: its records with seq below `beforeSeq`
 * (all by default). How a thread whose state left memory is served, and brought back.
 */
export function loadThread(store: Pick<LogStore, 'query'>, thread: string, beforeSeq = Number.MAX_SAFE_INTEGER): ThreadState | undefined {
  const pages = function* () {
    for (let after = 0; ; ) {
      const page = store.query({ thread, after, limit: MAX_PAGE_SIZE });
      for (const r of page) {
        if (r.seq >= beforeSeq) return;
        yield r;
      }
      if (page.length < MAX_PAGE_SIZE) return;
      after = (page[page.length - 1] as StoredRecord).seq;
    }
  };
  return foldThread(pages());
}
