import { Command, CommanderError } from 'commander';
import { EXIT_USAGE, isCliError } from './cli-error.js';
import { registerInit } from './commands/init.js';
import { registerServe } from './commands/serve.js';
import { registerStatus } from './commands/status.js';
import { registerVersion } from './commands/version.js';
import { registerToken } from './commands/token.js';
import { registerServiceAccount } from './commands/service-account.js';
import { registerConfig } from './commands/config.js';
import { registerDoctor } from './commands/doctor.js';
import { registerService } from './commands/service.js';
import { registerExpr } from './commands/expr.js';
import { registerThreads } from './commands/thread.js';
import { registerEmit } from './commands/emit.js';
import { registerWork } from './commands/work.js';
import { registerBackup } from './commands/backup.js';
import { registerFederation } from './commands/federation.js';
import { registerCompletion } from './commands/completion.js';
import { addHelpExamples } from './help-examples.js';
import { VERSION } from './version.js';

/** Builds the `spl` command tree. */
export function buildProgram(): Command {
  const program = new Command('spl')
    .description('Syncropel: a self-hosted coordination kernel over an append-only record log')
    .version(VERSION, '-V, --version', 'print the version')
    .showHelpAfterError('(run spl --help or spl <command> --help for usage)')
    .exitOverride();
  registerInit(program);
  registerServe(program);
  registerStatus(program);
  registerVersion(program);
  registerToken(program);
  registerServiceAccount(program);
  registerConfig(program);
  registerDoctor(program);
  registerService(program);
  registerExpr(program);
  registerThreads(program);
  registerEmit(program);
  registerWork(program);
  registerBackup(program);
  registerFederation(program);
  registerCompletion(program);
  addHelpExamples(program);
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const command of all(program)) command.exitOverride();
  return program;
}

/** Runs the CLI and returns the exit code; failures are one line on stderr. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version are "errors" in commander's exit model but successes for the user.
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return e.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (isCliError(e)) {
      process.stderr.write(`spl: ${e.message}\n`);
      return e.exitCode;
    }
    process.stderr.write(`spl: unexpected error: ${(e as Error).message}\n`);
    return 1;
  }
}
