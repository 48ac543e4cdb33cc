import { join } from 'node:path';
import { createAuth, type Auth, type EnvBootstrapOutcome } from '@syncropel/auth';
import { createApp, createMetrics, listen, type RunningServer, type StartingStatus } from '@syncropel/http';
import { createFederation, fileCredentials, type Federation } from '@syncropel/federation';
import { createKernel, fileFoldSnapshots, instanceKey, loadOrCreateIdentity, readSigner, readTokenKey, type DaemonIdentity, type Kernel } from '@syncropel/kernel';
import { ABANDONED, type Durability } from '@syncropel/log-sqlite';
import { backupSummaries } from './backup-summaries.js';
import { CliError } from './cli-error.js';
import { urlForBind } from './config-file.js';
import { CONSOLE_PATH, consoleDirectory } from './console-assets.js';
import type { DaemonLog } from './daemon-log.js';
import { FOLD_SNAPSHOT_SUFFIX, SHUTDOWN_GRACE_MS } from './defaults.js';
import { DEFAULT_STORE, openDaemonStore, POSTGRES_BACKUP_HINT, type DaemonStore, type StartCheck, type StoreSetting } from './daemon-store.js';
import { createHomeDirs } from './home-dirs.js';
import type { SplPaths } from './paths.js';
import { maintenanceHolder } from './maintenance-lock.js';
import { acquirePidFile, releasePidFile, updatePidFile, type PidRecord } from './pid-file.js';
import { isSplServeOf, listeningPid, portOwnerHint } from './process-probe.js';
import { VERSION } from './version.js';

/** The base URL peers reach this daemon at, when it is not the bound address (a proxy, a public name). */
export const PUBLIC_URL_ENV = 'SPL_PUBLIC_URL';

/** A backup generation is taken daily by CRON, besides the one at every start. */
export const DAILY_BACKUP_SECS = 86_400;

/** What `spl serve` was asked to run. */
export interface DaemonOptions {
  readonly paths: SplPaths;
  readonly host: string;
  readonly port: number;
  readonly durability: Durability;
  /** `sqlite` (the home's hub.db) or a `postgres://` URL shared with other daemons. */
  readonly store: StoreSetting;
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
  readonly federation: Federation;
  readonly store: DaemonStore;
  /** What SPL_BOOTSTRAP_TOKEN led to at this start. */
  readonly bootstrap: EnvBootstrapOutcome;
  readonly backupDir: string;
  /** `http://host:port` as bound. */
  readonly url: string;
  /** The web console's address (`<url>/ui/`), or null when its files are not installed. */
  readonly consoleUrl: string | null;
  /** Shuts down in the documented order; safe to call more than once (later calls share the first). */
  stop(reason: string): Promise<void>;
}

