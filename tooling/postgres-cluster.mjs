/**
 * A throwaway PostgreSQL server for tests and benchmarks: `initdb` into a fresh temp dir,
 * `postgres` on a free loopback port, one database per store, and `stop()` by pid. Imported by
 * relative path from any package's tests and from the plain-Node benchmarks in `bench/`, so it is
 * JavaScript (types in `postgres-cluster.d.mts`) and uses node builtins only: `pg` does not
 * resolve from here, and databases are created with the server's own `psql`.
 *
 * @example
 * const cluster = await startPostgresCluster();
 * const url = await cluster.createDatabase(); // postgres://spl@127.0.0.1:PORT/db_1_ab12cd
 * await cluster.stop();
 */
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, chownSync, closeSync, constants, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** @typedef {import('./postgres-cluster.mjs').PostgresCluster} PostgresCluster */
/** @typedef {import('node:child_process').ChildProcess} ChildProcess */
/** @typedef {{ readonly uid: number, readonly gid: number }} Owner */

/** The user the server runs as; trust auth, so URLs carry no password. */
export const CLUSTER_USER = 'spl';

/**
 * Finds the directory holding `initdb` and `postgres`: PATH, then `pg_config --bindir`, then the
 * newest `/usr/lib/postgresql/<version>/bin`. `.ci/run` searches in the same order.
 *
 * @returns {string | undefined}
 */
export function findPostgresBindir() {
  const candidates = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean)];
  const pgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (pgConfig.status === 0) candidates.push(pgConfig.stdout.trim());
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian).filter((v) => /^\d+(\.\d+)?$/.test(v)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => join(debian, v, 'bin')));
  }
  for (const dir of candidates) {
    if (isExecutable(join(dir, 'initdb')) && isExecutable(join(dir, 'postgres'))) {
      // /usr/local/bin may hold only symlinks to the server binaries; the real dir also has psql.
      return realpathSync(join(dir, 'initdb')).replace(/\/initdb$/, '');
    }
  }
  return undefined;
}

/**
 * Starts a fresh server and resolves once it accepts connections. Fails (never skips) with a clear
 * message when no PostgreSQL is installed. As root, the server runs as `postgres` (or `nobody`),
 * since initdb and postgres refuse to run as root.
 *
 * @returns {Promise<PostgresCluster>}
 */
export async function startPostgresCluster() {
  const bindir = findPostgresBindir();
  if (!bindir) {
    throw new Error(
      'PostgreSQL server binaries (initdb, postgres) not found on PATH, via `pg_config --bindir` or in /usr/lib/postgresql/*/bin; ' +
        'install them (Debian: apt-get install --no-install-recommends postgresql; .ci/run does this)',
    );
  }
  const owner = unprivilegedOwner();
  const dir = mkdtempSync(join(tmpdir(), 'spl-pg-'));
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  if (owner) chownSync(dir, owner.uid, owner.gid);
  try {
    const init = spawnSync(join(bindir, 'initdb'), ['-D', data, '--auth=trust', '-U', CLUSTER_USER, '-E', 'UTF8', '--locale=C', '--no-sync'], {
      cwd: dir,
      env: cleanEnv(),
      encoding: 'utf8',
      ...(owner ?? {}),
    });
    if (init.status !== 0) throw new Error(`initdb failed (${init.status ?? init.signal}): ${(init.stderr || init.stdout || String(init.error)).trim()}`);
    const { child, port } = await startServer(bindir, dir, data, log, owner);
    return clusterHandle(bindir, dir, child, port);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

/**
 * Spawns postgres on a free port; retries when another process took the port first.
 *
 * @param {string} bindir
 * @param {string} dir
 * @param {string} data
 * @param {string} log
 * @param {Owner | undefined} owner
 * @returns {Promise<{ child: ChildProcess, port: number }>}
 */
async function startServer(bindir, dir, data, log, owner) {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const out = openSync(log, 'a');
    // Spawned with uid/gid (setuid in the child before exec) rather than through runuser, which
    // forks and waits: this way child.pid IS the postmaster, and SIGINT to it is a fast shutdown.
    const child = spawn(
      join(bindir, 'postgres'),
      ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'full_page_writes=off', '-c', 'synchronous_commit=off'],
      { cwd: dir, env: cleanEnv(), stdio: ['ignore', out, out], ...(owner ?? {}) },
    );
    closeSync(out);
    // The test process must not be kept alive by the server; stop() is the way out.
    child.unref();
    const outcome = await waitReady(child, data);
    if (outcome === 'ready') return { child, port };
    const tail = readFileSync(log, 'utf8').trim().split('\n').slice(-10).join('\n');
    if (child.exitCode === null && child.signalCode === null) await killAndWait(child);
    if (attempt < 3 && /could not bind|Address already in use/i.test(tail)) continue;
    throw new Error(`postgres did not start (${outcome}):\n${tail}`);
  }
}

