import { mkdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { CliError, EXIT_USAGE } from '../cli-error.js';
import { printJson } from '../output.js';
import { resolvePaths } from '../paths.js';
import { SYSTEMD_UNIT_NAME, defaultServiceKind, disableCommand, enableCommand, launchdPlist, pinnedEnv, systemdUnit, type ServiceKind } from '../service-units.js';

interface ServiceFlags {
  systemdUser?: boolean;
  launchd?: boolean;
  force?: boolean;
  json?: boolean;
}

/**
 * `spl service install|uninstall`: a systemd user unit or a launchd agent that runs
 * `spl serve --foreground` and restarts it on failure. Prints the file and the one command
 * that enables it; never writes secrets into it.
 */
export function registerService(program: Command): void {
  const service = program.command('service').description('keep the daemon running across reboots: a systemd user unit or a launchd agent');

  service
    .command('install')
    .description('write a unit (Linux: systemd user; macOS: launchd) that runs spl serve --foreground with restart-on-failure')
    .option('--systemd-user', 'write $XDG_CONFIG_HOME/systemd/user/syncropel.service')
    .option('--launchd', 'write ~/Library/LaunchAgents/com.syncropel.spl.plist')
    .option('--force', 'replace an existing file with different content')
    .option('--json', 'print the result as JSON')
    .action((flags: ServiceFlags) => {
      const kind = pickKind(flags);
      const paths = resolvePaths();
      const script = process.argv[1];
      if (!script) throw new CliError('cannot tell where the spl script is');
      const spec = { node: process.execPath, script: realpathSync(script), paths, env: pinnedEnv(paths, process.env) };
      const file = kind === 'systemd-user' ? paths.systemdUnit : paths.launchdPlist;
      const content = kind === 'systemd-user' ? systemdUnit(spec) : launchdPlist(spec);
      const existing = statSync(file, { throwIfNoEntry: false }) ? readFileSync(file, 'utf8') : undefined;
      if (existing !== undefined && existing !== content && !flags.force) {
        throw new CliError(`${file} exists with different content; compare it, then rerun with --force to replace it`);
      }
      const unchanged = existing === content;
      if (!unchanged) {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, content, { mode: 0o644 });
      }
      const enable = enableCommand(kind, file);
      if (flags.json) {
        printJson({ kind, file, written: !unchanged, enable });
        return;
      }
      const lines = [
        `${unchanged ? 'Already installed' : 'Wrote'} ${file} (${kind}): runs ${spec.script} serve --foreground for ${paths.home}, restarted on failure.`,
        '',
        'Enable and start it:',
        `  ${enable}`,
      ];
      if (kind === 'systemd-user') lines.push('', 'To keep it running while you are logged out (and start at boot): loginctl enable-linger "$USER"');
      lines.push('Host, port and durability come from ' + paths.config + ' ([server] host, port, durability).');
      if (process.env.SPL_BOOTSTRAP_TOKEN) {
        lines.push('', 'SPL_BOOTSTRAP_TOKEN is set in this shell but was not written into the unit (no secrets in unit files).', 'Bootstrap once with spl serve --daemon first, or start the service with the variable from a 0600 file of your own.');
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  service
    .command('uninstall')
    .description('remove the unit written by spl service install and print the command that stops it')
    .option('--systemd-user', 'remove the systemd user unit')
    .option('--launchd', 'remove the launchd agent')
    .option('--json', 'print the result as JSON')
    .action((flags: ServiceFlags) => {
      const kind = pickKind(flags);
      const paths = resolvePaths();
      const file = kind === 'systemd-user' ? paths.systemdUnit : paths.launchdPlist;
      const existed = statSync(file, { throwIfNoEntry: false }) !== undefined;
      rmSync(file, { force: true });
      // What `systemctl --user disable` would remove, so nothing dangles after the file is gone.
      if (kind === 'systemd-user') rmSync(join(dirname(file), 'default.target.wants', SYSTEMD_UNIT_NAME), { force: true });
      const stop = disableCommand(kind);
      if (flags.json) printJson({ kind, file, removed: existed, stop });
      else process.stdout.write(existed ? `Removed ${file}.\nIf it is running, stop it:\n  ${stop}\n` : `Nothing to remove: ${file} does not exist.\n`);
    });
}

function pickKind(flags: ServiceFlags): ServiceKind {
  if (flags.systemdUser && flags.launchd) throw new CliError('choose one of --systemd-user, --launchd', EXIT_USAGE);
  if (flags.systemdUser) return 'systemd-user';
  if (flags.launchd) return 'launchd';
  return defaultServiceKind();
}
