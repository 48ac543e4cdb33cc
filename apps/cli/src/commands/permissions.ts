import { existsSync, readFileSync } from 'node:fs';
import { refuseIfDaemonRunning } from '../daemon-liveness.js';
import { withMaintenanceLock } from '../maintenance-lock.js';
import type { Command } from 'commander';
import type { DryRunFlip, PermissionRule, PreflightGap } from '@syncropel/auth';
import { createKernel, readIdentity } from '@syncropel/kernel';
import type { LogStore } from '@syncropel/log';
import { openSqliteLogStore } from '@syncropel/log-sqlite';
import { DEFAULT_STORE, configuredStore, openDaemonStore } from '../daemon-store.js';
import { CliError, EXIT_USAGE } from '../cli-error.js';
import { api, daemonUrl, type ClientFlags } from '../daemon-client.js';
import { clientOptions, printJson, printTable } from '../output.js';
import { resolvePaths } from '../paths.js';

/** `spl config add-permission-rule|list-permission-rules|permissions-enable|permissions-disable|permissions-unlock|permissions-dry-run`. */
export function registerPermissionCommands(config: Command): void {
  clientOptions(
    config
      .command('add-permission-rule')
      .description('add or replace a permission rule (CEL over resource, record, current_actor(), trust(), now())')
      .requiredOption('--name <name>', 'rule name')
      .requiredOption('--action <action>', 'allow or deny')
      .requiredOption('--priority <n>', 'higher is evaluated first; the first match decides')
      .requiredOption('--expression <cel>', 'e.g. \'current_actor() == "did:sync:sa:sa-ci" && resource == "record_write"\''),
  ).action(async (flags: ClientFlags & { name: string; action: string; priority: string; expression: string }) => {
    if (flags.action !== 'allow' && flags.action !== 'deny') throw new CliError('--action must be allow or deny', EXIT_USAGE);
    if (!/^-?\d+$/.test(flags.priority)) throw new CliError('--priority must be an integer', EXIT_USAGE);
    const result = await api<{ entry: unknown }>(flags, 'POST', '/v1/config/entries', {
      topic: 'permission_rule',
      name: flags.name,
      action: flags.action,
      priority: Number(flags.priority),
      expression: flags.expression,
    });
    if (flags.json) printJson(result.entry);
    else process.stdout.write(`permission rule ${flags.name}: ${flags.action} (priority ${flags.priority})\n`);
  });

  clientOptions(config.command('list-permission-rules').description('permission rules in evaluation order, and whether enforcement is on')).action(async (flags: ClientFlags) => {
    const state = await api<{ enabled: boolean; rules: PermissionRule[] }>(flags, 'GET', '/v1/config/permissions');
    if (flags.json) {
      printJson(state);
      return;
    }
    process.stdout.write(`enforcement ${state.enabled ? 'ON' : 'off'}\n`);
    printTable(state.rules as unknown as Record<string, unknown>[], ['priority', 'name', 'action', 'expression']);
  });

  clientOptions(config.command('permissions-enable').description('turn enforcement on, after a preflight that refuses if it would lock out the daemon or you')).action(async (flags: ClientFlags) => {
    try {
      await api(flags, 'POST', '/v1/config/permissions/enable');
    } catch (e) {
      const gaps = (e as CliError & { detail?: { gaps?: PreflightGap[] } }).detail?.gaps;
      if (gaps) {
        process.stderr.write(`spl: refused: enabling permissions would lock out ${gaps.map((g) => `${g.actor} (${g.resource})`).join(', ')}\n`);
        process.stderr.write('add the missing allow rules first, for example:\n');
        for (const g of gaps) process.stderr.write(`  ${g.fix}\n`);
        throw new CliError('permissions stay disabled; nothing was written');
      }
      throw e;
    }
    if (flags.json) printJson({ enabled: true });
    else process.stdout.write('permissions enabled: rules are enforced from the next request\n');
  });

  clientOptions(config.command('permissions-disable').description('turn enforcement off')).action(async (flags: ClientFlags) => {
    await api(flags, 'POST', '/v1/config/permissions/disable');
    if (flags.json) printJson({ enabled: false });
    else process.stdout.write('permissions disabled\n');
  });

  clientOptions(
    config.command('permissions-dry-run').description('show which actors and resources would flip between allow and deny under the current or proposed rules').option('--rule-file <file.json>', 'proposed rules: a JSON array of {name, action, priority, expression}'),
  ).action(async (flags: ClientFlags & { ruleFile?: string }) => {
    let rules: unknown;
    if (flags.ruleFile) {
      try {
        rules = JSON.parse(readFileSync(flags.ruleFile, 'utf8'));
      } catch (e) {
        throw new CliError(`--rule-file ${flags.ruleFile}: ${(e as Error).message}`, EXIT_USAGE);
      }
    }
    const result = await api<{ checked: number; flips: DryRunFlip[] }>(flags, 'POST', '/v1/config/permissions/dry-run', rules === undefined ? {} : { rules });
    if (flags.json) {
      printJson(result);
      return;
    }
    process.stdout.write(`${result.checked} recent request(s) and write(s) checked; ${result.flips.length} change(s)\n`);
    if (result.flips.length) printTable(result.flips as unknown as Record<string, unknown>[], ['actor', 'resource', 'from', 'to', 'occurrences']);
  });

  config
    .command('permissions-unlock')
    .description('recovery: write permissions_enabled=false straight into the log (SQLite: with the daemon stopped; PostgreSQL: running daemons follow it)')
    .option('--url <url>', 'where a running daemon would answer (default: $SPL_URL or http://127.0.0.1:9100)')
    .option('--store <store>', 'the log: sqlite or postgres://… (default: SPL_STORE, else [server] store in config.toml, else sqlite)')
    .option('--json', 'print the result as JSON')
    .action(async (flags: { url?: string; store?: string; json?: boolean }) => {
      const paths = resolvePaths();
      const setting = configuredStore(paths.config, flags.store);
      const done = (id: string, note: string) => {
        if (flags.json) printJson({ enabled: false, record: id });
        else process.stdout.write(`permissions disabled (record ${id}); ${note}\n`);
      };
      if (setting !== DEFAULT_STORE) {
        // A shared log: the record reaches every running daemon as they follow the log, so none need stop.
        const { store } = await openDaemonStore(setting, paths.db, 'full');
        try {
          done(await unlock(store, paths.identity), 'every daemon on this log turns enforcement off as it reads it');
        } finally {
          await store.close();
        }
        return;
      }
      await withMaintenanceLock(paths, 'permissions-unlock', async () => {
        await refuseIfDaemonRunning(daemonUrl(flags.url), paths, 'permissions-unlock');
        if (!existsSync(paths.db)) throw new CliError(`no database at ${paths.db}`);
        const store = openSqliteLogStore({ path: paths.db });
        try {
          done(await unlock(store, paths.identity), 'the next start has enforcement off');
        } finally {
          await store.close();
        }
      });
    });
}

/** Writes permissions_enabled=false into the log as the instance, through a short-lived kernel of its own. */
async function unlock(store: LogStore, identityPath: string): Promise<string> {
  const identity = readIdentity(identityPath);
  if (!identity) throw new CliError(`no daemon identity at ${identityPath}; run spl init`);
  const kernel = createKernel({ store, actor: identity.did });
  await kernel.start();
  try {
    const result = await kernel.emit(identity.did, { thread: 'th_engine_config', act: 'LEARN', body: { topic: 'permissions_enabled', name: 'default', value: false, by: 'permissions-unlock' } });
    return result.record.id;
  } finally {
    await kernel.stop();
  }
}
