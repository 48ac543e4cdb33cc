import type { Command } from 'commander';
import { CliError, EXIT_USAGE } from '../cli-error.js';
import { COMPLETION_SHELLS, completionScript, type CompletionShell } from '../completion.js';

/** `spl completion bash|zsh|fish`: prints a shell completion script for the whole command tree. */
export function registerCompletion(program: Command): void {
  program
    .command('completion <shell>')
    .description(`print a shell completion script (${COMPLETION_SHELLS.join(', ')}) for every command, subcommand and long option`)
    .action((shell: string) => {
      if (!(COMPLETION_SHELLS as readonly string[]).includes(shell)) throw new CliError(`unknown shell ${JSON.stringify(shell)}: use ${COMPLETION_SHELLS.join(', ')}`, EXIT_USAGE);
      process.stdout.write(completionScript(program, shell as CompletionShell));
    });
}
