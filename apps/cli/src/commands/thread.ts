import type { Command } from 'commander';
import type { StoredRecord } from '@syncropel/algebra';
import { stepThread, type ThreadState, type TrustRow } from '@syncropel/kernel';
import { api, type ClientFlags } from '../daemon-client.js';
import { clientOptions, printJson, printTable } from '../output.js';

/** `spl thread list|records|state`, `spl trust` and `spl debug replay`. */
export function registerThreads(program: Command): void {
  const thread = program.command('thread').description('threads and their folded state');

  clientOptions(
    thread
      .command('list')
      .description('list threads, newest first')
      .option('--status <status>', 'open, active or closed')
      .option('--limit <n>', 'at most this many (with --all, per page)', '100')
      .option('--cursor <n>', "only threads older than this (a page's next cursor)")
      .option('--all', 'every page: follow the next cursor until there is none'),
  ).action(async (flags: ClientFlags & { status?: string; limit: string; cursor?: string; all?: boolean }) => {
    const threads: ThreadState[] = [];
    let cursor = flags.cursor;
    for (;;) {
      const q = new URLSearchParams({ limit: flags.limit, ...(flags.status ? { status: flags.status } : {}), ...(cursor ? { cursor } : {}) });
      const page = await api<{ data: ThreadState[]; total: number; next_cursor: string | null }>(flags, 'GET', `/v1/threads?${q}`);
      threads.push(...page.data);
      cursor = page.next_cursor ?? undefined;
      if (!cursor || !flags.all) break;
    }
    if (flags.json) printJson(threads);
    else printTable(threads.map((t) => ({ ...t, participants: t.participants.length, last_at: new Date(t.last_at).toISOString() })), ['thread', 'status', 'record_count', 'participants', 'last_act', 'last_at']);
    // On stderr, so stdout (and --json) stays just the threads.
    if (cursor) process.stderr.write(`more threads: run again with --cursor ${cursor}, or with --all\n`);
  });

  clientOptions(thread.command('records <thread>').description('the records of a thread in log order')).action(async (id: string, flags: ClientFlags) => {
    const records = await allRecords(flags, id);
    if (flags.json) printJson(records);
    else printTable(records.map((r) => ({ ...r, body: JSON.stringify(r.body).slice(0, 80) })), ['seq', 'act', 'actor', 'clock', 'id', 'body']);
  });

  clientOptions(thread.command('state <thread>').description('the folded state of a thread')).action(async (id: string, flags: ClientFlags) => {
    const state = await api<ThreadState>(flags, 'GET', `/v1/threads/${encodeURIComponent(id)}/state`);
    if (flags.json) printJson(state);
    else process.stdout.write(formatState(state));
  });

  clientOptions(program.command('trust').description('the trust table per (actor, domain), computed from verdicts').option('--actor <did>', 'one actor').option('--domain <domain>', 'one domain')).action(
    async (flags: ClientFlags & { actor?: string; domain?: string }) => {
      const q = new URLSearchParams({ ...(flags.actor ? { actor: flags.actor } : {}), ...(flags.domain ? { domain: flags.domain } : {}) });
      const result = await api<{ data: TrustRow[] }>(flags, 'GET', `/v1/trust?${q}`);
      if (flags.json) printJson(result.data);
      else
        printTable(
          result.data.map((r) => ({ ...r, raw: r.raw.toFixed(4), freshness: r.freshness.toFixed(4), effective: r.effective.toFixed(4), dial: r.dial.toFixed(4) })),
          ['actor', 'domain', 'successes', 'trials', 'raw', 'freshness', 'effective', 'dial'],
        );
    },
  );

  const debug = program.command('debug').description('tools for finding out why the engine did what it did');
  clientOptions(debug.command('replay <thread>').description("walk a thread's records in log order and show the folded state after each")).action(
    async (id: string, flags: ClientFlags) => {
      const records = await allRecords(flags, id);
      let state: ThreadState | undefined;
      const steps = records.map((r) => {
        state = stepThread(state, r);
        return { record: r, state };
      });
      if (flags.json) {
        printJson(steps);
        return;
      }
      for (const { record: r, state: s } of steps) {
        process.stdout.write(`#${r.seq} ${r.act} by ${r.actor} (clock ${r.clock}) ${JSON.stringify(r.body).slice(0, 100)}\n`);
        process.stdout.write(`    → ${s.status}, ${s.record_count} record(s), ${s.participants.length} participant(s)\n`);
      }
      process.stdout.write(`${records.length} record(s) replayed\n`);
    },
  );
}

async function allRecords(flags: ClientFlags, thread: string): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  let after = '0';
  for (;;) {
    const page = await api<{ data: StoredRecord[]; next_cursor: string | null }>(flags, 'GET', `/v1/threads/${encodeURIComponent(thread)}/records?after=${after}&limit=1000`);
    out.push(...page.data);
    if (!page.next_cursor) return out;
    after = page.next_cursor;
  }
}

function formatState(s: ThreadState): string {
  return [
    `thread       ${s.thread}${s.reserved ? ' (reserved)' : ''}`,
    `status       ${s.status}`,
    `records      ${s.record_count} (seq ${s.first_seq}..${s.last_seq}), last ${s.last_act} at ${new Date(s.last_at).toISOString()}`,
    `participants ${s.participants.join(', ')}`,
    ...Object.entries(s.last_clock).map(([actor, c]) => `  last clock ${c}  ${actor}`),
    '',
  ].join('\n');
}
