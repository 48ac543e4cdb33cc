import type { Command } from 'commander';
import { VERSION } from '../version.js';

/** `spl version`: the CLI's version. */
export function registerVersion(program: Command): void {
  program
    .command('version')
    .description('print the version')
    .option('--json', 'print as JSON')
    .action((flags: { json?: boolean }) => {
      process.stdout.write(flags.json ? `${JSON.stringify({ version: VERSION, node: process.version })}\n` : `spl ${VERSION}\n`);
    });
}
