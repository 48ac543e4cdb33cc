import type { Command } from 'commander';
import { SCOPES, type ServiceAccount } from '@syncropel/auth';
import { CliError, EXIT_USAGE } from '../cli-error.js';
import { api, type ClientFlags } from '../daemon-client.js';
import { clientOptions, printJson, printTable } from '../output.js';

const SCOPE_HELP = `comma-separated: ${SCOPES.join(', ')}, thread:<id>:read|write`;
const ACTORS_HELP = 'comma-separated DIDs it may also write as (its own did:sync:sa:<id> is always allowed), e.g. did:sync:agent:echo';

/** `spl service-account create|list|update|revoke`. */
export function registerServiceAccount(program: Command): void {
  const sa = program.command('service-account').description('manage service accounts: one per tool, with a closed set of scopes');

  clientOptions(
    sa
      .command('create <sa_id>')
      .description('create a service account (ids: lowercase letters, digits, dashes)')
      .requiredOption('--scopes <list>', SCOPE_HELP)
      .option('--actors <dids>', ACTORS_HELP)
      .option('--description <text>', 'what the account is for'),
  ).action(async (saId: string, flags: ClientFlags & { scopes: string; actors?: string; description?: string }) => {
    const created = await api<ServiceAccount>(flags, 'POST', '/v1/service-accounts', {
      sa_id: saId,
      scopes: splitList(flags.scopes),
      ...(flags.actors !== undefined ? { actors: splitList(flags.actors) } : {}),
      ...(flags.description ? { description: flags.description } : {}),
    });
    if (flags.json) printJson(created);
    else process.stdout.write(`created ${created.sa_id} (scopes ${created.scopes.join(',')}; writes as ${writesAs(created)}); mint a token: spl token create --sa ${created.sa_id}\n`);
  });

  clientOptions(sa.command('list').description('list service accounts')).action(async (flags: ClientFlags) => {
    const list = await api<{ data: ServiceAccount[] }>(flags, 'GET', '/v1/service-accounts');
    if (flags.json) printJson(list.data);
    else printTable(list.data.map((a) => ({ ...a, state: a.revoked ? 'revoked' : 'active' })), ['sa_id', 'scopes', 'actors', 'state', 'created_at', 'description']);
  });

  clientOptions(
    sa
      .command('update <sa_id>')
      .description('change scopes (for tokens minted from now on; existing tokens keep theirs) or the DIDs it may write as (at once, for every token)')
      .option('--scopes <list>', SCOPE_HELP)
      .option('--actors <dids>', `${ACTORS_HELP}; replaces the list ("" clears it)`),
  ).action(async (saId: string, flags: ClientFlags & { scopes?: string; actors?: string }) => {
    if (flags.scopes === undefined && flags.actors === undefined) throw new CliError('give --scopes, --actors or both', EXIT_USAGE);
    const updated = await api<ServiceAccount>(flags, 'PATCH', `/v1/service-accounts/${encodeURIComponent(saId)}`, {
      ...(flags.scopes !== undefined ? { scopes: splitList(flags.scopes) } : {}),
      ...(flags.actors !== undefined ? { actors: splitList(flags.actors) } : {}),
    });
    if (flags.json) printJson(updated);
    else process.stdout.write(`updated ${updated.sa_id} (scopes ${updated.scopes.join(',')}; writes as ${writesAs(updated)})${flags.scopes !== undefined ? '; existing tokens keep their scopes' : ''}\n`);
  });

  clientOptions(sa.command('revoke <sa_id>').description('revoke a service account and every token it has')).action(async (saId: string, flags: ClientFlags) => {
    const revoked = await api<ServiceAccount>(flags, 'DELETE', `/v1/service-accounts/${encodeURIComponent(saId)}`);
    if (flags.json) printJson(revoked);
    else process.stdout.write(`revoked ${revoked.sa_id} and its tokens\n`);
  });
}

/** The DIDs an account writes as, own first, for one line of output. */
function writesAs(sa: ServiceAccount): string {
  return [`did:sync:sa:${sa.sa_id}`, ...sa.actors].join(',');
}

function splitList(list: string): string[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
