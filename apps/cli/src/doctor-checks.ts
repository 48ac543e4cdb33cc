import { statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parseBearer } from '@syncropel/auth';
import { instanceKey, readIdentity, type DaemonIdentity } from '@syncropel/kernel';
import { openPostgresLogStore } from '@syncropel/log-postgres';
import { BACKUP_FILE, checkLogFile, readManifest } from '@syncropel/log-sqlite';
import { DEFAULT_STORE, POSTGRES_BACKUP_HINT, configuredStore } from './daemon-store.js';
import { loadConfig, type SplConfig } from './config-file.js';
import { BACKUP_STALE_MS, CLOCK_FLOOR_MS, CLOCK_SKEW_TOLERANCE_MS, DEFAULT_HOST, DEFAULT_PORT, WAL_WARN_BYTES } from './defaults.js';
import { answersHealth } from './detach.js';
import type { SplPaths } from './paths.js';
import { inspectPidFile } from './pid-file.js';
import { isSplServeOf, listeningPid, processArgv } from './process-probe.js';

/** A check's outcome. `skip` (could not be checked here) does not change the exit code. */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

/** One line of `spl doctor`. */
export interface CheckResult {
  readonly name: string;
  readonly status: CheckStatus;
  readonly detail: string;
}

/** What the checks need to know about where they run. */
export interface DoctorContext {
  readonly paths: SplPaths;
  /** Where a client would reach the daemon (`--url`, SPL_URL, config.toml, default). */
  readonly url: string;
  readonly token: string | undefined;
  readonly now?: () => number;
}

/** Exit code for a set of results: 2 if any failed, 1 if any warned, else 0. */
export function doctorExitCode(results: readonly CheckResult[]): 0 | 1 | 2 {
  if (results.some((r) => r.status === 'fail')) return 2;
  if (results.some((r) => r.status === 'warn')) return 1;
  return 0;
}

/**
 * Runs every check in order: home, identity, config, daemon, port, database, WAL, token,
 * backup, clock. Checks never throw; a check that cannot run says why.
 */
