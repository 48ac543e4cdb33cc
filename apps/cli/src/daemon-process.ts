import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createAuth, type Auth, type EnvBootstrapOutcome } from '@syncropel/auth';
import { createApp, listen, type RunningServer } from '@syncropel/http';
import { createKernel, instanceKey, loadOrCreateIdentity, type DaemonIdentity, type Kernel } from '@syncropel/kernel';
import { openSqliteLogStore, type Durability, type SqliteLogStore } from '@syncropel/log';
import { CliError } from './cli-error.js';
import { SHUTDOWN_GRACE_MS } from './defaults.js';
import type { SplPaths } from './paths.js';
import { VERSION } from './version.js';

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
  /** Where progress and problems are written (the terminal, or later the log file). */
  readonly say: (line: string) => void;
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
  /** Shuts down in the documented order; safe to call more than once. */
  stop(reason: string): Promise<void>;
}

/**
 * Owns the daemon's life. Start order: identity → open store (migrate) → auth attaches its
 * fold → kernel rebuild → Path A bootstrap (before anything can be requested) → bind HTTP.
 * Shutdown order, the reverse, so nothing acknowledged is lost:
 *   1. stop accepting connections and let in-flight requests finish (bounded by a grace period);
 *   2. flush the aggregated audit records;
 *   3. stop the kernel (its pending commit group is written before it returns);
 *   4. checkpoint the WAL into hub.db and close SQLite.
 */
export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { paths, say } = options;
  mkdirSync(paths.home, { recursive: true, mode: 0o700 });
  const { identity, created } = loadOrCreateIdentity(paths.identity);
  if (created) say(`generated daemon identity ${identity.did}`);
  const backupDir = join(paths.backupRoot, instanceKey(identity.did));

  const store = openStore(paths.db, options.durability);
  const kernel = createKernel({ store, onError: (e, where) => say(`error in ${where}: ${(e as Error).message}`) });
  const auth = createAuth({ kernel, actor: identity.did });
  const authRequired = !options.insecureLocalhost;
  let server: RunningServer | undefined;
  const info = () => ({
    version: VERSION,
    instance_did: identity.did,
    bind: server?.address ?? null,
    db_path: paths.db,
    backup_dir: backupDir,
    auth_required: authRequired,
  });
  const app = createApp({ kernel, auth, authRequired: () => authRequired, info, onError: (e) => say(`internal error: ${(e as Error).stack ?? String(e)}`) });
  let bootstrap: EnvBootstrapOutcome = { kind: 'unset' };
  try {
    await kernel.start();
    // Path A runs before the port opens, so there is never a window without an admin.
    bootstrap = await auth.bootstrapFromEnv(options.bootstrapSecret);
    server = await listen(app, options.host, options.port);
  } catch (e) {
    await auth.stop();
    await kernel.stop();
    await store.closeAsync();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new CliError(`address already in use: ${options.host}:${options.port} — is another spl running? (spl status)`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new CliError(`cannot bind ${options.host}:${options.port}: no such local address`);
    if (code === 'EACCES') throw new CliError(`cannot bind ${options.host}:${options.port}: permission denied`);
    throw e;
  }
  const running = server;

  let stopping: Promise<void> | undefined;
  return {
    identity,
    server: running,
    kernel,
    auth,
    store,
    bootstrap,
    backupDir,
    stop(reason) {
      stopping ??= (async () => {
        say(`stopping (${reason}): finishing in-flight requests`);
        const grace = setTimeout(() => say(`in-flight requests did not finish within ${SHUTDOWN_GRACE_MS} ms; closing their connections`), SHUTDOWN_GRACE_MS);
        await Promise.race([running.close(), new Promise((r) => setTimeout(r, SHUTDOWN_GRACE_MS))]);
        clearTimeout(grace);
        await auth.stop();
        await kernel.stop();
        await store.closeAsync();
        say('stopped: WAL checkpointed, database closed');
      })();
      return stopping;
    },
  };
}

function openStore(path: string, durability: Durability): SqliteLogStore {
  try {
    return openSqliteLogStore({ path, durability });
  } catch (e) {
    throw new CliError((e as Error).message);
  }
}
