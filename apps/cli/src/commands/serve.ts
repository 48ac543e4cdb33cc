import type { Command } from 'commander';
import { DEFAULT_DURABILITY, type Durability } from '@syncropel/log';
import { CliError, EXIT_USAGE } from '../cli-error.js';
import { startDaemon } from '../daemon-process.js';
import { DEFAULT_HOST, DEFAULT_PORT, LOOPBACK_HOSTS } from '../defaults.js';
import { resolvePaths } from '../paths.js';
import { VERSION } from '../version.js';
import type { EnvBootstrapOutcome } from '@syncropel/auth';

/** Tells the operator what SPL_BOOTSTRAP_TOKEN did, never echoing its value. */
function reportBootstrap(outcome: EnvBootstrapOutcome, say: (line: string) => void): void {
  if (outcome.kind === 'minted') say(`SPL_BOOTSTRAP_TOKEN: minted service account ${outcome.sa_id} (admin), token ${outcome.token_id}; bearer is spl_prod_${outcome.sa_id}_<your secret>`);
  else if (outcome.kind === 'skipped') say(`SPL_BOOTSTRAP_TOKEN: ${outcome.reason}`);
  else if (outcome.kind === 'invalid') say(`warning: ${outcome.reason}; starting without it`);
}

interface ServeFlags {
  foreground?: boolean;
  daemon?: boolean;
  stop?: boolean;
  insecureLocalhost?: boolean;
  host?: string;
  port: string;
  durability: string;
}

/** `spl serve`: runs the daemon in this terminal until Ctrl-C or SIGTERM. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the daemon: the record log and its HTTP API')
    .option('--foreground', 'run in this terminal until Ctrl-C / SIGTERM (the default)')
    .option('--daemon', 'detach into the background (not available yet)')
    .option('--stop', 'stop a detached daemon (not available yet)')
    .option('--insecure-localhost', 'turn auth off and bind 127.0.0.1 only, to mint the first service account (laptop use)')
    .option('--host <host>', `address to bind (default: ${DEFAULT_HOST})`)
    .option('--port <port>', 'port to bind (0 picks a free one)', String(DEFAULT_PORT))
    .option('--durability <level>', 'full: survive power loss (fsync per commit group); normal: survive a killed process', DEFAULT_DURABILITY)
    .action(async (flags: ServeFlags) => {
      if (flags.daemon || flags.stop) {
        throw new CliError(`spl serve ${flags.daemon ? '--daemon' : '--stop'} is not available yet; run spl serve --foreground and stop it with Ctrl-C or SIGTERM`, EXIT_USAGE);
      }
      const port = Number(flags.port);
      if (!/^\d+$/.test(flags.port) || port > 65535) throw new CliError(`--port must be an integer from 0 to 65535, got ${JSON.stringify(flags.port)}`, EXIT_USAGE);
      const host = flags.host ?? DEFAULT_HOST;
      if (flags.insecureLocalhost && host !== DEFAULT_HOST) {
        // With auth off, anyone who can reach the port owns the instance: only loopback is acceptable.
        throw new CliError(`--insecure-localhost binds ${DEFAULT_HOST} only; refusing --host ${host}`, EXIT_USAGE);
      }
      if (flags.durability !== 'full' && flags.durability !== 'normal') {
        throw new CliError(`--durability must be full or normal, got ${JSON.stringify(flags.durability)}`, EXIT_USAGE);
      }
      const paths = resolvePaths();
      const say = (line: string) => process.stderr.write(`spl: ${line}\n`);
      const daemon = await startDaemon({
        paths,
        host,
        port,
        durability: flags.durability as Durability,
        insecureLocalhost: flags.insecureLocalhost === true,
        bootstrapSecret: process.env.SPL_BOOTSTRAP_TOKEN,
        say,
      });
      reportBootstrap(daemon.bootstrap, say);
      if (!LOOPBACK_HOSTS.has(host)) say(`listening beyond loopback on ${host}: every route but /health needs a bearer token; set a CORS allowlist before browsers use it`);
      const health = daemon.kernel.health();
      process.stdout.write(
        [
          `Syncropel spl ${VERSION}`,
          `  instance   ${daemon.identity.did}`,
          `  listening  http://${daemon.server.address}`,
          `  database   ${paths.db} (${health.record_count} records, durability ${flags.durability})`,
          `  backups    ${daemon.backupDir}`,
          flags.insecureLocalhost
            ? `  auth       OFF (--insecure-localhost); ${daemon.auth.bootstrapOpen() ? 'mint the first service account: POST /v1/bootstrap/service-account' : 'bootstrap is closed'}`
            : `  auth       required${daemon.auth.bootstrapOpen() ? ' (no service account yet: set SPL_BOOTSTRAP_TOKEN, or restart with --insecure-localhost)' : ''}`,
          'Press Ctrl-C to stop.',
          '',
        ].join('\n'),
      );
      const onSignal = (signal: NodeJS.Signals) => {
        if (signalled) {
          say(`${signal} received again; already stopping`);
          return;
        }
        signalled = true;
        daemon.stop(signal).then(
          () => process.exit(0),
          (e: unknown) => {
            say(`shutdown failed: ${(e as Error).message}`);
            process.exit(1);
          },
        );
      };
      let signalled = false;
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    });
}
