import type { Command } from 'commander';
import { api, type ClientFlags } from '../daemon-client.js';
import { clientOptions, printJson } from '../output.js';

/** `spl config …`: engine configuration, written as LEARN records on th_engine_config. */
export function registerConfig(program: Command): void {
  const config = program.command('config').description('engine configuration (every change is a record)');

  clientOptions(
    config
      .command('auth-set-cors-origins [origins...]')
      .description('set the CORS allowlist (replaces it; no origins clears it): e.g. https://app.example.com'),
  ).action(async (origins: string[], flags: ClientFlags) => {
    const result = await api<{ origins: string[] }>(flags, 'POST', '/v1/config/auth_cors_origins', { origins });
    if (flags.json) printJson(result);
    else process.stdout.write(result.origins.length ? `CORS allowlist: ${result.origins.join(' ')}\n` : 'CORS allowlist cleared: no cross-origin access\n');
  });

  clientOptions(config.command('auth-cors-origins').description('show the CORS allowlist')).action(async (flags: ClientFlags) => {
    const result = await api<{ origins: string[] }>(flags, 'GET', '/v1/config/auth_cors_origins');
    if (flags.json) printJson(result);
    else process.stdout.write(result.origins.length ? `${result.origins.join('\n')}\n` : 'none\n');
  });
}
