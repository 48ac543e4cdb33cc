import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename, isAbsolute, resolve } from 'node:path';
import { resolvePaths } from './paths.js';

/**
 * What the operating system says about a pid, used so a PID file or a bound port is never
 * trusted on its own: a pid can be reused by an unrelated process after a crash.
 */
export interface ProcessVerdict {
  /** True only for a live `spl serve` whose home is the one asked about. */
  readonly ours: boolean;
  /** True for any live `spl serve`, whatever its home. */
  readonly spl: boolean;
  /** Why not, in words an operator can act on (empty when ours). */
  readonly reason: string;
}

/** Whether a process exists: `alive`, `dead`, or `foreign` (exists but belongs to another user). */
export function processState(pid: number): 'alive' | 'dead' | 'foreign' {
  if (!Number.isInteger(pid) || pid <= 0) return 'dead';
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM' ? 'foreign' : 'dead';
  }
  // A zombie (exited, not yet reaped by its parent) still answers kill(0) but is gone for us.
  if (process.platform === 'linux') {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (/^\d+ \(.*\) Z/s.test(stat)) return 'dead';
    } catch {
      return 'dead';
    }
  }
  return 'alive';
}

/**
 * Decides whether `pid` is an `spl serve` of the instance at `home`. Linux: its command line
 * must be `… spl|main.js … serve …` and its environment must resolve to the same home. Elsewhere
 * only the command line is checked (through `ps`), which is the best the OS offers.
 */
export function isSplServeOf(pid: number, home: string): ProcessVerdict {
  const state = processState(pid);
  if (state === 'dead') return { ours: false, spl: false, reason: `no process ${pid}` };
  if (state === 'foreign') return { ours: false, spl: false, reason: `pid ${pid} belongs to another user` };
  const argv = processArgv(pid);
  if (!argv) return { ours: false, spl: false, reason: `cannot read the command line of pid ${pid}` };
  if (!looksLikeSplServe(argv)) return { ours: false, spl: false, reason: `pid ${pid} is not spl serve (${argv.join(' ').slice(0, 120)})` };
  const theirHome = processHome(pid);
  if (theirHome !== undefined && theirHome !== home) return { ours: false, spl: true, reason: `pid ${pid} is an spl serve of another home (${theirHome})` };
  return { ours: true, spl: true, reason: '' };
}

/** The command line of a process, or undefined when the OS does not tell. */
export function processArgv(pid: number): string[] | undefined {
  if (process.platform === 'linux') {
    try {
      const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return raw.split('\0').filter((a) => a.length > 0);
    } catch {
      return undefined;
    }
  }
  const r = spawnSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
  const line = r.status === 0 ? r.stdout.trim() : '';
  return line ? line.split(/\s+/) : undefined;
}

/**
 * The pid of the process listening on TCP `port` (any address), if this user can see it.
 * Linux reads /proc/net/tcp{,6} and matches the socket inode against /proc/<pid>/fd; elsewhere
 * `lsof` is asked. Undefined when nothing listens or the owner is not visible.
 */
export function listeningPid(port: number): number | undefined {
  if (process.platform !== 'linux') {
    const r = spawnSync('lsof', ['-nP', `-iTCP:${port}`, '-sTCP:LISTEN', '-t'], { encoding: 'utf8' });
    const pid = Number(r.stdout?.trim().split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  }
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // cols: sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const local = cols[1];
      if (!local || cols[3] !== '0A') continue; // 0A = LISTEN
      if (Number.parseInt(local.split(':')[1] ?? '', 16) === port && cols[9]) inodes.add(cols[9]);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue; // another user's process, or gone
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${entry}/fd/${fd}`));
        if (m && inodes.has(m[1] as string)) return Number(entry);
      } catch {
        // the fd closed meanwhile
      }
    }
  }
  return undefined;
}

/** The shell commands that show who holds a port, for messages when we cannot tell ourselves. */
export function portOwnerHint(port: number): string {
  return process.platform === 'linux' ? `ss -ltnp 'sport = :${port}'  (or: lsof -nP -iTCP:${port} -sTCP:LISTEN)` : `lsof -nP -iTCP:${port} -sTCP:LISTEN`;
}

function looksLikeSplServe(argv: readonly string[]): boolean {
  const serveAt = argv.indexOf('serve');
  if (serveAt < 0) return false;
  // `node …/main.js serve …`, or `spl serve …` through the bin link.
  return argv.slice(0, serveAt).some((a) => {
    const name = basename(a);
    return name === 'spl' || name === 'main.js';
  });
}

/** The Syncropel home a process runs with, from its environment (Linux only; undefined elsewhere). */
function processHome(pid: number): string | undefined {
  if (process.platform !== 'linux') return undefined;
  let raw: string;
  try {
    raw = readFileSync(`/proc/${pid}/environ`, 'utf8');
  } catch {
    return undefined;
  }
  const env: NodeJS.ProcessEnv = {};
  for (const pair of raw.split('\0')) {
    const eq = pair.indexOf('=');
    if (eq > 0) env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const rel = env.SYNCROPEL_HOME && !isAbsolute(env.SYNCROPEL_HOME);
  if (rel) {
    try {
      env.SYNCROPEL_HOME = resolve(readlinkSync(`/proc/${pid}/cwd`), env.SYNCROPEL_HOME as string);
    } catch {
      return undefined;
    }
  }
  return resolvePaths(env).home;
}
