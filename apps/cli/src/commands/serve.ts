import type { Command } from 'commander';
import { DEFAULT_DURABILITY, type Durability } from '@syncropel/log';
import { CliError, EXIT_USAGE } from '../cli-error.js';
import { startDaemon } from '../daemon-process.js';
import { DEFAULT_HOST, DEFAULT_PORT, LOOPBACK_HOSTS } from '../defaults.js';
import { resolvePaths } from '../paths.js';
import { VERSION } from '../version.js';

interface ServeFlags {
  foreground?: boolean;
  daemon?: boolean;
  stop?: boolean;
  host: string;
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
    .option('--host <host>', 'address to bind; only loopback until auth is available', DEFAULT_HOST)
    .option('--port <port>', 'port to bind (0 picks a free one)', String(DEFAULT_PORT))
    .option('--durability <level>', 'full: survive power loss (fsync per commit group); normal: survive a killed process', DEFAULT_DURABILITY)
    .action(async (flags: ServeFlags) => {
      if (flags.daemon || flags.stop) {
        throw new CliError(`spl serve ${flags.daemon ? '--daemon' : '--stop'} is not available yet; run spl serve --foreground and stop it with Ctrl-C or SIGTERM`, EXIT_USAGE);
      }
      const port = Number(flags.port);
      if (!/^\d+$/.test(flags.port) || port > 65535) throw new CliError(`--port must be an integer from 0 to 65535, got ${JSON.stringify(flags.port)}`, EXIT_USAGE);
      if (!LOOPBACK_HOSTS.has(flags.host)) {
        // Without authentication, anything beyond loopback would expose the log to the network.
        throw new CliError(`refusing to bind ${flags.host}: this version has no authentication, so it binds loopback only (127.0.0.1, ::1, localhost)`, EXIT_USAGE);
      }
      if (flags.durability !== 'full' && flags.durability !== 'normal') {
        throw new CliError(`--durability must be full or normal, got ${JSON.stringify(flags.durability)}`, EXIT_USAGE);
      }
      const paths = resolvePaths();
      const say = (line: string) => process.stderr.write(`spl: ${line}\n`);
      const daemon = await startDaemon({ paths, host: flags.host, port, durability: flags.durability as Durability, say });
      const health = daemon.kernel.health();
      process.stdout.write(
        [
          `Syncropel spl ${VERSION}`,
          `  instance   ${daemon.identity.did}`,
          `  listening  http://${daemon.server.address}`,
          `  database   ${paths.db} (${health.record_count} records, durability ${flags.durability})`,
          `  backups    ${daemon.backupDir}`,
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
