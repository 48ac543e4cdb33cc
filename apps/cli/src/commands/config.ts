import type { Command } from 'commander';
import type { ConfigEntry, RoutingRule } from '@syncropel/kernel';
import { CliError, EXIT_USAGE } from '../cli-error.js';
import { parseDurationSecs } from '../duration.js';
import { jsonObjectFlag } from '../json-flag.js';
import { registerPermissionCommands } from './permissions.js';
import { api, type ClientFlags } from '../daemon-client.js';
import { clientOptions, printJson, printTable } from '../output.js';

/** `spl config …`: engine configuration, written as LEARN records on th_engine_config. */
export function registerConfig(program: Command): void {
  const config = program.command('config').description('engine configuration (every change is a record)');
  registerPermissionCommands(config);

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

  // Here --url is the adapter's URL (as operators write it), so the daemon's is --daemon-url.
  config
    .command('add-adapter')
    .description('register an adapter bound to the actor DID it acts as (exec: record JSON on stdin, JSON result on stdout)')
    .requiredOption('--name <name>', 'adapter name')
    .requiredOption('--actor <did>', 'the DID it acts as; routing targets name it')
    .requiredOption('--kind <kind>', 'exec or http')
    .option('--command <shell>', 'exec: the command to run')
    .option('--url <url>', 'http: where to POST the record')
    .option('--domain <domain>', 'the domain it serves (for trust-based routing)')
    .option('--timeout <duration>', 'give up after this long (e.g. 30s, 2m)', '30s')
    .option('--daemon-url <url>', 'daemon URL (default: $SPL_URL or http://127.0.0.1:9100)')
    .option('--token <bearer>', 'bearer token (default: $SPL_TOKEN or the saved ~/.syncro/token)')
    .option('--json', 'print the result as JSON')
    .action(async (flags: { daemonUrl?: string; token?: string; json?: boolean; name: string; actor: string; kind: string; command?: string; url?: string; domain?: string; timeout: string }) => {
    const timeout = parseDurationSecs(flags.timeout);
    if (timeout === undefined || timeout < 1) throw new CliError(`--timeout must look like 30s or 2m, got ${JSON.stringify(flags.timeout)}`, EXIT_USAGE);
    const client: ClientFlags = { ...(flags.daemonUrl ? { url: flags.daemonUrl } : {}), ...(flags.token ? { token: flags.token } : {}), ...(flags.json ? { json: true } : {}) };
    const entry = await putEntry(client, {
      topic: 'adapter',
      name: flags.name,
      actor: flags.actor,
      kind: flags.kind,
      ...(flags.command ? { command: flags.command } : {}),
      ...(flags.url ? { url: flags.url } : {}),
      ...(flags.domain ? { domain: flags.domain } : {}),
      timeout_secs: timeout,
    });
    if (flags.json) printJson(entry);
    else process.stdout.write(`adapter ${flags.name} (${flags.kind}) acts as ${flags.actor}\n`);
  });

  clientOptions(config.command('list-adapters').description('list adapters')).action(async (flags: ClientFlags) => {
    const result = await api<{ data: ConfigEntry[] }>(flags, 'GET', '/v1/config');
    const rows = result.data.filter((e) => e.topic === 'adapter').map((e) => ({ name: e.name, ...e.body }));
    if (flags.json) printJson(rows);
    else printTable(rows as Record<string, unknown>[], ['name', 'actor', 'kind', 'domain', 'timeout_secs', 'command', 'url']);
  });

  clientOptions(
    config
      .command('add-aitl-rule')
      .description('hold matching work for a human decision (spl aitl approve|reject)')
      .requiredOption('--name <name>', 'rule name')
      .requiredOption('--expression <cel>', 'CEL condition over `record`')
      .option('--priority <n>', 'higher runs first', '0')
      .option('--timeout <duration>', 'cancel the request if nobody decides within this long', '1h'),
  ).action(async (flags: ClientFlags & { name: string; expression: string; priority: string; timeout: string }) => {
    const timeout = parseDurationSecs(flags.timeout);
    if (timeout === undefined || timeout < 1) throw new CliError(`--timeout must look like 30m or 1h, got ${JSON.stringify(flags.timeout)}`, EXIT_USAGE);
    if (!/^-?\d+$/.test(flags.priority)) throw new CliError('--priority must be an integer', EXIT_USAGE);
    const entry = await putEntry(flags, { topic: 'aitl_rule', name: flags.name, expression: flags.expression, priority: Number(flags.priority), timeout_secs: timeout });
    if (flags.json) printJson(entry);
    else process.stdout.write(`AITL rule ${flags.name}: matching work waits for a decision (expires after ${flags.timeout})\n`);
  });

  clientOptions(config.command('set <topic> <name>').description('write any config entry: e.g. spl config set dispatch default --body \'{"concurrency":8}\'').requiredOption('--body <json>', 'the entry, a JSON object')).action(
    async (topic: string, name: string, flags: ClientFlags & { body: string }) => {
      const entry = await putEntry(flags, { ...jsonObjectFlag(flags.body, '--body'), topic, name });
      if (flags.json) printJson(entry);
      else process.stdout.write(`set ${topic} ${name}\n`);
    },
  );

  clientOptions(config.command('unset <topic> <name>').description('retract a config entry (adapter, aitl_rule, dispatch, ...)')).action(async (topic: string, name: string, flags: ClientFlags) => {
    const result = await api<{ removed: { topic: string; name: string } }>(flags, 'DELETE', `/v1/config/entries/${encodeURIComponent(topic)}/${encodeURIComponent(name)}`);
    if (flags.json) printJson(result);
    else process.stdout.write(`removed ${topic} ${name}\n`);
  });
}

async function putEntry(flags: ClientFlags, body: Record<string, unknown>): Promise<ConfigEntry | undefined> {
  const result = await api<{ entry?: ConfigEntry }>(flags, 'POST', '/v1/config/entries', body);
  return result.entry;
}