export async function runDoctor(ctx: DoctorContext): Promise<CheckResult[]> {
  const { paths } = ctx;
  const now = ctx.now ?? Date.now;
  const out: CheckResult[] = [];
  const add = (name: string, status: CheckStatus, detail: string) => out.push({ name, status, detail });

  // home: exists, a folder, ours alone.
  const home = statSync(paths.home, { throwIfNoEntry: false });
  if (!home) add('home', 'fail', `${paths.home} does not exist: run spl init`);
  else if (!home.isDirectory()) add('home', 'fail', `${paths.home} is not a folder`);
  else if (typeof process.getuid === 'function' && home.uid !== process.getuid()) add('home', 'fail', `${paths.home} belongs to uid ${home.uid}, not this user`);
  else if (home.mode & 0o077) add('home', 'warn', `${paths.home} has mode ${mode(home.mode)}; other users can look inside: chmod 700 ${paths.home}`);
  else add('home', 'pass', `${paths.home} (mode 0700)`);

  // identity: present, consistent, secret.
  let identity: DaemonIdentity | undefined;
  try {
    identity = readIdentity(paths.identity);
    const st = statSync(paths.identity, { throwIfNoEntry: false });
    if (!identity) add('identity', 'fail', `no daemon identity at ${paths.identity}: run spl init`);
    else if (st && st.mode & 0o077) add('identity', 'fail', `${paths.identity} holds the secret key but has mode ${mode(st.mode)}: chmod 600 ${paths.identity}`);
    else add('identity', 'pass', identity.did);
  } catch (e) {
    add('identity', 'fail', (e as Error).message);
  }

  // config.toml: parses, known keys only.
  let config: SplConfig = { server: {} };
  try {
    config = loadConfig(paths.config);
    const st = statSync(paths.config, { throwIfNoEntry: false });
    add('config', 'pass', st ? `${paths.config} is valid` : `no ${paths.config}; defaults apply`);
  } catch (e) {
    add('config', 'fail', (e as Error).message);
  }

  // daemon: the PID file checked against the process table and the port.
  const pidFile = inspectPidFile(paths);
  const answering = await answersHealth(ctx.url);
  let running = false;
  if (pidFile.state === 'running') {
    running = true;
    add('daemon', 'pass', `running, pid ${pidFile.record.pid}${pidFile.record.url ? ` at ${pidFile.record.url}` : ' (starting)'}`);
  } else if (pidFile.state === 'stale') {
    add('daemon', 'warn', `stale PID file ${paths.pidFile} (${pidFile.reason}); the next spl serve removes it`);
  } else if (answering) {
    const holder = listeningPid(portOf(ctx.url));
    running = holder !== undefined && isSplServeOf(holder, paths.home).ours;
    add('daemon', 'warn', `something answers at ${ctx.url} but no PID file names it${holder ? ` (pid ${holder})` : ''}; spl serve --stop can find it through the port`);
  } else {
    add('daemon', 'pass', 'not running (start it: spl serve --daemon)');
  }

  // port: free for the next start, or held by our daemon.
  const host = config.server.host ?? DEFAULT_HOST;
  const port = config.server.port ?? DEFAULT_PORT;
  if (pidFile.state === 'running') add('port', 'pass', `${pidFile.record.url ?? `${host}:${port}`} is held by the daemon`);
  else if (port === 0) add('port', 'pass', 'port 0: a free port is picked at start');
  else {
    const problem = await bindProblem(host, port);
    if (!problem) add('port', 'pass', `${host}:${port} is free`);
    else if (problem === 'EADDRINUSE') {
      const holder = listeningPid(port);
      const who = holder === undefined ? 'a process this user cannot see' : `pid ${holder} (${(processArgv(holder) ?? ['?']).join(' ').slice(0, 80)})`;
      const ours = holder !== undefined && isSplServeOf(holder, paths.home).ours;
      add('port', ours ? 'warn' : 'fail', `${host}:${port} is in use by ${who}${ours ? '' : '; spl serve would fail to bind'}`);
    } else add('port', 'fail', `cannot bind ${host}:${port}: ${problem}`);
  }

  // database: a full integrity_check and every record's content against its id (bytes changed
  // inside a body pass SQLite's own checks), over a read-only connection, so it is safe while the
  // daemon runs (WAL readers never block its writer) and changes nothing when it is stopped.
  const db = statSync(paths.db, { throwIfNoEntry: false });
  let records: number | undefined;
  const postgres = postgresStoreOf(paths.config);
  if (postgres) {
    // The database guards its own pages and the triggers every record; what can go wrong here is reaching it.
    try {
      const store = await openPostgresLogStore({ url: postgres, create: false });
      try {
        records = await store.count();
        add('database', 'pass', `PostgreSQL at ${store.description}: ${records} records, head seq ${(await store.head())?.seq ?? 0}`);
      } finally {
        await store.close();
      }
    } catch (e) {
      add('database', 'fail', `${(e as Error).message}; check the URL in --store, SPL_STORE or config.toml, and that the server accepts this host`);
    }
  } else if (!db) add('database', 'pass', `no database yet at ${paths.db} (created at first start)`);
  else {
    try {
      const verdict = await checkLogFile(paths.db, { integrity: 'full' });
      records = verdict.record_count;
      const where = running || answering ? ', read-only while the daemon runs' : '';
      if (verdict.ok) add('database', 'pass', `integrity_check ok, ${records} records, each verified against its id${where}`);
      else add('database', 'fail', `${verdict.problems.slice(0, 2).join('; ')}; restore a backup: spl backup list, then spl backup restore <file>`);
    } catch (e) {
      add('database', 'fail', `cannot check ${paths.db}: ${(e as Error).message}`);
    }
  }

  // WAL: the checkpointer keeps it small; a large one means checkpoints are not happening.
  const wal = statSync(`${paths.db}-wal`, { throwIfNoEntry: false })?.size ?? 0;
  if (postgres) add('wal', 'skip', 'the log is in PostgreSQL, which manages its own WAL');
  else add('wal', wal > WAL_WARN_BYTES ? 'warn' : 'pass', `${bytes(wal)}${wal > WAL_WARN_BYTES ? ` (over ${bytes(WAL_WARN_BYTES)}: checkpoints are falling behind; a clean stop folds it into hub.db)` : ''}`);

  // token: present, well-formed, private, and accepted by the daemon.
  let serverDate: number | undefined;
  let backupWarning: string | undefined;
  if (!ctx.token) add('token', 'warn', 'no token: spl token save <bearer> (or SPL_TOKEN)');
  else if (!parseBearer(ctx.token)) add('token', 'fail', 'the token is not a Syncropel bearer (spl_<env>_<sa>_<secret>)');
  else {
    const tokenFile = statSync(paths.token, { throwIfNoEntry: false });
    if (tokenFile && tokenFile.mode & 0o077) add('token', 'fail', `${paths.token} has mode ${mode(tokenFile.mode)}: chmod 600 ${paths.token}`);
    else if (!answering) add('token', 'skip', 'well-formed; the daemon is not running to accept or refuse it');
    else {
      const res = await fetch(`${ctx.url}/v1/engine/health`, { headers: { authorization: `Bearer ${ctx.token}` }, signal: AbortSignal.timeout(5000) }).catch(() => undefined);
      const date = res?.headers.get('date');
      if (date) serverDate = Date.parse(date);
      const body = res ? ((await res.json().catch(() => ({}))) as { instance_did?: string; backup_warning?: string | null }) : {};
      backupWarning = body.backup_warning ?? undefined;
      if (!res) add('token', 'skip', `the daemon at ${ctx.url} did not answer`);
      else if (res.status === 401 || res.status === 403) add('token', 'fail', `the daemon at ${ctx.url} refused the token (${res.status}): save a valid one with spl token save <bearer>`);
      else if (identity && body.instance_did && body.instance_did !== identity.did) add('token', 'fail', `the daemon at ${ctx.url} is instance ${body.instance_did}, not this home's ${identity.did}`);
      else add('token', 'pass', `accepted by the daemon at ${ctx.url}`);
    }
  }

  // backup: the rolling backup exists and is recent.
  if (postgres) add('backup', 'skip', POSTGRES_BACKUP_HINT);
  else if (backupWarning) add('backup', 'fail', `the daemon reports: ${backupWarning}`);
  else if (!identity) add('backup', 'skip', 'no identity, so no backup folder');
  else {
    const dir = join(paths.backupRoot, instanceKey(identity.did));
    const file = join(dir, BACKUP_FILE);
    const bak = statSync(file, { throwIfNoEntry: false });
    if (bak) {
      // The manifest says when the snapshot was taken; the file time is the fallback.
      const taken = Date.parse(readManifest(file)?.created_at ?? '') || bak.mtimeMs;
      const age = now() - taken;
      add('backup', age > BACKUP_STALE_MS ? 'warn' : 'pass', `last backup ${new Date(taken).toISOString()} (${hours(age)} ago) in ${dir}`);
    } else if (!db || records === 0) add('backup', 'pass', `nothing to back up yet; backups go to ${dir}`);
    else add('backup', 'warn', `no backup in ${dir} yet: take one with spl backup create`);
  }

  // clock: plausible, not behind the files the daemon wrote, agreeing with the daemon's host.
  const t = now();
  const future = [paths.db, `${paths.db}-wal`, paths.identity, paths.logFile, paths.pidFile, paths.infoFile]
    .map((p) => ({ p, m: statSync(p, { throwIfNoEntry: false })?.mtimeMs }))
    .filter((f): f is { p: string; m: number } => f.m !== undefined && f.m - t > CLOCK_SKEW_TOLERANCE_MS);
  if (t < CLOCK_FLOOR_MS) add('clock', 'fail', `the system clock says ${new Date(t).toISOString()}, which cannot be right`);
  else if (future[0]) add('clock', 'warn', `${future[0].p} is dated ${new Date(future[0].m).toISOString()}, in the future: the clock may have gone backwards`);
  else if (serverDate !== undefined && Math.abs(serverDate - t) > CLOCK_SKEW_TOLERANCE_MS) add('clock', 'warn', `the daemon's clock differs from this one by ${Math.round(Math.abs(serverDate - t) / 1000)} s`);
  else add('clock', 'pass', new Date(t).toISOString());

  return out;
}

/** The PostgreSQL URL this home's log is in, or undefined for SQLite (or a config the config check already fails). */
function postgresStoreOf(configPath: string): string | undefined {
  try {
    const store = configuredStore(configPath);
    return store === DEFAULT_STORE ? undefined : store;
  } catch {
    return undefined;
  }
}

/** Tries to bind host:port (and releases it); undefined when that works, else the error code. */
function bindProblem(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    srv.listen(port, host, () => srv.close(() => resolve(undefined)));
  });
}

function portOf(url: string): number {
  const u = new URL(url);
  return Number(u.port || 80);
}

function mode(m: number): string {
  return `0${(m & 0o777).toString(8)}`;
}

function bytes(n: number): string {
  return n < 1024 * 1024 ? `${(n / 1024).toFixed(0)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function hours(ms: number): string {
  return ms < 3_600_000 ? `${Math.max(0, Math.round(ms / 60_000))} min` : `${(ms / 3_600_000).toFixed(1)} h`;
}
