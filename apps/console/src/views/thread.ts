import type { List, StoredRecord, ThreadState } from '../api-types.js';
import { button, facts, h, replace } from '../element.js';
import { count, json, shortId, timestamp } from '../format.js';
import { poll } from '../poller.js';
import { problem } from '../problem.js';
import type { ViewContext } from '../view-context.js';

/** Records fetched per request. */
export const RECORDS_PAGE = 100;

/**
 * One thread: its folded state and its records in log order. Every 2 s the state is read again
 * and records after the last one shown are appended, so new records appear as they are written;
 * a long thread is read a page at a time ("Load more").
 */
export function threadView(ctx: ViewContext, id: string): void {
  const state = h('div', { id: 'thread-state' }, h('p', {}, 'Loading…'));
  const records = h('tbody');
  const more = button('Load more', () => void load(), { id: 'records-more', hidden: '' });
  const failure = h('div');
  ctx.main.append(
    h('p', {}, h('a', { href: '#/threads' }, '← Threads')),
    h('h1', {}, 'Thread ', h('code', { class: 'id' }, id)),
    h('h2', {}, 'Folded state'),
    state,
    h('h2', {}, 'Records'),
    failure,
    h('table', { class: 'records', id: 'records' }, h('thead', {}, h('tr', {}, ...['seq', 'act', 'actor', 'clock', 'written', 'body', 'id'].map((c) => h('th', { scope: 'col' }, c)))), records),
    more,
  );

  // The seq of the last record shown: the next read starts after it.
  let after = 0;
  let reading = false;
  const load = async () => {
    if (reading) return;
    reading = true;
    try {
      const page = await ctx.api.get<List<StoredRecord>>(`/v1/threads/${encodeURIComponent(id)}/records`, { after, limit: RECORDS_PAGE });
      if (!ctx.active()) return;
      for (const r of page.data) records.append(recordRow(r));
      after = page.data.at(-1)?.seq ?? after;
      more.hidden = page.next_cursor === null;
      replace(failure);
    } catch (e) {
      if (ctx.active()) replace(failure, problem(e, 'records:read'));
    } finally {
      reading = false;
    }
  };
  const refresh = async () => {
    try {
      const s = await ctx.api.get<ThreadState>(`/v1/threads/${encodeURIComponent(id)}/state`);
      if (!ctx.active()) return;
      replace(state, stateFacts(s));
      // Poll for new records only once the backlog is read (the button reads the rest).
      if (more.hidden && s.last_seq > after) await load();
    } catch (e) {
      if (ctx.active()) replace(state, problem(e, 'records:read'));
    }
  };
  ctx.onLeave(poll(refresh));
}

function stateFacts(s: ThreadState): HTMLElement {
  return facts([
    ['status', h('span', { class: `status status-${s.status}`, id: 'thread-status-value' }, s.status)],
    ['records', count(s.record_count)],
    ['last act', s.last_act],
    ['last record', timestamp(s.last_at)],
    ['seq', `${s.first_seq} – ${s.last_seq}`],
    ['participants', s.participants.join(', ')],
    ['reserved', s.reserved ? 'yes' : 'no'],
  ]);
}

function recordRow(r: StoredRecord): HTMLTableRowElement {
  return h(
    'tr',
    { 'data-record': r.id, 'data-act': r.act },
    h('td', {}, String(r.seq)),
    h('td', {}, h('span', { class: `act act-${r.act.toLowerCase()}` }, r.act)),
    h('td', { class: 'actor' }, r.actor),
    h('td', {}, String(r.clock)),
    h('td', {}, timestamp(r.ingested_at)),
    h('td', {}, h('pre', { class: 'body' }, json(r.body))),
    h('td', {}, h('code', { class: 'id', title: r.id }, shortId(r.id))),
  );
}
