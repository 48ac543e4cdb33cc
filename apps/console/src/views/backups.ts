import type { BackupSummary, List } from '../api-types.js';
import { facts, h, replace, table } from '../element.js';
import { bytes, count, timestamp } from '../format.js';
import { poll, POLL_MS } from '../poller.js';
import { problem } from '../problem.js';
import type { ViewContext } from '../view-context.js';

/** Backups change once a day or on demand: read them less often than the counters. */
const BACKUPS_POLL_MS = 5 * POLL_MS;

/**
 * The backup guard's warning and the newest good backup (from health), and every backup file
 * (`GET /v1/engine/backups`): the rolling one, generations, and suspects the guard set aside.
 */
export function backupsView(ctx: ViewContext): void {
  const guard = h('div', { id: 'backup-guard' });
  const body = h('div', { id: 'backups' }, h('p', {}, 'Loading…'));
  ctx.main.append(h('h1', {}, 'Backups'), guard, h('h2', {}, 'Files'), body);
  ctx.onLeave(
    ctx.health.subscribe(({ health, error }) => {
      if (!health) return replace(guard, problem(error, 'records:read'));
      replace(
        guard,
        health.backup_warning ? h('p', { class: 'warning', role: 'alert', id: 'backup-guard-warning' }, health.backup_warning) : h('p', { class: 'ok' }, 'The backup guard has no warning.'),
        facts([
          ['destination', health.backup_dir ?? 'none (the log is in PostgreSQL: back it up with PostgreSQL tools)'],
          ['newest good backup', health.last_backup ? `${timestamp(health.last_backup.at)}: ${count(health.last_backup.record_count)} records` : 'none taken by this daemon yet'],
        ]),
      );
    }),
  );
  const refresh = async () => {
    try {
      const list = (await ctx.api.get<List<BackupSummary>>('/v1/engine/backups')).data;
      if (!ctx.active()) return;
      replace(
        body,
        list.length === 0
          ? h('p', {}, 'No backup files.')
          : table(['created', 'kind', 'records', 'size', 'verified', 'path'], list, (b) => [timestamp(b.created_at), b.kind ?? '', count(b.records), bytes(b.bytes), b.verified === undefined ? '—' : b.verified ? 'yes' : 'no', h('code', {}, b.path)], { class: 'backups' }),
      );
    } catch (e) {
      if (ctx.active()) replace(body, problem(e, 'records:read'));
    }
  };
  ctx.onLeave(poll(refresh, BACKUPS_POLL_MS));
}
