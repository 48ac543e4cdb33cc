import { join } from 'node:path';
import { createAuth, type Auth, type EnvBootstrapOutcome } from '@syncropel/auth';
import { createApp, listen, type RunningServer } from '@syncropel/http';
import { createKernel, instanceKey, loadOrCreateIdentity, readTokenKey, type DaemonIdentity, type Kernel } from '@syncropel/kernel';
import { openSqliteLogStore, snapshot, type Durability, type SqliteLogStore } from '@syncropel/log';
import { CliError } from './cli-error.js';
import { urlForBind } from './config-file.js';
import type { DaemonLog } from './daemon-log.js';
import { SHUTDOWN_GRACE_MS } from './defaults.js';
import { createHomeDirs } from './home-dirs.js';
import type { SplPaths } from './paths.js';
import { maintenanceHolder } from './maintenance-lock.js';
import { acquirePidFile, releasePidFile, updatePidFile, type PidRecord } from './pid-file.js';
import { isSplServeOf, listeningPid, portOwnerHint } from './process-probe.js';
import { VERSION } from './version.js';

/** A backup generation is taken daily by CRON, besides the one at every start. */
export const DAILY_BACKUP_SECS = 86_400;

/** What `spl serve` was asked to run. */
export interface DaemonOptions {
  readonly paths: SplPaths;
  readonly host: string;
  readonly port: number;
  readonly durability: Durability;
  /** `--insecure-localhost`: auth off (the caller has already pinned the host to 127.0.0.1). */
  readonly insecureLocalhost: boolean;
  /** The value of SPL_BOOTSTRAP_TOKEN, if set (Path A). */
  readonly bootstrapSecret: string | undefined;
  /** Where progress and problems go: the terminal in the foreground, JSON lines when detached. */
  readonly log: DaemonLog;
}

/** A running daemon: its parts and the one way to stop it. */
export interface Daemon {
  readonly identity: DaemonIdentity;
  readonly server: RunningServer;
  readonly kernel: Kernel;
  readonly auth: Auth;
  readonly store: SqliteLogStore;
  /** What SPL_BOOTSTRAP_TOKEN led to at this start. */
  readonly bootstrap: EnvBootstrapOutcome;
  readonly backupDir: string;
  /** `http://host:port` as bound. */
  readonly url: string;
  /** Shuts down in the documented order; safe to call more than once (later calls share the first). */
  stop(reason: string): Promise<void>;
}

/**
 * Starts the daemon's parts in order and returns once the port is bound:
 *   PID file (the one-daemon-per-home lock) → identity → open store (migrate) → auth attaches
 *   its fold → kernel rebuild → Path A bootstrap (before anything can be requested) → bind HTTP
 *   → PID file records the real address.
 * Any failure undoes what was started, releases the PID file and throws a one-line CliError.
 *
 * `stop()` shuts down in this order, so nothing acknowledged is lost and nothing is left behind:
 *   1. stop accepting connections;
 *   2. drain in-flight HTTP requests (bounded by SHUTDOWN_GRACE_MS; past it, say so and go on);
 *   3. stop the loops: flush the aggregated audit records, then stop the kernel (its pending
 *      commit group is written before it returns);
 *   4. checkpoint the WAL into hub.db (TRUNCATE) and 5. close SQLite — both in `closeAsync`;
 *   6. remove the PID file (last, so `--stop` waiting on it sees a finished shutdown).
 *
 * @example
 * const daemon = await startDaemon({ paths: resolvePaths(), host: '127.0.0.1', port: 0, durability: 'full',
 *   insecureLocalhost: false, bootstrapSecret: undefined, log });
 * await daemon.stop('done');
 */
