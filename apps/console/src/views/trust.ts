import type { List, TrustRow } from '../api-types.js';
import { h, replace, table } from '../element.js';
import { count, timestamp } from '../format.js';
import { poll } from '../poller.js';
import { problem } from '../problem.js';
import type { ViewContext } from '../view-context.js';

/** The trust table (`GET /v1/trust`): per actor and domain, the evidence and the score it gives; read every 2 s. */
export function trustView(ctx: ViewContext): void {
  const body = h('div', { id: 'trust' }, h('p', {}, 'Loading…'));
  ctx.main.append(
    h('h1', {}, 'Trust'),
    h('p', { class: 'note' }, 'Effective is the Wilson lower bound of the successes, decayed with the age of the evidence; dial is the autonomy ceiling it implies.'),
    body,
  );
  const refresh = async () => {
    try {
      const rows = (await ctx.api.get<List<TrustRow>>('/v1/trust')).data;
      if (!ctx.active()) return;
      replace(
        body,
        rows.length === 0
          ? h('p', {}, 'No verdicts yet: trust moves when adapters report outcomes.')
          : table(['actor', 'domain', 'successes', 'trials', 'effective', 'dial', 'last evidence'], rows, (r) => [r.actor, r.domain, count(r.successes), count(r.trials), r.effective.toFixed(3), r.dial.toFixed(2), timestamp(r.last_evidence_at)], { class: 'trust' }),
      );
    } catch (e) {
      if (ctx.active()) replace(body, problem(e, 'records:read'));
    }
  };
  ctx.onLeave(poll(refresh));
}
