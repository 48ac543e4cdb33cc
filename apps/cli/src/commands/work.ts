import type { Command } from 'commander';
import type { PendingDecision, ReconcilerStatus, StoredRecordLike } from './work-types.js';
import { CliError, EXIT_USAGE } from '../cli-error.js';
import { api, type ClientFlags } from '../daemon-client.js';
import { parseDurationSecs } from '../duration.js';
import { clientOptions, printJson, printTable } from '../output.js';
import { threadIdOf } from '../thread-ref.js';

/** How often `spl drain status` polls while it waits. */
const DRAIN_POLL_MS = 250;

/** `spl aitl list|approve|reject` and `spl drain start|status|stop`. */
export function registerWork(program: Command): void {
  const aitl = program.command('aitl').description('decisions waiting for a human (actor in the loop)');
  clientOptions(aitl.command('list').description('pending decisions').option('--thread <id|name>', 'only those on this thread (a thread id th_… or a name)')).action(async (flags: ClientFlags & { thread?: string }) => {
    const list = await api<{ data: PendingDecision[] }>(flags, 'GET', '/v1/aitl');
    const thread = flags.thread === undefined ? undefined : threadIdOf(flags.thread);
    const data = thread === undefined ? list.data : list.data.filter((d) => d.thread === thread);
    if (flags.json) printJson(data);
    else printTable(data.map((d) => ({ ...d, expires_at: d.expires_at ? new Date(d.expires_at).toISOString() : null })), ['id', 'rule', 'target', 'thread', 'expires_at']);
  });
  clientOptions(aitl.command('approve <id>').description('approve: the engine dispatches the work').option('--target <did>', 'dispatch to this actor instead of the proposed one').option('--reason <text>', 'why')).action(
    async (id: string, flags: ClientFlags & { target?: string; reason?: string }) => {
      const rec = await api<StoredRecordLike>(flags, 'POST', `/v1/aitl/${encodeURIComponent(id)}/decide`, { decision: 'approve', ...(flags.target ? { target: flags.target } : {}), ...(flags.reason ? { reason: flags.reason } : {}) });
      if (flags.json) printJson(rec);
      else process.stdout.write(`approved ${id} (decision ${rec.id})\n`);
    },
  );
  clientOptions(aitl.command('reject <id>').description('reject: the work is not dispatched').option('--reason <text>', 'why')).action(async (id: string, flags: ClientFlags & { reason?: string }) => {
    const rec = await api<StoredRecordLike>(flags, 'POST', `/v1/aitl/${encodeURIComponent(id)}/decide`, { decision: 'reject', ...(flags.reason ? { reason: flags.reason } : {}) });
    if (flags.json) printJson(rec);
    else process.stdout.write(`rejected ${id} (decision ${rec.id})\n`);
  });

  const drain = program.command('drain').description('stop starting new work before a shutdown; records are still accepted');
  clientOptions(drain.command('start').description('refuse new dispatches; in-flight ones finish')).action(async (flags: ClientFlags) => {
    const s = await api<ReconcilerStatus>(flags, 'POST', '/v1/drain');
    if (flags.json) printJson(s);
    else process.stdout.write(`draining: ${s.in_flight} in flight, ${s.queue_depth} queued (they wait); check with spl drain status\n`);
  });
  clientOptions(
    drain
      .command('status')
      .description('show in-flight work; waits until it reaches 0 (exit 1 on timeout)')
      .option('--timeout <duration>', 'give up after this long (e.g. 30s, 5m)', '5m')
      .option('--no-wait', 'print the current state and return'),
  ).action(async (flags: ClientFlags & { timeout: string; wait: boolean }) => {
    const secs = parseDurationSecs(flags.timeout);
    if (secs === undefined) throw new CliError(`--timeout must look like 30s, 5m or 1h, got ${JSON.stringify(flags.timeout)}`, EXIT_USAGE);
    const until = Date.now() + secs * 1000;
    let s = await api<ReconcilerStatus>(flags, 'GET', '/v1/drain');
    while (flags.wait && s.in_flight > 0 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, DRAIN_POLL_MS));
      s = await api<ReconcilerStatus>(flags, 'GET', '/v1/drain');
    }
    if (flags.json) printJson(s);
    else process.stdout.write(`${s.draining ? 'draining' : 'not draining'}: ${s.in_flight} in flight, ${s.queue_depth} queued\n`);
    if (flags.wait && s.in_flight > 0) throw new CliError(`${s.in_flight} dispatch(es) still in flight after ${flags.timeout}`);
  });
  clientOptions(drain.command('stop').description('resume dispatching')).action(async (flags: ClientFlags) => {
    const s = await api<ReconcilerStatus>(flags, 'DELETE', '/v1/drain');
    if (flags.json) printJson(s);
    else process.stdout.write(`resumed: ${s.queue_depth} queued\n`);
  });
}
