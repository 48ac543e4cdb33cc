import type { List, ThreadState } from '../api-types.js';
import { button, h, replace, table } from '../element.js';
import { count, shortId, timestamp } from '../format.js';
import { poll } from '../poller.js';
import { problem } from '../problem.js';
import { hashOf } from '../router.js';
import type { ViewContext } from '../view-context.js';

/** Threads per page. */
export const THREADS_PAGE = 25;

/**
 * Threads, newest first, a page at a time (the API's `first_seq` cursor: "Older" follows
 * `next_cursor`, "Newer" goes back to the cursor before), optionally of one status. The page
 * shown is refreshed every 2 s.
 */
export function threadsView(ctx: ViewContext): void {
  // cursors[i] is the cursor that gave page i (undefined: the newest page).
  const cursors: (string | undefined)[] = [undefined];
  let next: string | null = null;
  let status = '';
  // Bumped by every paging or filter change, so an answer to an older request is dropped.
  let generation = 0;
  const filter = h('select', { id: 'thread-status', 'aria-label': 'status' }, ...['', 'open', 'active', 'closed'].map((s) => h('option', { value: s }, s === '' ? 'any status' : s)));
  const newer = button('← Newer', () => go(cursors.length - 2), { id: 'threads-newer' });
  const older = button('Older →', () => next !== null && go(cursors.length, next), { id: 'threads-older' });
  const summary = h('span', { class: 'paging-summary' });
  const body = h('div', { id: 'threads' }, h('p', {}, 'Loading…'));
  ctx.main.append(h('h1', {}, 'Threads'), h('div', { class: 'toolbar' }, filter, newer, older, summary), body);

  /** Shows page `page` (0: newest); `cursor` is its cursor when it is a page not seen yet. */
  const go = (page: number, cursor?: string) => {
    cursors.length = Math.max(1, Math.min(page + 1, cursors.length));
    if (cursor !== undefined) cursors.push(cursor);
    generation++;
    void refresh();
  };
  filter.addEventListener('change', () => {
    status = filter.value;
    go(0);
  });
  const refresh = async () => {
    const cursor = cursors[cursors.length - 1];
    const asked = generation;
    try {
      const page = await ctx.api.get<List<ThreadState>>('/v1/threads', { limit: THREADS_PAGE, cursor, status: status || undefined });
      if (!ctx.active() || asked !== generation) return;
      next = page.next_cursor;
      newer.disabled = cursors.length === 1;
      older.disabled = next === null;
      replace(summary, `page ${cursors.length} · ${count(page.total)} thread${page.total === 1 ? '' : 's'}`);
      replace(body, page.data.length === 0 ? h('p', {}, 'No threads.') : table(['thread', 'status', 'records', 'last act', 'last record', 'participants'], page.data, row, { class: 'threads' }));
    } catch (e) {
      if (ctx.active() && asked === generation) replace(body, problem(e, 'records:read'));
    }
  };
  ctx.onLeave(poll(refresh));
}

function row(t: ThreadState) {
  return [
    h('a', { href: hashOf({ view: 'thread', id: t.thread }), title: t.thread, class: 'id' }, shortId(t.thread)),
    h('span', { class: `status status-${t.status}` }, t.status),
    count(t.record_count),
    t.last_act,
    timestamp(t.last_at),
    t.participants.join(', '),
  ];
}
