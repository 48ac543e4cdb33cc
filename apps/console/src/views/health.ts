import type { CronJob, Health } from '../api-types.js';
import { facts, h, replace, table, type Child } from '../element.js';
import { count, duration, timestamp } from '../format.js';
import type { HealthSnapshot } from '../health-feed.js';
import { problem } from '../problem.js';
import type { ViewContext } from '../view-context.js';

/** Health and the loop counters, redrawn from every health answer (every 2 s). */
export function healthView(ctx: ViewContext): void {
  const body = h('div', { id: 'health' }, h('p', {}, 'Loading…'));
  ctx.main.append(h('h1', {}, 'Health'), body);
  ctx.onLeave(ctx.health.subscribe((snapshot) => replace(body, ...render(snapshot))));
}

function render({ health, error, at }: HealthSnapshot): Child[] {
  if (!health) return [problem(error, 'records:read')];
  const loops = health.loops;
  return [
    h('p', { class: 'updated' }, `Updated ${timestamp(at)}`),
    health.error && health.status === 'starting' ? h('p', { class: 'note' }, health.error.message) : null,
    counters(health),
    h('h2', {}, 'Daemon'),
    facts([
      ['status', health.status],
      ['version', health.version],
      ['instance', health.instance_did],
      ['bind', health.bind],
      ['store', health.store],
      ['leader', yesNo(health.leader)],
      ['auth', health.auth_required === undefined ? undefined : health.auth_required ? 'required' : 'OFF (--insecure-localhost)'],
      ['started', timestamp(health.started_at)],
      ['last backup', health.last_backup ? `${timestamp(health.last_backup.at)}, ${count(health.last_backup.record_count)} records` : 'none yet'],
    ]),
    loops ? h('h2', {}, 'Loops') : null,
    loops?.ingest ? section('Ingest', loops.ingest) : null,
    loops?.reconcile ? section('Reconcile', loops.reconcile) : null,
    loops?.tick ? section('Tick', loops.tick) : null,
    loops?.cron ? cron(loops.cron.jobs) : null,
  ];
}

/** The counters an operator watches, as large numbers. */
function counters(health: Health): HTMLElement {
  const cell = (key: string, label: string, value: Child) => h('div', { class: 'counter', 'data-counter': key }, h('span', { class: 'value' }, value), h('span', { class: 'label' }, label));
  return h(
    'div',
    { class: 'counters' },
    cell('status', 'status', health.draining ? 'draining' : health.status),
    cell('record_count', 'records', count(health.record_count)),
    cell('head_seq', 'head seq', count(health.head_seq)),
    cell('ingested_total', 'ingested since start', count(health.ingested_total)),
    cell('reconciled_total', 'reconciled', count(health.reconciled_total)),
    cell('reconcile_queue_depth', 'queued', count(health.reconcile_queue_depth)),
    cell('in_flight', 'in flight', count(health.in_flight)),
    cell('aitl_pending', 'decisions pending', h('a', { href: '#/aitl' }, count(health.aitl_pending))),
    cell('uptime_secs', 'uptime', health.uptime_secs === undefined ? '—' : duration(health.uptime_secs)),
  );
}

/** One loop's scalar counters as facts (lists and objects inside are left to the API). */
function section(title: string, values: { readonly [k: string]: unknown }): HTMLElement {
  const pairs = Object.entries(values)
    .filter(([, v]) => v === null || ['number', 'string', 'boolean'].includes(typeof v))
    .map(([k, v]) => [k, typeof v === 'number' ? count(v) : typeof v === 'boolean' ? yesNo(v) : (v as string | null)] as const);
  return h('section', { class: 'loop' }, h('h3', {}, title), facts(pairs));
}

function cron(jobs: readonly CronJob[]): HTMLElement {
  return h(
    'section',
    { class: 'loop' },
    h('h3', {}, 'Cron'),
    table(['job', 'every', 'runs', 'last run', 'last error'], jobs, (j) => [j.name, duration(j.interval_secs), count(j.runs), timestamp(j.last_run_at), j.last_error ?? '']),
  );
}

function yesNo(v: boolean | undefined): string | undefined {
  return v === undefined ? undefined : v ? 'yes' : 'no';
}
