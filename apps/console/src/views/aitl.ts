import { isApiError } from '../api-client.js';
import type { List, PendingDecision, StoredRecord } from '../api-types.js';
import { button, h, replace, type Child } from '../element.js';
import { json, shortId, timestamp } from '../format.js';
import { poll } from '../poller.js';
import { problem } from '../problem.js';
import { hashOf } from '../router.js';
import type { ViewContext } from '../view-context.js';

/** The longest reason the API takes. */
export const MAX_REASON = 500;

/**
 * Decisions waiting for a human (AITL), each with the work it holds, a reason field and
 * approve/reject (`POST /v1/aitl/:id/decide`, as `spl aitl approve|reject` does). The list is
 * read every 2 s; rows are kept by id, so a reason being typed survives the refresh. Decisions
 * taken in this tab stay listed below with a link to their thread, where the dispatch shows.
 */
export function aitlView(ctx: ViewContext): void {
  const list = h('div', { id: 'aitl-pending' });
  const empty = h('p', { id: 'aitl-empty', hidden: '' }, 'No decisions are waiting.');
  const failure = h('div');
  const decided = h('ul', { id: 'aitl-decided' });
  ctx.main.append(
    h('h1', {}, 'Decisions waiting'),
    h('p', { class: 'note' }, 'Approving dispatches the work (to the proposed target); rejecting withdraws it. Deciding needs the aitl:decide scope.'),
    failure,
    empty,
    list,
    h('h2', {}, 'Decided here'),
    decided,
  );
  const rows = new Map<string, HTMLElement>();
  // The work records a request holds, read once per request.
  const work = new Map<string, Promise<StoredRecord | null>>();

  const refresh = async () => {
    let pending: readonly PendingDecision[];
    try {
      pending = (await ctx.api.get<List<PendingDecision>>('/v1/aitl')).data;
    } catch (e) {
      if (ctx.active()) replace(failure, problem(e, 'records:read'));
      return;
    }
    if (!ctx.active()) return;
    replace(failure);
    const ids = new Set(pending.map((p) => p.id));
    for (const [id, row] of rows) {
      // Answered elsewhere (the CLI, another tab) or expired; a row being decided here stays until its answer.
      if (ids.has(id) || row.dataset.deciding) continue;
      row.remove();
      rows.delete(id);
    }
    for (const p of pending) {
      if (rows.has(p.id)) continue;
      const row = decisionRow(p);
      rows.set(p.id, row);
      list.append(row);
    }
    empty.hidden = rows.size > 0;
  };

  const decisionRow = (p: PendingDecision): HTMLElement => {
    const reason = h('input', { type: 'text', class: 'reason', maxlength: String(MAX_REASON), placeholder: 'reason (optional, recorded with the decision)', 'aria-label': 'reason' });
    const outcome = h('p', { class: 'outcome', role: 'status' });
    const held = h('pre', { class: 'body' }, p.handles ? 'loading the work…' : '(the request names no work record)');
    const decide = (decision: 'approve' | 'reject') => async () => {
      row.dataset.deciding = 'true';
      for (const b of actions.querySelectorAll('button')) b.disabled = true;
      replace(outcome, decision === 'approve' ? 'Approving…' : 'Rejecting…');
      try {
        const text = reason.value.trim();
        const record = await ctx.api.post<StoredRecord>(`/v1/aitl/${encodeURIComponent(p.id)}/decide`, { decision, ...(text ? { reason: text } : {}) });
        ctx.health.refresh();
        if (!ctx.active()) return;
        row.remove();
        rows.delete(p.id);
        empty.hidden = rows.size > 0;
        decided.append(
          h(
            'li',
            { 'data-decision': decision, 'data-request': p.id },
            `${decision === 'approve' ? 'Approved' : 'Rejected'} ${shortId(p.id)}${text ? ` (${text})` : ''}: decision ${shortId(record.id)} written at ${timestamp(record.ingested_at)}. `,
            h('a', { href: hashOf({ view: 'thread', id: p.thread }) }, 'Follow the thread'),
          ),
        );
      } catch (e) {
        delete row.dataset.deciding;
        for (const b of actions.querySelectorAll('button')) b.disabled = false;
        replace(outcome, problem(e, 'aitl:decide'));
        // Someone else answered it meanwhile: it is no longer pending.
        if (isApiError(e) && e.status === 404) void refresh();
      }
    };
    const actions = h(
      'div',
      { class: 'actions' },
      reason,
      button('Approve', () => void decide('approve')(), { class: 'approve' }),
      button('Reject', () => void decide('reject')(), { class: 'reject' }),
    );
    const row = h(
      'article',
      { class: 'decision', 'data-request': p.id },
      h('h3', {}, p.rule ? `Rule ${p.rule}` : 'Decision', ' · ', h('code', { class: 'id', title: p.id }, shortId(p.id))),
      detail([
        ['thread', h('a', { href: hashOf({ view: 'thread', id: p.thread }), class: 'id' }, shortId(p.thread))],
        ['proposed target', p.target ?? 'none'],
        ['requested', timestamp(p.requested_at)],
        ['expires', p.expires_at === null ? 'never' : timestamp(p.expires_at)],
      ]),
      held,
      actions,
      outcome,
    );
    if (p.handles) {
      const id = p.handles;
      if (!work.has(id)) work.set(id, ctx.api.get<StoredRecord>(`/v1/records/${encodeURIComponent(id)}`).catch(() => null));
      void work.get(id)?.then((r) => replace(held, r ? `${r.act} by ${r.actor}\n${json(r.body)}` : `work ${id} (not readable with this bearer)`));
    }
    return row;
  };
  ctx.onLeave(poll(refresh));
}

function detail(pairs: readonly (readonly [string, Child])[]): HTMLElement {
  return h('p', { class: 'detail' }, ...pairs.flatMap(([k, v], i) => [i > 0 ? ' · ' : '', `${k}: `, v]));
}
