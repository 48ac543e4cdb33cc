import type { Command } from 'commander';
import { newThreadId, type StoredRecord } from '@syncropel/algebra';
import { parseBearer, principalActor } from '@syncropel/auth';
import { INSECURE_PRINCIPAL } from '@syncropel/http';
import type { ThreadState } from '@syncropel/kernel';
import { CliError, EXIT_USAGE } from '../cli-error.js';
import { api, type ClientFlags } from '../daemon-client.js';
import { clientOptions, printJson } from '../output.js';
import { resolveToken } from '../saved-token.js';
import { jsonObjectFlag } from '../json-flag.js';
import { threadIdOf } from '../thread-ref.js';

interface EmitFlags extends ClientFlags {
  thread?: string;
  newThread?: boolean;
  body: string;
  actor?: string;
  parents?: string;
  dataType: string;
  clock?: string;
}

/** `spl intend|do|know|learn`: write one record, picking the thread and the next clock for you. */
export function registerEmit(program: Command): void {
  for (const act of ['INTEND', 'DO', 'KNOW', 'LEARN'] as const) {
    clientOptions(
      program
        .command(act.toLowerCase())
        .description(`write a${act === 'INTEND' ? 'n' : ''} ${act} record`)
        .option('--thread <id|name>', 'a thread id (th_…), a reserved thread, or a name (hashed into a stable thread id)')
        .option('--new-thread', 'start a fresh random thread')
        .option('--body <json>', 'the record body, a JSON object', '{}')
        .option('--actor <did>', "who writes it: your account's own DID (the default, did:sync:sa:<your service account>) or one listed for it with --actors")
        .option('--parents <ids>', 'comma-separated parent record ids')
        .option('--data-type <type>', 'SCALAR, FORMULA, DISTRIBUTION, REFERENCE, MORPHISM or VOID', 'SCALAR')
        .option('--clock <n>', 'the clock (default: one more than your last on this thread)'),
    ).action(async (flags: EmitFlags) => {
      const record = await build(act, flags);
      const stored = await api<StoredRecord>(flags, 'POST', '/v1/records', record);
      if (flags.json) printJson(stored);
      else process.stdout.write(`${act} ${stored.id} on ${stored.thread} (seq ${stored.seq}, clock ${stored.clock})\n`);
    });
  }
}

async function build(act: string, flags: EmitFlags): Promise<Record<string, unknown>> {
  if (flags.thread && flags.newThread) throw new CliError('give --thread or --new-thread, not both', EXIT_USAGE);
  if (!flags.thread && !flags.newThread) throw new CliError('--thread <id|name> or --new-thread is required', EXIT_USAGE);
  const thread = flags.newThread ? newThreadId() : threadIdOf(flags.thread as string);
  const body = jsonObjectFlag(flags.body, '--body');
  // The token's own account is the one DID every token may write as; with no token (auth off) the
  // daemon writes as its insecure-localhost principal.
  const sa = parseBearer(resolveToken(flags.token) ?? '')?.sa;
  const actor = flags.actor ?? principalActor(sa ? { sa_id: sa } : INSECURE_PRINCIPAL);
  let clock: number;
  if (flags.clock !== undefined) {
    if (!/^\d+$/.test(flags.clock)) throw new CliError('--clock must be an integer ≥ 0', EXIT_USAGE);
    clock = Number(flags.clock);
  } else clock = await nextClock(flags, thread, actor);
  return {
    parents: flags.parents ? flags.parents.split(',').map((p) => p.trim()).filter(Boolean) : [],
    thread,
    actor,
    act,
    body,
    clock,
    data_type: flags.dataType,
  };
}

/** One more than the actor's last clock on the thread (0 on a thread it has not written). */
async function nextClock(flags: ClientFlags, thread: string, actor: string): Promise<number> {
  try {
    const state = await api<ThreadState>(flags, 'GET', `/v1/threads/${encodeURIComponent(thread)}/state`);
    const last = state.last_clock[actor];
    return last === undefined ? 0 : last + 1;
  } catch (e) {
    if ((e as Error).message.startsWith('404 ')) return 0;
    throw e;
  }
}
