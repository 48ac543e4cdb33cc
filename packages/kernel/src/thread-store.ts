import type { StoredRecord } from '@syncropel/algebra';
import { MAX_PAGE_SIZE, type LogStore } from '@syncropel/log';
import { stepThreads, type ThreadState, type ThreadsState } from './thread-fold.js';

/**
 * A thread's state folded from the store, page by page: its records with seq below `beforeSeq`
 * (all by default). How a thread whose state left memory is served, and brought back.
 */
export async function loadThread(store: Pick<LogStore, 'query'>, thread: string, beforeSeq = Number.MAX_SAFE_INTEGER): Promise<ThreadState | undefined> {
  // Folded page by page, so a long thread never sits in memory as records.
  const state: ThreadsState = new Map();
  for (let after = 0; ; ) {
    const page = await store.query({ thread, after, limit: MAX_PAGE_SIZE });
    for (const r of page) {
      if (r.seq >= beforeSeq) return state.get(thread) as ThreadState | undefined;
      stepThreads(state, r);
    }
    if (page.length < MAX_PAGE_SIZE) return state.get(thread) as ThreadState | undefined;
    after = (page[page.length - 1] as StoredRecord).seq;
  }
}