export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { paths, log } = options;
  createHomeDirs(paths);
  const startedAt = new Date().toISOString();
  const pidRecord = (state: PidRecord['state'], port: number, url: string | null): PidRecord => ({
    pid: process.pid,
    state,
    home: paths.home,
    host: options.host,
    port,
    url,
    started_at: startedAt,
    version: VERSION,
  });
  acquirePidFile(paths, pidRecord('starting', options.port, null), (note) => log.warn(note));
  // Checked after taking the PID file, so a restore starting now sees this daemon and refuses.
  const maintenance = maintenanceHolder(paths);
  if (maintenance) {
    releasePidFile(paths, process.pid);
    throw new CliError(`a maintenance operation (${maintenance.operation}, pid ${maintenance.pid}) is running on this home; start the daemon when it ends`);
  }

  let identity: DaemonIdentity;
  let tokenKey: Uint8Array;
  let store: SqliteLogStore;
  try {
    const loaded = loadOrCreateIdentity(paths.identity);
    identity = loaded.identity;
    const key = readTokenKey(paths.identity);
    if (!key) throw new CliError(`the identity file ${paths.identity} disappeared while starting`);
    tokenKey = key;
    if (loaded.created) log.info(`generated daemon identity ${identity.did}`);
    store = openStore(paths.db, options.durability);
    // A corrupt store must not start serving as if it were empty.
    const check = store.quickCheck();
    if (check !== 'ok') {
      store.close();
      throw new CliError(`${paths.db} fails its integrity check (${check.slice(0, 200)}); restore a backup: spl backup list, then spl backup restore <file>`);
    }
  } catch (e) {
    releasePidFile(paths, process.pid);
    throw e instanceof CliError ? e : new CliError((e as Error).message);
  }
  const backupDir = join(paths.backupRoot, instanceKey(identity.did));
  const kernel = createKernel({ store, actor: identity.did, workLoop: true, onError: (e, where) => log.error(`error in ${where}: ${(e as Error).message}`) });
  const auth = createAuth({ kernel, actor: identity.did, tokenKey });
  const authRequired = !options.insecureLocalhost;
  let server: RunningServer | undefined;
  let lastBackup: { at: string; path: string; record_count: number } | null = null;
  let backupWarning: string | null = null;
  const takeBackup = async (why: string) => {
    const result = await snapshot(store, { directory: backupDir, instanceDid: identity.did });
    if (result.replaced) {
      lastBackup = { at: result.manifest.created_at, path: result.path, record_count: result.manifest.record_count };
      backupWarning = null;
      log.info(`${why} backup: ${result.manifest.record_count} records → ${result.path}`);
    } else {
      // The guard kept the old backup: this is the moment an operator must hear about.
      backupWarning = `BACKUP KEPT: ${result.guard}. The good backup is ${join(backupDir, 'hub.db.bak')}; this store was saved beside it as ${result.path}. If records are missing, restore: spl serve --stop && spl backup restore ${join(backupDir, 'hub.db.bak')}`;
      log.error(backupWarning);
    }
  };
  const info = () => ({
    version: VERSION,
    instance_did: identity.did,
    bind: server?.address ?? null,
    db_path: paths.db,
    backup_dir: backupDir,
    auth_required: authRequired,
    pid: process.pid,
    last_backup: lastBackup,
    backup_warning: backupWarning,
  });
  const app = createApp({ kernel, auth, authRequired: () => authRequired, info, onError: (e) => log.error(`internal error: ${(e as Error).stack ?? String(e)}`) });
  let bootstrap: EnvBootstrapOutcome = { kind: 'unset' };
  try {
    await kernel.start();
    // Path A runs before the port opens, so there is never a window without an admin.
    bootstrap = await auth.bootstrapFromEnv(options.bootstrapSecret);
    // Every start takes a snapshot; the guard makes sure it never replaces a better backup.
    await takeBackup('startup').catch((e: unknown) => {
      backupWarning = `startup backup failed: ${(e as Error).message}`;
      log.error(backupWarning);
    });
    kernel.schedule('backup', DAILY_BACKUP_SECS, () =>
      takeBackup('daily').catch((e: unknown) => {
        backupWarning = `daily backup failed: ${(e as Error).message}`;
        log.error(backupWarning);
        throw e; // CRON records it as the job's last error too
      }),
    );
    server = await listen(app, options.host, options.port);
  } catch (e) {
    await auth.stop();
    await kernel.stop();
    await store.closeAsync();
    releasePidFile(paths, process.pid);
    throw bindError(e, options, paths.home);
  }
  const running = server;
  const url = urlForBind(options.host, running.port);
  updatePidFile(paths, pidRecord('running', running.port, url));

  let stopping: Promise<void> | undefined;
  return {
    identity,
    server: running,
    kernel,
    auth,
    store,
    bootstrap,
    backupDir,
    url,
    stop(reason) {
      stopping ??= (async () => {
        try {
          log.info(`stopping (${reason}): no new connections; finishing in-flight requests`);
          // 1 + 2: close() stops accepting at once and resolves when in-flight requests are done.
          let drained = false;
          await Promise.race([
            running.close().then(() => (drained = true)),
            new Promise((r) => setTimeout(r, SHUTDOWN_GRACE_MS).unref()),
          ]);
          if (!drained) log.warn(`in-flight requests did not finish within ${SHUTDOWN_GRACE_MS} ms; giving up on them (their connections close at exit)`);
          // 3: loops.
          await auth.stop();
          await kernel.stop();
          // 4 + 5: final TRUNCATE checkpoint, then close.
          await store.closeAsync();
          log.info('stopped: WAL checkpointed, database closed');
        } finally {
          // 6: even after a failed close the process is going away, so its lock must too.
          releasePidFile(paths, process.pid);
        }
      })();
      return stopping;
    },
  };
}

