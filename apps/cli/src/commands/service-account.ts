import type { Command } from 'commander';
import type { ServiceAccount } from '@syncropel/auth';
import { api, type ClientFlags } from '../daemon-client.js';
import { clientOptions, printJson, printTable } from '../output.js';

const SCOPE_HELP = 'comma-separated: records:read, records:write, threads:write, federation:manage, config:read, config:write, admin, thread:<id>:read|write';

/** `spl service-account create|list|update|revoke`. */
export function registerServiceAccount(program: Command): void {
  const sa = program.command('service-account').description('manage service accounts: one per tool, with a closed set of scopes');

  clientOptions(
    sa
      .command('create <sa_id>')
      .description('create a service account (ids: lowercase letters, digits, dashes)')
      .requiredOption('--scopes <list>', SCOPE_HELP)
      .option('--description <text>', 'what the account is for'),
  ).action(async (saId: string, flags: ClientFlags & { scopes: string; description?: string }) => {
    const created = await api<ServiceAccount>(flags, 'POST', '/v1/service-accounts', {
      sa_id: saId,
      scopes: splitScopes(flags.scopes),
      ...(flags.description ? { description: flags.description } : {}),
    });
    if (flags.json) printJson(created);
    else process.stdout.write(`created ${created.sa_id} (scopes ${created.scopes.join(',')}); mint a token: spl token create --sa ${created.sa_id}\n`);
  });

  clientOptions(sa.command('list').description('list service accounts')).action(async (flags: ClientFlags) => {
    const list = await api<{ data: ServiceAccount[] }>(flags, 'GET', '/v1/service-accounts');
    if (flags.json) printJson(list.data);
    else printTable(list.data.map((a) => ({ ...a, state: a.revoked ? 'revoked' : 'active' })), ['sa_id', 'scopes', 'state', 'created_at', 'description']);
  });

  clientOptions(
    sa
      .command('update <sa_id>')
      .description('change scopes for tokens minted from now on (existing tokens keep theirs)')
      .requiredOption('--scopes <list>', SCOPE_HELP),
  ).action(async (saId: string, flags: ClientFlags & { scopes: string }) => {
    const updated = await api<ServiceAccount>(flags, 'PATCH', `/v1/service-accounts/${encodeURIComponent(saId)}`, { scopes: splitScopes(flags.scopes) });
    if (flags.json) printJson(updated);
    else process.stdout.write(`updated ${updated.sa_id} (scopes ${updated.scopes.join(',')}); existing tokens keep their scopes\n`);
  });

  clientOptions(sa.command('revoke <sa_id>').description('revoke a service account and every token it has')).action(async (saId: string, flags: ClientFlags) => {
    const revoked = await api<ServiceAccount>(flags, 'DELETE', `/v1/service-accounts/${encodeURIComponent(saId)}`);
    if (flags.json) printJson(revoked);
    else process.stdout.write(`revoked ${revoked.sa_id} and its tokens\n`);
  });
}

function splitScopes(list: string): string[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