/**
 * Waits for postmaster.pid to report `ready` (its 8th line, PostgreSQL 10+), or for the child to die.
 *
 * @param {ChildProcess} child
 * @param {string} data
 * @returns {Promise<'ready' | 'exited' | 'timeout'>}
 */
async function waitReady(child, data) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return 'exited';
    try {
      const lines = readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n');
      if (Number(lines[0]) === child.pid && lines[7]?.trim() === 'ready') return 'ready';
    } catch {
      // Not written yet.
    }
    await sleep(20);
  }
  return 'timeout';
}

/**
 * @param {string} bindir
 * @param {string} dir
 * @param {ChildProcess} child
 * @param {number} port
 * @returns {PostgresCluster}
 */
function clusterHandle(bindir, dir, child, port) {
  const pid = /** @type {number} */ (child.pid);
  /** @param {string} db */
  const urlOf = (db) => `postgres://${CLUSTER_USER}@127.0.0.1:${port}/${db}`;
  let databases = 0;
  /** @type {Promise<void> | undefined} */
  let stopping;
  // A test process that exits without stop() (a crash, an unsettled await) must not leave the
  // server running: 'exit' allows only synchronous work, so an immediate shutdown and a removal.
  const onExit = () => {
    child.kill('SIGQUIT');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  return {
    url: urlOf('postgres'),
    pid,
    bindir,
    async createDatabase(name = `db_${++databases}_${Math.random().toString(36).slice(2, 8)}`) {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`not a plain database name: ${name}`);
      await psql(bindir, port, `CREATE DATABASE ${name}`);
      return urlOf(name);
    },
    stop() {
      stopping ??= (async () => {
        process.removeListener('exit', onExit);
        try {
          await killAndWait(child);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      })();
      return stopping;
    },
  };
}

/**
 * SIGINT (fast shutdown: disconnect clients, checkpoint, exit), SIGKILL if it takes too long.
 *
 * @param {ChildProcess} child
 * @returns {Promise<void>}
 */
async function killAndWait(child) {
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  if (exited()) return;
  /** @type {Promise<void>} */
  const gone = new Promise((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGINT');
  // Not unref'd: this timer is what keeps the process waiting for the server to go.
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await gone;
  clearTimeout(timer);
}

/**
 * Runs one statement as the cluster user over loopback TCP (root may use the socket dir, but TCP needs no permissions).
 *
 * @param {string} bindir
 * @param {number} port
 * @param {string} statement
 * @returns {Promise<void>}
 */
function psql(bindir, port, statement) {
  const bin = isExecutable(join(bindir, 'psql')) ? join(bindir, 'psql') : 'psql';
  return new Promise((resolve, reject) => {
    const p = spawn(bin, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(port), '-U', CLUSTER_USER, '-d', 'postgres', '-c', statement], {
      env: cleanEnv(),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    p.stderr.on('data', (/** @type {Buffer} */ b) => (stderr += b.toString()));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`psql ${statement}: ${stderr.trim() || `exit ${code}`}`))));
  });
}

/**
 * As root, the user to run the server as (initdb and postgres refuse root); undefined otherwise.
 *
 * @returns {Owner | undefined}
 */
function unprivilegedOwner() {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = readFileSync('/etc/passwd', 'utf8').split('\n').map((l) => l.split(':'));
  for (const name of ['postgres', 'nobody']) {
    const row = passwd.find((f) => f[0] === name);
    if (row) return { uid: Number(row[2]), gid: Number(row[3]) };
  }
  throw new Error('running as root and neither a postgres nor a nobody user exists to run the test server as');
}

/**
 * The environment without PG* variables, which would point initdb/psql at some other server.
 *
 * @returns {NodeJS.ProcessEnv}
 */
function cleanEnv() {
  /** @type {NodeJS.ProcessEnv} */
  const env = { LC_ALL: 'C' };
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PG') && !k.startsWith('LC_') && k !== 'LANG') env[k] = v;
  return env;
}

/**
 * A port nobody listens on right now (the OS picks it; the server binds it a moment later).
 *
 * @returns {Promise<number>}
 */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {{ port: number }} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

/**
 * @param {string} path
 * @returns {boolean}
 */
function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Ref'd on purpose: while starting, this wait is what keeps the process running (the child is unref'd).
 *
 * @param {number} ms
 * @returns {Promise<void>}
 */
function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
