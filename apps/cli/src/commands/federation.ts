import type { Command } from 'commander';
import type { PairView, SyncReport } from '@syncropel/federation';
import { CliError, EXIT_USAGE } from '../cli-error.js';
import { api, type ClientFlags } from '../daemon-client.js';
import { parseDurationSecs } from '../duration.js';
import { clientOptions, printJson, printTable } from '../output.js';
import { threadIdOf } from '../thread-ref.js';

/** How often `spl federation pair --wait` asks whether the peer's operator has decided. */
const PAIR_WAIT_POLL_MS = 500;

/** `spl federation pair|list|show|share|sync|revoke`: pairing with other instances and sharing threads. */
export function registerFederation(program: Command): void {
  const federation = program.command('federation').description('pair with other instances, share threads with them, pull their changes, revoke');

  clientOptions(
    federation
      .command('pair <url>')
      .description("ask the instance at <url> to pair; its operator approves it there (spl aitl approve)")
      .option('--no-strict', "accept a peer manifest outside its validity window (expired, or clocks out of step); its signature is still checked")
      .option('--wait <secs>', 'wait this long for the peer operator to decide (e.g. 60, 2m); exit 1 if the pair is not active by then'),
  ).action(async (url: string, flags: ClientFlags & { strict: boolean; wait?: string }) => {
    const wait = flags.wait === undefined ? 0 : parseDurationSecs(flags.wait);
    if (wait === undefined || wait < 0) throw new CliError(`--wait must be a number of seconds (or 30s, 2m), got ${JSON.stringify(flags.wait)}`, EXIT_USAGE);
    let pair = await api<PairView>(flags, 'POST', '/v1/federation/pairs', { url, strict: flags.strict });
    const until = Date.now() + wait * 1000;
    while (pair.state === 'establishing' && Date.now() < until) {
      await new Promise((r) => setTimeout(r, PAIR_WAIT_POLL_MS));
      pair = await api<PairView>(flags, 'GET', pairPath(pair.pair_id));
    }
    if (flags.json) printJson(pair);
    else process.stdout.write(`pair ${pair.pair_id} with ${pair.peer_did} at ${pair.peer_url}: ${pair.state}\n${pair.state === 'establishing' ? approvalHint(pair) : ''}`);
    if (pair.state === 'rejected' || pair.state === 'revoked') throw new CliError(`pair ${pair.pair_id} is ${pair.state}${pair.revoked_reason ? ` (${pair.revoked_reason})` : ''}`);
    if (pair.state === 'establishing' && flags.wait !== undefined) throw new CliError(`pair ${pair.pair_id} is still establishing after ${wait} s: the peer's operator has not approved it yet`);
  });

  clientOptions(federation.command('list').description('pairs with other instances, and what they share')).action(async (flags: ClientFlags) => {
    const list = await api<{ data: PairView[] }>(flags, 'GET', '/v1/federation/pairs');
    if (flags.json) printJson(list.data);
    else
      printTable(
        list.data.map((p) => ({ ...p, shared: p.shared_threads.length, received: p.received_threads.length, last_sync: p.sync.last_error ? `${p.sync.last_sync_at} (failed)` : p.sync.last_sync_at })),
        ['pair_id', 'peer_did', 'state', 'role', 'shared', 'received', 'last_sync'],
      );
  });

  clientOptions(federation.command('show <pair>').description('one pair, by its id (fed_…) or the peer DID')).action(async (id: string, flags: ClientFlags) => {
    const pair = await api<PairView>(flags, 'GET', pairPath(id));
    if (flags.json) printJson(pair);
    else process.stdout.write(formatPair(pair));
  });

  clientOptions(
    federation
      .command('share <pair>')
      .description('share a thread this instance owns with a pair (the peer pulls its records), or stop sharing it')
      .requiredOption('--thread <id|name>', 'a thread id (th_…) or a name (hashed into a stable thread id, as spl intend --thread does)')
      .option('--stop', 'stop sharing the thread (records already pulled stay with the peer)'),
  ).action(async (id: string, flags: ClientFlags & { thread: string; stop?: boolean }) => {
    const thread = threadIdOf(flags.thread);
    const pair = await api<PairView>(flags, 'POST', `${pairPath(id)}/threads`, { thread, shared: flags.stop !== true });
    if (flags.json) printJson(pair);
    else process.stdout.write(`${flags.stop ? 'stopped sharing' : 'sharing'} ${thread} with ${pair.peer_did} (pair ${pair.pair_id}; ${pair.shared_threads.length} thread(s) shared)\n`);
  });

  clientOptions(federation.command('sync <pair>').description("pull the pair's changes now, until caught up (the daemon also pulls every minute)")).action(async (id: string, flags: ClientFlags) => {
    const report = await api<SyncReport>(flags, 'POST', `${pairPath(id)}/sync`);
    if (flags.json) printJson(report);
    else
      process.stdout.write(
        `synced ${report.pair_id}: pulled ${report.pulled} record(s) in ${report.pages} page(s): ${report.created} new, ${report.duplicate} already held, ${report.refused} refused, ${report.waiting} waiting for parents${report.has_more ? '; more to pull: run it again' : ''}\n`,
      );
  });

  clientOptions(
    federation
      .command('revoke <pair>')
      .description("end a pair for good: the peer's token stops working at once and the peer is told")
      .option('--reason <text>', 'why (kept in the pair record and sent to the peer)'),
  ).action(async (id: string, flags: ClientFlags & { reason?: string }) => {
    const revoked = await api<PairView & { peer_notified: boolean }>(flags, 'DELETE', pairPath(id), flags.reason ? { reason: flags.reason } : {});
    if (flags.json) printJson(revoked);
    else process.stdout.write(`revoked ${revoked.pair_id} with ${revoked.peer_did}; ${revoked.peer_notified ? 'the peer was told' : 'the peer could not be told (its token for this instance is revoked all the same)'}\n`);
  });
}

