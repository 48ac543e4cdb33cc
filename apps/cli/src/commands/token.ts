import type { Command } from 'commander';
import type { MintedToken, PublicToken } from '@syncropel/auth';
import { api, type ClientFlags } from '../daemon-client.js';
import { clientOptions, printJson, printTable } from '../output.js';
import { saveToken } from '../saved-token.js';


/** `spl token save|create|list|revoke|rotate`. */
export function registerToken(program: Command): void {
  const token = program.command('token').description('save, mint, list, revoke and rotate bearer tokens');

  token
    .command('save <bearer>')
    .description('save a bearer token to ~/.syncro/token (mode 0600); every CLI call then sends it')
    .option('--json', 'print the result as JSON')
    .action((bearer: string, flags: { json?: boolean }) => {
      const saved = saveToken(bearer);
      if (flags.json) printJson({ saved: true, path: saved.path, sa_id: saved.sa, env: saved.env });
      else process.stdout.write(`saved a token for ${saved.sa} (${saved.env}) to ${saved.path}\n`);
    });

  clientOptions(
    token
      .command('create')
      .description('mint a token for a service account; the bearer is shown once')
      .requiredOption('--sa <sa_id>', 'service account the token acts as')
      .option('--env <env>', 'environment label in the bearer (lowercase letters and digits)', 'prod')
      .option('--label <text>', 'a note to recognise the token by')
      .option('--save', 'also save it as this CLI\'s token'),
  ).action(async (flags: ClientFlags & { sa: string; env: string; label?: string; save?: boolean }) => {
    const minted = await api<MintedToken>(flags, 'POST', `/v1/service-accounts/${encodeURIComponent(flags.sa)}/tokens`, {
      env: flags.env,
      ...(flags.label ? { label: flags.label } : {}),
    });
    if (flags.save) saveToken(minted.bearer);
    printMinted(minted, flags, flags.save === true);
  });

  clientOptions(token.command('list').description('list tokens (metadata only; secrets are never stored)').option('--sa <sa_id>', 'only this service account')).action(
    async (flags: ClientFlags & { sa?: string }) => {
      const list = await api<{ data: PublicToken[] }>(flags, 'GET', `/v1/tokens${flags.sa ? `?sa_id=${encodeURIComponent(flags.sa)}` : ''}`);
      if (flags.json) printJson(list.data);
      else printTable(list.data.map((t) => ({ ...t, state: t.revoked ? 'revoked' : 'active' })), ['token_id', 'sa_id', 'env', 'scopes', 'state', 'hash', 'created_at', 'label']);
    },
  );

  clientOptions(token.command('revoke <token_id>').description('revoke a token; requests with it then answer 401')).action(async (tokenId: string, flags: ClientFlags) => {
    const revoked = await api<PublicToken>(flags, 'DELETE', `/v1/tokens/${encodeURIComponent(tokenId)}`);
    if (flags.json) printJson(revoked);
    else process.stdout.write(`revoked ${revoked.token_id} (${revoked.sa_id})\n`);
  });

  clientOptions(
    token
      .command('rotate <token_id>')
      .description('mint a replacement (with the service account\'s current scopes), then revoke the old token')
      .option('--save', 'save the new token as this CLI\'s token'),
  ).action(async (tokenId: string, flags: ClientFlags & { save?: boolean }) => {
    const minted = await api<MintedToken>(flags, 'POST', `/v1/tokens/${encodeURIComponent(tokenId)}/rotate`);
    if (flags.save) saveToken(minted.bearer);
    printMinted(minted, flags, flags.save === true, tokenId);
  });
}

function printMinted(minted: MintedToken, flags: ClientFlags, saved: boolean, replaced?: string): void {
  if (flags.json) {
    printJson({ ...minted, saved, ...(replaced ? { revoked: replaced } : {}) });
    return;
  }
  process.stdout.write(
    [
      `${replaced ? `rotated ${replaced} → ` : 'minted '}${minted.token_id} for ${minted.sa_id} (scopes ${minted.scopes.join(',')})`,
      saved ? '  saved as this CLI\'s token' : '  bearer (shown once; store it now):',
      ...(saved ? [] : [`  ${minted.bearer}`]),
      '',
    ].join('\n'),
  );
}
