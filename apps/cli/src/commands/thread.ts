import type { Command } from 'commander';
import type { StoredRecord } from '@syncropel/algebra';
import { stepThread, type ThreadState, type TrustRow } from '@syncropel/kernel';
import { CliError, EXIT_USAGE, isCliError } from '../cli-error.js';
import { api, type ClientFlags } from '../daemon-client.js';
import { clientOptions, printJson, printTable } from '../output.js';
import { threadIdOf } from '../thread-ref.js';

/** How many records `spl thread records` and `spl debug replay` show unless `--limit` says. */
export const DEFAULT_RECORD_LIMIT = 100;

/** Records asked of the daemon per request (its page cap, MAX_PAGE_SIZE). */
const RECORD_PAGE = 1000;

/** `--limit` and `--after` as given on the command line. */
interface PagingFlags {
  readonly limit: string;
  readonly after: string;
}

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

  clientOptions(pagingOptions(thread.command('records <thread>').description('the records of a thread in log order (a thread id th_… or a name)'))).action(
    async (ref: string, flags: ClientFlags & PagingFlags) => {
      const { limit, after } = parsePaging(flags);
      const id = threadIdOf(ref);
      const page = await recordsPage(flags, ref, id, after, limit);
      if (flags.json) printJson(page.records);
      else printTable(page.records.map((r) => ({ ...r, body: JSON.stringify(r.body).slice(0, 80) })), ['seq', 'act', 'actor', 'clock', 'id', 'body']);
      moreHint(page);
    },
  );

  clientOptions(thread.command('state <thread>').description('the folded state of a thread (a thread id th_… or a name)')).action(async (ref: string, flags: ClientFlags) => {
    const state = await named(ref, () => api<ThreadState>(flags, 'GET', `/v1/threads/${encodeURIComponent(threadIdOf(ref))}/state`));
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
  clientOptions(
    pagingOptions(debug.command('replay <thread>').description("walk a thread's records in log order and show the folded state after each (a thread id th_… or a name)")),
  ).action(
    async (ref: string, flags: ClientFlags & PagingFlags) => {
      const { limit, after } = parsePaging(flags);
      const id = threadIdOf(ref);
      const page = await recordsPage(flags, ref, id, after, limit);
      const records = page.records;
      // The state after each step must be the thread's real one, so what lies before --after is folded first, unshown.
      let state: ThreadState | undefined;
      for (const r of after > 0 ? await recordsUpTo(flags, id, after) : []) state = stepThread(state, r);
      const steps = records.map((r) => {
        state = stepThread(state, r);
        return { record: r, state };
      });
      if (flags.json) {
        printJson(steps);
        moreHint(page);
        return;
      }
      for (const { record: r, state: s } of steps) {
        process.stdout.write(`#${r.seq} ${r.act} by ${r.actor} (clock ${r.clock}) ${JSON.stringify(r.body).slice(0, 100)}\n`);
        process.stdout.write(`    → ${s.status}, ${s.record_count} record(s), ${s.participants.length} participant(s)\n`);
      }
      process.stdout.write(`${records.length} record(s) replayed${after > 0 ? ` (after seq ${after}; the state includes the records before it)` : ''}\n`);
      moreHint(page);
    },
  );
}

/** Adds `--limit` and `--after`: a window of a thread's records. */
function pagingOptions(command: Command): Command {
  return command
    .option('--limit <n>', 'at most this many records', String(DEFAULT_RECORD_LIMIT))
    .option('--after <seq>', 'only records after this log position (seq); the "more records" hint names the next one', '0');
}

/** `--limit` a positive integer, `--after` an integer ≥ 0; anything else is a usage error (exit 2). */
function parsePaging(flags: PagingFlags): { limit: number; after: number } {
  const limit = /^\d+$/.test(flags.limit) ? Number(flags.limit) : NaN;
  if (!Number.isSafeInteger(limit) || limit < 1) throw new CliError(`--limit must be a positive integer, got ${JSON.stringify(flags.limit)}`, EXIT_USAGE);
  const after = /^\d+$/.test(flags.after) ? Number(flags.after) : NaN;
  if (!Number.isSafeInteger(after)) throw new CliError(`--after must be a log position (an integer ≥ 0), got ${JSON.stringify(flags.after)}`, EXIT_USAGE);
  return { limit, after };
}

/** A window of records and whether more follow it. */
interface RecordsPage {
  readonly records: StoredRecord[];
  /** The seq to pass as --after for the next window, or null at the end. */
  readonly next: number | null;
}

/** Up to `limit` records of `id` after `after`, paged from GET /v1/threads/:id/records (one more is asked, to know whether more follow). */
async function recordsPage(flags: ClientFlags, ref: string, id: string, after: number, limit: number): Promise<RecordsPage> {
  const out: StoredRecord[] = [];
  let cursor = after;
  while (out.length <= limit) {
    const want = Math.min(RECORD_PAGE, limit + 1 - out.length);
    const page = await named(ref, () => api<{ data: StoredRecord[]; next_cursor: string | null }>(flags, 'GET', `/v1/threads/${encodeURIComponent(id)}/records?after=${cursor}&limit=${want}`));
    out.push(...page.data);
    const last = page.data[page.data.length - 1];
    if (!page.next_cursor || !last) break;
    cursor = last.seq;
  }
  const records = out.slice(0, limit);
  const last = records[records.length - 1];
  return { records, next: out.length > limit && last ? last.seq : null };
}

/** Every record of `id` up to and including seq `upTo`. */
async function recordsUpTo(flags: ClientFlags, id: string, upTo: number): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  let cursor = 0;
  for (;;) {
    const page = await api<{ data: StoredRecord[]; next_cursor: string | null }>(flags, 'GET', `/v1/threads/${encodeURIComponent(id)}/records?after=${cursor}&limit=${RECORD_PAGE}`);
    for (const r of page.data) {
      if (r.seq > upTo) return out;
      out.push(r);
    }
    const last = page.data[page.data.length - 1];
    if (!page.next_cursor || !last) return out;
    cursor = last.seq;
  }
}

/** On stderr, so stdout (and --json) stays just the records. */
function moreHint(page: RecordsPage): void {
  if (page.next !== null) process.stderr.write(`more records: run again with --after ${page.next} (or a larger --limit)\n`);
}

/** A thread the daemon does not know, given by name, is reported with the name as well as the id it stands for. */
async function named<T>(ref: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (isCliError(e) && ref !== threadIdOf(ref) && e.message.startsWith('404 ')) throw new CliError(`${e.message} (the thread named ${JSON.stringify(ref)})`, e.exitCode, e.detail);
    throw e;
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