function pairPath(id: string): string {
  return `/v1/federation/pairs/${encodeURIComponent(id)}`;
}

/** What an establishing pair waits for, and who has to act. */
function approvalHint(p: PairView): string {
  if (p.role === 'responder') return `  waiting for you: approve it with spl aitl approve ${p.aitl_request ?? '<id from spl aitl list>'} (or reject it with spl aitl reject)\n`;
  return [
    `  waiting for the operator of ${p.peer_url}: on that instance, spl federation show ${p.pair_id} names the request,`,
    '  then spl aitl approve <id> (spl aitl list shows it too); this instance checks every 2 s and the pair turns active a few seconds later',
    '',
  ].join('\n');
}

function formatPair(p: PairView): string {
  const s = p.sync;
  return [
    `pair         ${p.pair_id}`,
    `peer         ${p.peer_did}`,
    `peer url     ${p.peer_url}`,
    `state        ${p.state}${p.state === 'revoked' ? ` by ${p.revoked_by === 'peer' ? 'the peer' : 'this instance'}${p.revoked_reason ? ` (${p.revoked_reason})` : ''}` : ''}`,
    `role         ${p.role}`,
    `created      ${p.created_at}, updated ${p.updated_at}`,
    `issued       ${p.issued_sa ? `${p.issued_sa} (token ${p.issued_token_id}${p.state === 'revoked' ? ', revoked' : ''})` : '-'}`,
    // Revoking removes the peer's token from ~/.syncro/federation; the fold still says one was handed over.
    `credential   ${p.state === 'revoked' ? 'removed' : p.peer_credential ? 'held (from the peer)' : 'none yet'}`,
    ...(p.aitl_request ? [`aitl request ${p.aitl_request}`] : []),
    `shared       ${p.shared_threads.length ? p.shared_threads.join(', ') : '-'}`,
    `received     ${p.received_threads.length ? p.received_threads.join(', ') : '-'}`,
    `cursor       ${p.cursor ?? '-'}`,
    `last sync    ${s.last_sync_at ?? 'not since the daemon started'}${s.last_error ? ` (failed: ${s.last_error})` : ''}`,
    `pulled       ${s.pulled}: ${s.created} new, ${s.duplicate} already held, ${s.refused} refused (${s.unsigned_or_bad_signature} unsigned or badly signed), ${s.waiting} waiting, ${s.dropped} dropped`,
    ...(p.state === 'establishing' ? [approvalHint(p).trimEnd()] : []),
    '',
  ].join('\n');
}