/**
 * Starts the daemon's parts in order and returns once it is ready:
 *   PID file (the one-daemon-per-home lock) → identity → the store check starts on worker
 *   threads → open store (migrate) → auth attaches its fold → bind HTTP (spl.json records the
 *   address; everything but the probes answers 503 STARTING) → the kernel folds the log (from
 *   its fold snapshot when usable) while the store check runs → Path A bootstrap → ready (spl.json
 *   `running`) → the startup backup, in the background.
 * Any failure undoes what was started, releases the PID file and throws a one-line CliError; a
 * store whose records fail verification is refused, naming the restore command.
 *
 * `stop()` shuts down in this order, so nothing acknowledged is lost and nothing is left behind:
 *   1. stop accepting connections;
 *   2. drain in-flight HTTP requests (bounded by SHUTDOWN_GRACE_MS; past it, say so and go on);
 *   3. stop the loops: flush the aggregated audit records, then stop the kernel (its pending
 *      commit group is written before it returns);
 *   4. checkpoint the WAL into hub.db (TRUNCATE) and 5. close SQLite — both in `closeAsync`;
 *   6. remove spl.json, then the PID file (last, so `--stop` waiting on it sees a finished shutdown).
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
    store: options.store === DEFAULT_STORE ? 'sqlite' : 'postgres',
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
  let sign: (text: string) => string;
  let daemonStore: DaemonStore | undefined;
  try {
    const loaded = loadOrCreateIdentity(paths.identity);
    identity = loaded.identity;
    const key = readTokenKey(paths.identity);
    if (!key) throw new CliError(`the identity file ${paths.identity} disappeared while starting`);
    tokenKey = key;
    sign = readSigner(paths.identity) as (text: string) => string;
    if (loaded.created) log.info(`generated daemon identity ${identity.did}`);
    daemonStore = await openDaemonStore(options.store, paths.db, options.durability);
  } catch (e) {
    await daemonStore?.close(false).catch(() => undefined);
    releasePidFile(paths, process.pid);
    throw e instanceof CliError ? e : new CliError((e as Error).message);
  }
  const { store, check: checking } = daemonStore;
  const opened = daemonStore;
  const backupDir = join(paths.backupRoot, instanceKey(identity.did));
  // GET /metrics: commit latencies come from the kernel, requests from the app.
  const metrics = createMetrics();
  const kernel = createKernel({
    store,
    onCommit: metrics.observeCommit,
    actor: identity.did,
    workLoop: true,
    signer: sign,
    foldSnapshot: fileFoldSnapshots(`${paths.db}${FOLD_SNAPSHOT_SUFFIX}`, { key: tokenKey }),
    onError: (e, where) => log.error(`error in ${where}: ${(e as Error).message}`),
  });
  const auth = createAuth({ kernel, actor: identity.did, tokenKey });
  let publicUrl = process.env[PUBLIC_URL_ENV] ?? '';
  const federation = createFederation({
    kernel,
    auth,
    identity,
    sign,
    version: VERSION,
    // Where peers reach this daemon: SPL_PUBLIC_URL (behind a proxy), else the bound address.
    publicUrl: () => publicUrl,
    credentials: fileCredentials(join(paths.home, 'federation')),
    onError: (e, where) => log.warn(`${where}: ${(e as Error).message}`),
  });
  const authRequired = !options.insecureLocalhost;
  let server: RunningServer | undefined;
  let lastBackup: { at: string; path: string; record_count: number } | null = null;
  let backupWarning: string | null = null;
  // True once the start check passed (and until a backup finds damage): a clean stop then stamps the file.
  let verified = false;
  let backupRunning: Promise<void> | undefined;
  // Stopping abandons a backup in progress (a large one takes seconds); the last good one stays.
  const backupAbort = new AbortController();
  const takeBackup = (why: string): Promise<void> => {
    // One at a time: a daily job that fires during the startup backup waits for it.
    const run = (backupRunning ?? Promise.resolve()).then(() => backupOnce(why));
    backupRunning = run.catch(() => undefined);
    return run;
  };
  const backupOnce = async (why: string) => {
    let result;
    try {
      result = await opened.backup(backupDir, identity.did, backupAbort.signal);
      if (!result) return;
    } catch (e) {
      if ((e as Error).message !== ABANDONED) throw e;
      log.info(`${why} backup abandoned: the daemon is stopping (the last good backup stays)`);
      return;
    }
    // A snapshot that finds damaged records or pages means the store is no longer what was
    // verified at start: the next start must check it record by record.
    if (result.store_damaged) verified = false;
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
    db_path: opened.kind === 'sqlite' ? paths.db : null,
    backup_dir: opened.kind === 'sqlite' ? backupDir : null,
    auth_required: authRequired,
    pid: process.pid,
    last_backup: lastBackup,
    backup_warning: backupWarning,
  });
  // Until ready, the API answers 503 STARTING with this (the probes say where the start is).
  let phase: string | null = 'folding';
  const starting = (): StartingStatus | null => {
    if (phase === null) return null;
    const p = kernel.health().start_progress;
    const total = p?.total ?? kernel.health().record_count;
    return { phase, folded: p?.folded ?? total, total };
  };
  const consoleDir = consoleDirectory();
  const app = createApp({
    kernel,
    auth,
    federation,
    metrics,
    authRequired: () => authRequired,
    info,
    starting,
    onRequest: (r) => log.access(r),
    onError: (e) => log.error(`internal error: ${(e as Error).stack ?? String(e)}`),
    ...(consoleDir ? { console: { directory: consoleDir } } : {}),
    // The daemon's own backups; a log in PostgreSQL has none (the database's tools back it up).
    backups: () => (opened.kind === 'sqlite' ? backupSummaries(backupDir) : []),
  });
  let bootstrap: EnvBootstrapOutcome = { kind: 'unset' };
  let bound = false;
  try {
    // The port opens first: liveness answers at once, readiness reports progress.
    server = await listen(app, options.host, options.port);
    bound = true;
    updatePidFile(paths, pidRecord('starting', server.port, urlForBind(options.host, server.port)));
    const startedAt = performance.now();
    let check: StartCheck | undefined;
    // The kernel goes live (loops, dispatch, writes) only once the store check has passed: a
    // store that is refused is never written to, and no fold snapshot is taken of it.
    await kernel.start({
      until: async () => {
        phase = 'verifying';
        check = await checking;
        if (!check.ok) throw refusal(paths.db, check);
      },
    });
    verified = true;
    check = check as StartCheck;
    const snap = kernel.healthDetails().fold_snapshot;
    log.info(
      `state ready in ${Math.round(performance.now() - startedAt)} ms: ${snap.loaded_seq === null ? `folded all ${snap.tail_records} records (fold snapshot: ${snap.ignored ?? 'none'})` : `fold snapshot at seq ${snap.loaded_seq} + ${snap.tail_records} records`}; store ${describeCheck(check)}`,
    );
    phase = 'bootstrapping';
    // Path A runs before anything but the probes is served, so there is never a window without an admin.
    bootstrap = await auth.bootstrapFromEnv(options.bootstrapSecret);
    if (opened.kind === 'sqlite') kernel.schedule('backup', DAILY_BACKUP_SECS, () =>
      takeBackup('daily').catch((e: unknown) => {
        backupWarning = `daily backup failed: ${(e as Error).message}`;
        log.error(backupWarning);
        throw e; // CRON records it as the job's last error too
      }),
    );
  } catch (e) {
    await server?.close();
    await federation.stop();
    await auth.stop();
    await kernel.stop();
    // A record the rebuild cannot even read is the check's to explain, with the restore command.
    const verdict = await checking.catch(() => undefined);
    await opened.close(false);
    releasePidFile(paths, process.pid);
    if (bound && !(e instanceof CliError) && verdict && !verdict.ok) throw refusal(paths.db, verdict);
    throw bound ? (e instanceof CliError ? e : new CliError((e as Error).message)) : bindError(e, options, paths.home);
  }
  phase = null;
  const running = server;
  const url = urlForBind(options.host, running.port);
  publicUrl ||= url;
  federation.start();
  updatePidFile(paths, pidRecord('running', running.port, url));
  // Every start takes a snapshot (on worker threads; the guard makes sure it never replaces a better backup).
  if (opened.kind === 'sqlite') {
    void takeBackup('startup').catch((e: unknown) => {
      backupWarning = `startup backup failed: ${(e as Error).message}`;
      log.error(backupWarning);
    });
  } else log.info(`the log is in PostgreSQL (${opened.location}): ${POSTGRES_BACKUP_HINT}`);

  let stopping: Promise<void> | undefined;
  return {
    identity,
    server: running,
    kernel,
    auth,
    federation,
    store: opened,
    bootstrap,
    backupDir,
    url,
    consoleUrl: consoleDir ? `${url}${CONSOLE_PATH}` : null,
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
          // 3: loops (the kernel writes its fold snapshot last); a backup in progress is abandoned.
          await federation.stop();
          await auth.stop();
          await kernel.stop();
          backupAbort.abort();
          await backupRunning;
          // 4 + 5: final TRUNCATE checkpoint, then close; the next start can trust these exact
          // bytes without reading every record again (SQLite).
          await opened.close(verified);
          log.info(opened.kind === 'sqlite' ? 'stopped: WAL checkpointed, database closed' : 'stopped: PostgreSQL connections closed');
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

/** How the start check went, for the ready line. */
function describeCheck(check: StartCheck & { stamp_unused?: string | null }): string {
  if (check.how === 'database') return 'in PostgreSQL (checked by the database)';
  if (check.how === 'stamp') return `unchanged since its verified clean stop in ${check.ms} ms`;
  if (check.how === 'new') return `new in ${check.ms} ms`;
  return `verified record by record (${check.stamp_unused ?? 'no stamp'}) in ${check.ms} ms`;
}

/** Why a store that failed its start check is not served, and how to get back. */
function refusal(db: string, check: StartCheck): CliError {
  return new CliError(`${db} holds records that fail verification (${check.problems.slice(0, 2).join('; ').slice(0, 300)}); restore a backup: spl backup list, then spl backup restore <file>`);
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
