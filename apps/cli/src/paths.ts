import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** Every file and folder the CLI and daemon use, resolved from the environment (SPEC §9). */
export interface SplPaths {
  /** `$SYNCROPEL_HOME`, default `~/.syncro`. */
  readonly home: string;
  readonly db: string;
  readonly identity: string;
  readonly token: string;
  readonly runDir: string;
  /** `run/spl.pid`: the daemon's pid and a newline (its one-daemon-per-home lock). */
  readonly pidFile: string;
  /** `run/spl.json`: the running daemon's state, address, start time, version and store. */
  readonly infoFile: string;
  readonly logDir: string;
  readonly logFile: string;
  /** `~/.syncro-data`: task content and alias mappings; hub.db operations never touch it. */
  readonly dataDir: string;
  /** `$XDG_DATA_HOME/syncropel/backups`, default `~/.local/share/syncropel/backups`. */
  readonly backupRoot: string;
  /** `config.toml` in the home: bind address, port, durability (see config-file.ts). */
  readonly config: string;
  /** The systemd user unit `spl service install` writes: `$XDG_CONFIG_HOME/systemd/user/syncropel.service`. */
  readonly systemdUnit: string;
  /** The launchd agent `spl service install --launchd` writes: `~/Library/LaunchAgents/com.syncropel.spl.plist`. */
  readonly launchdPlist: string;
}

/** Resolves the paths from `HOME`, `SYNCROPEL_HOME` and `XDG_DATA_HOME` so tests can run in temp dirs. */
export function resolvePaths(env: NodeJS.ProcessEnv = process.env): SplPaths {
  const home = env.HOME && env.HOME.length > 0 ? env.HOME : homedir();
  const splHome = resolve(env.SYNCROPEL_HOME && env.SYNCROPEL_HOME.length > 0 ? env.SYNCROPEL_HOME : join(home, '.syncro'));
  const dataHome = env.XDG_DATA_HOME && env.XDG_DATA_HOME.length > 0 ? env.XDG_DATA_HOME : join(home, '.local', 'share');
  const configHome = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.length > 0 ? env.XDG_CONFIG_HOME : join(home, '.config');
  return {
    home: splHome,
    db: join(splHome, 'hub.db'),
    identity: join(splHome, 'identity.json'),
    token: join(splHome, 'token'),
    runDir: join(splHome, 'run'),
    pidFile: join(splHome, 'run', 'spl.pid'),
    infoFile: join(splHome, 'run', 'spl.json'),
    logDir: join(splHome, 'logs'),
    logFile: join(splHome, 'logs', 'spl.log'),
    dataDir: join(home, '.syncro-data'),
    backupRoot: resolve(dataHome, 'syncropel', 'backups'),
    config: join(splHome, 'config.toml'),
    systemdUnit: resolve(configHome, 'systemd', 'user', 'syncropel.service'),
    launchdPlist: resolve(home, 'Library', 'LaunchAgents', 'com.syncropel.spl.plist'),
  };
}
