import type { Command } from 'commander';
import type { ConfigEntry, RoutingRule } from '@syncropel/kernel';
import { CliError, EXIT_USAGE } from '../cli-error.js';
import { api, type ClientFlags } from '../daemon-client.js';
import { clientOptions, printJson, printTable } from '../output.js';

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

  clientOptions(
    config
      .command('add-rule')
      .description('add or replace a routing rule: records matching the CEL condition go to the target actor')
      .requiredOption('--name <name>', 'rule name (letters, digits, _ . : -); adding the same name replaces the rule')
      .requiredOption('--expression <cel>', 'CEL condition over `record`, e.g. \'record.act == "INTEND" && record.body.domain == "code"\'')
      .requiredOption('--target <did>', 'DID of the actor the rule routes to, e.g. did:sync:agent:echo')
      .option('--priority <n>', 'higher runs first (default 0)', '0'),
  ).action(async (flags: ClientFlags & { name: string; expression: string; target: string; priority: string }) => {
    if (!/^-?\d+$/.test(flags.priority)) throw new CliError(`--priority must be an integer, got ${JSON.stringify(flags.priority)}`, EXIT_USAGE);
    const result = await api<{ rule: RoutingRule }>(flags, 'POST', '/v1/config/rules', {
      name: flags.name,
      expression: flags.expression,
      target: flags.target,
      priority: Number(flags.priority),
    });
    if (flags.json) printJson(result.rule);
    else process.stdout.write(`routing rule ${result.rule.name} (priority ${result.rule.priority}) → ${result.rule.target}; it applies from the next record\n`);
  });

  clientOptions(config.command('remove-rule <name>').description('retract a routing rule')).action(async (name: string, flags: ClientFlags) => {
    const result = await api<{ removed: string }>(flags, 'DELETE', `/v1/config/rules/${encodeURIComponent(name)}`);
    if (flags.json) printJson(result);
    else process.stdout.write(`removed routing rule ${result.removed}\n`);
  });

  clientOptions(config.command('list-rules').description('list routing rules in evaluation order')).action(async (flags: ClientFlags) => {
    const result = await api<{ data: RoutingRule[] }>(flags, 'GET', '/v1/config/rules');
    if (flags.json) printJson(result.data);
    else printTable(result.data as unknown as Record<string, unknown>[], ['priority', 'name', 'target', 'expression']);
  });

  clientOptions(config.command('show').description('show every live config entry (newest per topic and name)')).action(async (flags: ClientFlags) => {
    const result = await api<{ data: ConfigEntry[]; skipped: number; last_problem: string | null }>(flags, 'GET', '/v1/config');
    if (flags.json) {
      printJson(result);
      return;
    }
    printTable(
      result.data.map((e) => {
        const { topic: _t, name: _n, at: _a, by: _b, ...rest } = e.body as Record<string, unknown>;
        return { topic: e.topic, name: e.name, seq: e.seq, value: JSON.stringify(rest) };
      }),
      ['topic', 'name', 'seq', 'value'],
    );
    if (result.skipped > 0) process.stdout.write(`${result.skipped} config record(s) in the log were skipped; last: ${result.last_problem}\n`);
  });
}
