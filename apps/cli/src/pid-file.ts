import { chmodSync, linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { CliError } from './cli-error.js';
import { PID_FILE_MODE } from './defaults.js';
import type { SplPaths } from './paths.js';
import { isSplServeOf } from './process-probe.js';

/**
 * What a running daemon says about itself. The facts live in `run/spl.json`; `run/spl.pid` holds
 * only the pid and a newline, so `kill $(cat run/spl.pid)` and systemd's `PIDFile=` work.
 *
 * `run/spl.pid` is the daemon's lock (one daemon per home, so two processes never write the same
 * hub.db); `run/spl.json` is how `--daemon`, `status` and the client learn the real address (port 0)
 * and the start time.
 *
 * Invariants: both files are written atomically (never seen half-written); spl.pid is created
 * exclusively and removed only by the process it names (or as stale); spl.json counts only while
 * it names the pid in spl.pid; neither is trusted on its own — a reader checks that the pid is
 * alive and is an `spl serve` of this home before acting on it. A spl.pid holding one JSON object
 * is the format of earlier versions: it is read as before and replaced at the next start.
 */
export interface PidRecord {
  readonly pid: number;
  /** `starting` while the store opens and state rebuilds; `running` once the port is bound. */
  readonly state: 'starting' | 'running';
  readonly home: string;
  readonly host: string;
  /** The bound port (the real one when 0 was asked); the requested one while starting. */
  readonly port: number;
  /** `http://host:port` once bound, else null. */
  readonly url: string | null;
  /** ISO time of the start; '' when spl.json does not (yet) name the pid in spl.pid. */
  readonly started_at: string;
  readonly version: string;
  /** Which log it runs on (absent in files of older versions: sqlite). Never the URL: it may hold a password. */
  readonly store?: 'sqlite' | 'postgres';
}

/** What the PID file says once checked against the process table. */
export type PidFileState =
  | { readonly state: 'none' }
  | { readonly state: 'running'; readonly record: PidRecord }
  | { readonly state: 'stale'; readonly record: PidRecord | undefined; readonly reason: string };

/** Reads and checks the PID file (and spl.json beside it): a live `spl serve` of this home, a stale file, or none. */
export function inspectPidFile(paths: SplPaths): PidFileState {
  let text: string;
  try {
    text = readFileSync(paths.pidFile, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'none' };
    return { state: 'stale', record: undefined, reason: `unreadable PID file (${(e as Error).message})` };
  }
  const lock = parseLock(text);
  if (!lock) return { state: 'stale', record: undefined, reason: 'the PID file is not a valid spl PID file' };
  const record = lock.legacy ?? readInfo(paths, lock.pid);
  const verdict = isSplServeOf(record.pid, paths.home);
  return verdict.ours ? { state: 'running', record } : { state: 'stale', record, reason: verdict.reason };
}

/**
 * Creates the PID file for this process, exclusively, then spl.json: refuses ("already running,
 * pid N") when a live daemon of this home owns the PID file, and replaces a stale one (of either
 * format), saying so through `onStale`.
 */
export function acquirePidFile(paths: SplPaths, record: PidRecord, onStale: (reason: string) => void): void {
  mkdirSync(paths.runDir, { recursive: true, mode: 0o700 });
  const temp = `${paths.pidFile}.${process.pid}.tmp`;
  writeAtomicSource(temp, `${record.pid}\n`);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        // link() fails if the target exists, so creation is exclusive and the content complete.
        linkSync(temp, paths.pidFile);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw e;
      }
      const found = inspectPidFile(paths);
      if (found.state === 'running') {
        throw new CliError(`already running, pid ${found.record.pid}${found.record.url ? ` at ${found.record.url}` : ' (starting)'}; stop it with: spl serve --stop`);
      }
      if (found.state === 'stale') {
        onStale(`removed a stale PID file (${found.reason})`);
        removeStalePidFile(paths, found.record);
      }
    }
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // already gone
    }
  }
  try {
    updatePidFile(paths, record);
  } catch (e) {
    releasePidFile(paths, record.pid);
    throw e;
  }
}

/** Rewrites this process's spl.json in place (temp + rename), e.g. once the real port is known. */
export function updatePidFile(paths: SplPaths, record: PidRecord): void {
  const temp = `${paths.infoFile}.${process.pid}.tmp`;
  writeAtomicSource(temp, `${JSON.stringify(record)}\n`);
  renameSync(temp, paths.infoFile);
}

/** Removes spl.json and then the PID file if they still name `pid`; files another daemon wrote are left alone. */
export function releasePidFile(paths: SplPaths, pid: number): void {
  removeInfoOf(paths, pid);
  try {
    if (parseLock(readFileSync(paths.pidFile, 'utf8'))?.pid === pid) unlinkSync(paths.pidFile);
  } catch {
    // no file: nothing to release
  }
}

/** Removes a stale PID file (and the spl.json naming the same pid), unless someone replaced it since it was judged stale. */
export function removeStalePidFile(paths: SplPaths, judged: PidRecord | undefined): void {
  try {
    const now = parseLock(readFileSync(paths.pidFile, 'utf8'));
    // A replacement names a live process, so a different pid (pids are not reused that fast).
    if (judged === undefined ? now === undefined : now?.pid === judged.pid) unlinkSync(paths.pidFile);
  } catch {
    // gone already
  }
  if (judged) removeInfoOf(paths, judged.pid);
}

/** The pid in a PID file: a bare number (this format) or, from earlier versions, a JSON record. */
function parseLock(text: string): { pid: number; legacy?: PidRecord } | undefined {
  const bare = /^\s*(\d+)\s*$/.exec(text);
  if (bare) {
    const pid = Number(bare[1]);
    return Number.isSafeInteger(pid) && pid > 0 ? { pid } : undefined;
  }
  const legacy = parseRecord(text);
  return legacy ? { pid: legacy.pid, legacy } : undefined;
}

/** spl.json when it names `pid`; else what is known without it (the window between the two writes). */
function readInfo(paths: SplPaths, pid: number): PidRecord {
  let info: PidRecord | undefined;
  try {
    info = parseRecord(readFileSync(paths.infoFile, 'utf8'));
  } catch {
    // no spl.json yet (or any more)
  }
  return info?.pid === pid ? info : { pid, state: 'starting', home: paths.home, host: '', port: 0, url: null, started_at: '', version: '' };
}

function removeInfoOf(paths: SplPaths, pid: number): void {
  try {
    if (parseRecord(readFileSync(paths.infoFile, 'utf8'))?.pid === pid) unlinkSync(paths.infoFile);
  } catch {
    // no spl.json
  }
}

/** Writes a file that is then linked or renamed into place, with the PID file's mode. */
function writeAtomicSource(path: string, text: string): void {
  writeFileSync(path, text, { mode: PID_FILE_MODE });
  chmodSync(path, PID_FILE_MODE); // the umask may have narrowed it
}

function parseRecord(text: string): PidRecord | undefined {
  try {
    const r = JSON.parse(text) as Partial<PidRecord>;
    if (typeof r !== 'object' || r === null) return undefined;
    if (typeof r.pid !== 'number' || !Number.isInteger(r.pid) || r.pid <= 0) return undefined;
    if (typeof r.started_at !== 'string') return undefined;
    return r as PidRecord;
  } catch {
    return undefined;
  }
}
