import type { Command } from 'commander';
import { instanceKey, loadOrCreateIdentity } from '@syncropel/kernel';
import { join } from 'node:path';
import { CliError } from '../cli-error.js';
import { createHomeDirs } from '../home-dirs.js';
import { resolvePaths } from '../paths.js';

/** `spl init`: creates the home and data folders and the daemon identity (or shows the existing one). Starts nothing. */
export function registerInit(program: Command): void {
  program
    .command('init')
    .description('create ~/.syncro, ~/.syncro-data and the daemon identity, or show the existing one; starts nothing')
    .option('--json', 'print the result as JSON')
    .action((flags: { json?: boolean }) => {
      const paths = resolvePaths();
      let result;
      try {
        createHomeDirs(paths);
        result = loadOrCreateIdentity(paths.identity);
      } catch (e) {
        throw new CliError(`cannot initialise ${paths.home}: ${(e as Error).message}`);
      }
      const { identity, created } = result;
      const backupDir = join(paths.backupRoot, instanceKey(identity.did));
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ home: paths.home, identity_file: paths.identity, did: identity.did, created, backup_dir: backupDir })}\n`);
        return;
      }
      process.stdout.write(
        [
          created ? `Initialised ${paths.home}` : `${paths.home} is already initialised`,
          `  daemon identity  ${identity.did}${created ? ' (new)' : ''}`,
          `  identity file    ${paths.identity} (mode 0600; keep it secret)`,
          `  backups go to    ${backupDir}`,
          '',
          'Next steps:',
          '  spl serve --foreground                 start the daemon in this terminal',
          '  curl -fsS http://127.0.0.1:9100/health  check it answers (prints ok)',
          '  spl status                             see its address, record count and uptime',
          '',
        ].join('\n'),
      );
    });
}
