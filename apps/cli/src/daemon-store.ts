import type { LogStore } from '@syncropel/log';
import { openPostgresLogStore } from '@syncropel/log-postgres';
import { checkStoreAtStart, openSqliteLogStore, snapshot, stampVerified, type Durability, type SnapshotResult, type StoreCheck } from '@syncropel/log-sqlite';
import { CliError, EXIT_USAGE } from './cli-error.js';
import { loadConfig, storeProblem } from './config-file.js';
import type { SplPaths } from './paths.js';
import { inspectPidFile } from './pid-file.js';

/** Which log `spl serve` runs on: `sqlite` (hub.db in the home) or a `postgres://` URL shared with other daemons. */
export type StoreSetting = string;

/** The default store: one SQLite file in the home. */
export const DEFAULT_STORE: StoreSetting = 'sqlite';

/** What a start check found, in the daemon's words: passed (and how) or the problems. */
export type StartCheck = Pick<StoreCheck, 'ok' | 'problems' | 'ms'> & { readonly how: StoreCheck['how'] | 'database' };

/**
 * The daemon's log and what only a daemon does with it: check it at start, back it up, close it
 * with a mark that it was verified. SQLite does all three itself; PostgreSQL is the database's
 * (and the operator's pg_dump's) business, so those are no-ops there.
 */
export interface DaemonStore {
  readonly kind: 'sqlite' | 'postgres';
  readonly store: LogStore;
  /** For banners and status: the file, or the URL without its password. */
  readonly location: string;
  /** Started when the store opens, on worker threads; awaited before the kernel goes live. */
  readonly check: Promise<StartCheck>;
  /** A snapshot into `directory`; undefined when the backend is backed up by other means. `ABANDONED` as a message when cut short. */
  backup(directory: string, instanceDid: string, signal: AbortSignal): Promise<SnapshotResult | undefined>;
  /** Closes the store; after a clean stop of a verified SQLite file, stamps it so the next start trusts these bytes. */
  close(verified: boolean): Promise<void>;
}

/** The environment variable naming the store (like `spl serve --store`); also how `--daemon` hands it over. */
export const STORE_ENV = 'SPL_STORE';

/**
 * The store a home runs on: `--store` if given, else SPL_STORE, else `[server] store` in
 * config.toml, else sqlite. A value that names no store is a usage error that never echoes it
 * (a URL may carry a password).
 */
export function configuredStore(configPath: string, flag?: string): StoreSetting {
  const [store, from] = flag !== undefined ? [flag, '--store'] : process.env[STORE_ENV] ? [process.env[STORE_ENV], STORE_ENV] : [loadConfig(configPath).server.store ?? DEFAULT_STORE, 'store'];
  const problem = storeProblem(store);
  if (problem !== null) throw new CliError(`${from} must be "sqlite" or a postgres:// URL; the value given ${problem}`, EXIT_USAGE);
  return store;
}

/**
 * Refuses a file-store operation (backup, restore, vacuum) on a home whose log is in PostgreSQL,
 * naming pg_dump: as configured, or as this home's running daemon was started (`--store`).
 */
export function refuseUnlessSqlite(paths: SplPaths, operation: string): void {
  const daemon = inspectPidFile(paths);
  if (configuredStore(paths.config) !== DEFAULT_STORE || (daemon.state === 'running' && daemon.record.store === 'postgres')) {
    throw new CliError(`${operation} works on hub.db; this home's log is in PostgreSQL: ${POSTGRES_BACKUP_HINT}`);
  }
}

/** How a PostgreSQL-backed daemon is backed up: named wherever a backup is asked for. */
export const POSTGRES_BACKUP_HINT = 'backups of a PostgreSQL store are taken with pg_dump (e.g. pg_dump --format=custom --file=spl.dump <url>) and restored with pg_restore';

/** Opens the store a `spl serve` setting names; a store that cannot be opened is a one-line CliError. */
export async function openDaemonStore(setting: StoreSetting, dbPath: string, durability: Durability): Promise<DaemonStore> {
  return setting === DEFAULT_STORE ? openSqlite(dbPath, durability) : openPostgres(setting);
}

function openSqlite(path: string, durability: Durability): DaemonStore {
  let store: ReturnType<typeof openSqliteLogStore>;
  try {
    store = openSqliteLogStore({ path, durability });
  } catch (e) {
    // A store that cannot be opened or migrated is most likely damaged: never start it as empty.
    throw new CliError(`${(e as Error).message}; if ${path} is damaged, restore a backup: spl backup list, then spl backup restore <file>`);
  }
  // A corrupt or tampered store must not be served: checked on worker threads while state folds
  // (after the open, so a migration or the switch to WAL never waits on the check's reads).
  const check: Promise<StartCheck> = checkStoreAtStart(path);
  check.catch(() => undefined); // awaited by the daemon; a failure before then must not go unhandled
  return {
    kind: 'sqlite',
    store,
    location: path,
    check,
    backup: (directory, instanceDid, signal) => snapshot(path, { directory, instanceDid, signal }),
    async close(verified) {
      await check.catch(() => undefined);
      // A final TRUNCATE checkpoint, then close.
      await store.close();
      if (verified) await stampVerified(path);
    },
  };
}

async function openPostgres(url: string): Promise<DaemonStore> {
  let store: Awaited<ReturnType<typeof openPostgresLogStore>>;
  try {
    store = await openPostgresLogStore({ url });
  } catch (e) {
    throw new CliError(`cannot open the PostgreSQL store: ${(e as Error).message}`);
  }
  return {
    kind: 'postgres',
    store,
    location: store.description,
    // The database guards its own pages; records are checked by the triggers as they are written.
    check: Promise.resolve({ ok: true, how: 'database', problems: [], ms: 0 }),
    backup: () => Promise.resolve(undefined),
    close: () => store.close(),
  };
}
