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
  readonly pidFile: string;
  readonly logDir: string;
  readonly logFile: string;
  /** `~/.syncro-data`: task content and alias mappings; hub.db operations never touch it. */
  readonly dataDir: string;
  /** `$XDG_DATA_HOME/syncropel/backups`, default `~/.local/share/syncropel/backups`. */
  readonly backupRoot: string;
}

/** Resolves the paths from `HOME`, `SYNCROPEL_HOME` and `XDG_DATA_HOME` so tests can run in temp dirs. */
export function resolvePaths(env: NodeJS.ProcessEnv = process.env): SplPaths {
  const home = env.HOME && env.HOME.length > 0 ? env.HOME : homedir();
  const splHome = resolve(env.SYNCROPEL_HOME && env.SYNCROPEL_HOME.length > 0 ? env.SYNCROPEL_HOME : join(home, '.syncro'));
  const dataHome = env.XDG_DATA_HOME && env.XDG_DATA_HOME.length > 0 ? env.XDG_DATA_HOME : join(home, '.local', 'share');
  return {
    home: splHome,
    db: join(splHome, 'hub.db'),
    identity: join(splHome, 'identity.json'),
    token: join(splHome, 'token'),
    runDir: join(splHome, 'run'),
    pidFile: join(splHome, 'run', 'spl.pid'),
    logDir: join(splHome, 'logs'),
    logFile: join(splHome, 'logs', 'spl.log'),
    dataDir: join(home, '.syncro-data'),
    backupRoot: resolve(dataHome, 'syncropel', 'backups'),
  };
}