/** How `runDaemon` reports the running daemon once it is up (the banner, or a log line). */
export type OnStarted = (daemon: Daemon) => void;

/**
 * Runs the daemon as this process's whole life: signal handlers first (so a SIGTERM during the
 * startup rebuild is honoured once the store is open, never by dying mid-start), then
 * {@link startDaemon}, then waits. The first SIGTERM/SIGINT/SIGHUP runs `stop()` and exits 0 (1 if
 * the shutdown failed); later signals are logged and ignored, so nothing is cut short twice. An
 * uncaught error is logged, the PID file released, and the process exits 1.
 */
export async function runDaemon(options: DaemonOptions, onStarted: OnStarted): Promise<void> {
  const { log, paths } = options;
  let daemon: Daemon | undefined;
  let signalled: NodeJS.Signals | undefined;
  const shutdown = (reason: string) => {
    if (!daemon) return;
    daemon.stop(reason).then(
      () => process.exit(0),
      (e: unknown) => {
        log.error(`shutdown failed: ${(e as Error).message}`);
        process.exit(1);
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      log.warn(`${signal} received again; already stopping`);
      return;
    }
    signalled = signal;
    if (daemon) shutdown(signal);
    else log.info(`${signal} received while starting; stopping once the store is open`);
  };
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, onSignal);
  const fatal = (e: unknown) => {
    log.error(`fatal: ${(e as Error)?.stack ?? String(e)}`);
    releasePidFile(paths, process.pid);
    process.exit(1);
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);

  try {
    daemon = await startDaemon(options);
  } catch (e) {
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.off(signal, onSignal);
    process.off('uncaughtException', fatal);
    process.off('unhandledRejection', fatal);
    throw e;
  }
  onStarted(daemon);
  if (signalled) shutdown(signalled);
}

function openStore(path: string, durability: Durability): SqliteLogStore {
  try {
    return openSqliteLogStore({ path, durability });
  } catch (e) {
    // A store that cannot be opened or migrated is most likely damaged: never start it as empty.
    throw new CliError(`${(e as Error).message}; if ${path} is damaged, restore a backup: spl backup list, then spl backup restore <file>`);
  }
}

/** Turns a bind failure into a one-line reason; for a busy port, names the holder when visible. */
function bindError(e: unknown, options: DaemonOptions, home: string): unknown {
  const where = `${options.host}:${options.port}`;
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    const holder = listeningPid(options.port);
    if (holder === undefined) return new CliError(`address already in use: ${where} — is another spl running? (spl status; ${portOwnerHint(options.port)})`);
    const verdict = isSplServeOf(holder, home);
    if (verdict.spl) return new CliError(`address already in use: ${where} — is another spl running? pid ${holder}`);
    return new CliError(`address already in use: ${where} — held by pid ${holder}, which is not spl serve`);
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return new CliError(`cannot bind ${where}: no such local address`);
  if (code === 'EACCES') return new CliError(`cannot bind ${where}: permission denied`);
  return e;
}
