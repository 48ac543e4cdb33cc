import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { ExpressionOutcome } from '@syncropel/kernel';
import { CliError, EXIT_USAGE } from '../cli-error.js';
import { api, type ClientFlags } from '../daemon-client.js';
import { clientOptions, printJson } from '../output.js';

type Flags = ClientFlags & { context: string; record?: string; resource?: string; actor?: string };

/** `spl expr check|eval`: try CEL the way the daemon compiles and runs it. */
export function registerExpr(program: Command): void {
  const expr = program.command('expr').description('check and evaluate CEL expressions against the live daemon');
  const contextOption = (c: Command) => c.option('--context <context>', 'routing, permission or aitl', 'routing');

  clientOptions(contextOption(expr.command('check <cel>').description('compile an expression; a compile error is reported with its line and column (exit 1)'))).action(
    async (cel: string, flags: Flags) => {
      const outcome = await api<ExpressionOutcome>(flags, 'POST', '/v1/expr/check', { expression: cel, context: flags.context });
      report(outcome, flags, 'compiles');
    },
  );

  clientOptions(
    contextOption(
      expr
        .command('eval <cel>')
        .description('evaluate against live state (trust, time) and a record')
        .option('--record <file.json>', 'the record to bind as `record` (default: an empty map)')
        .option('--resource <name>', 'the `resource` binding (permission context)')
        .option('--actor <did>', 'what current_actor() returns (permission context)'),
    ),
  ).action(async (cel: string, flags: Flags) => {
    let record: unknown = {};
    if (flags.record) {
      try {
        record = JSON.parse(readFileSync(flags.record, 'utf8'));
      } catch (e) {
        throw new CliError(`--record ${flags.record}: ${(e as Error).message}`, EXIT_USAGE);
      }
    }
    const outcome = await api<ExpressionOutcome>(flags, 'POST', '/v1/expr/eval', {
      expression: cel,
      context: flags.context,
      record,
      ...(flags.resource ? { resource: flags.resource } : {}),
      ...(flags.actor ? { actor: flags.actor } : {}),
    });
    report(outcome, flags, 'value');
  });
}

function report(outcome: ExpressionOutcome, flags: ClientFlags, success: 'compiles' | 'value'): void {
  if (flags.json) printJson(outcome);
  if (outcome.ok) {
    if (!flags.json) process.stdout.write(success === 'compiles' ? 'ok: the expression compiles\n' : `${JSON.stringify(outcome.value)}\n`);
    return;
  }
  if (outcome.stage === 'compile') {
    const e = outcome.error;
    throw new CliError(`compile error at line ${e.line}, column ${e.column}: ${e.message}`);
  }
  throw new CliError(`evaluation error (${outcome.error.code}): ${outcome.error.message}`);
}
