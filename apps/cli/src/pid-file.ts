import { chmodSync, linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { CliError } from './cli-error.js';
import { PID_FILE_MODE } from './defaults.js';
import type { SplPaths } from './paths.js';
import { isSplServeOf } from './process-probe.js';

/**
 * The contents of `run/spl.pid`: one JSON object. It doubles as the daemon's lock (one daemon per
 * home, so two processes never write the same hub.db) and as the way `--daemon` learns the real
 * port when asked for port 0.
 *
 * Invariants: written atomically (never seen half-written); removed only by the process it names;
 * never trusted on its own — a reader checks that the pid is alive and is an `spl serve` of this
 * home before acting on it.
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

/** Reads and checks the PID file: a live `spl serve` of this home, a stale file, or none. */
export function inspectPidFile(paths: SplPaths): PidFileState {
  let text: string;
  try {
    text = readFileSync(paths.pidFile, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'none' };
    return { state: 'stale', record: undefined, reason: `unreadable PID file (${(e as Error).message})` };
  }
  const record = parseRecord(text);
  if (!record) return { state: 'stale', record: undefined, reason: 'the PID file is not a valid spl PID file' };
  const verdict = isSplServeOf(record.pid, paths.home);
  return verdict.ours ? { state: 'running', record } : { state: 'stale', record, reason: verdict.reason };
}

/**
 * Creates the PID file for this process, exclusively: refuses ("already running, pid N") when a
 * live daemon of this home owns it, and replaces a stale one (saying so through `onStale`).
 */
export function acquirePidFile(paths: SplPaths, record: PidRecord, onStale: (reason: string) => void): void {
  mkdirSync(paths.runDir, { recursive: true, mode: 0o700 });
  const temp = `${paths.pidFile}.${process.pid}.tmp`;
  writeRecord(temp, record);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        // link() fails if the target exists, so creation is exclusive and the content complete.
        linkSync(temp, paths.pidFile);
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw e;
      }
      const found = inspectPidFile(paths);
      if (found.state === 'running') {
        throw new CliError(`already running, pid ${found.record.pid}${found.record.url ? ` at ${found.record.url}` : ' (starting)'}; stop it with: spl serve --stop`);
      }
      if (found.state === 'stale') {
        onStale(`removed a stale PID file (${found.reason})`);
        removeIfUnchanged(paths.pidFile, found.record);
      }
    }
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // already gone
    }
  }
}

/** Rewrites this process's PID file in place (temp + rename), e.g. once the real port is known. */
export function updatePidFile(paths: SplPaths, record: PidRecord): void {
  const temp = `${paths.pidFile}.${process.pid}.tmp`;
  writeRecord(temp, record);
  renameSync(temp, paths.pidFile);
}

/** Removes the PID file if it still names `pid`; a file another daemon wrote is left alone. */
export function releasePidFile(paths: SplPaths, pid: number): void {
  try {
    const record = parseRecord(readFileSync(paths.pidFile, 'utf8'));
    if (record?.pid === pid) unlinkSync(paths.pidFile);
  } catch {
    // no file: nothing to release
  }
}

/** Removes a stale PID file, unless someone replaced it since it was judged stale. */
export function removeStalePidFile(paths: SplPaths, judged: PidRecord | undefined): void {
  removeIfUnchanged(paths.pidFile, judged);
}

function removeIfUnchanged(path: string, judged: PidRecord | undefined): void {
  try {
    const now = parseRecord(readFileSync(path, 'utf8'));
    if (judged === undefined ? now === undefined : now?.pid === judged.pid && now.started_at === judged.started_at) unlinkSync(path);
  } catch {
    // gone already
  }
}

function writeRecord(path: string, record: PidRecord): void {
  writeFileSync(path, `${JSON.stringify(record)}\n`, { mode: PID_FILE_MODE });
  chmodSync(path, PID_FILE_MODE); // the umask may have narrowed it
}

function parseRecord(text: string): PidRecord | undefined {
  try {
    const r = JSON.parse(text) as Partial<PidRecord>;
    if (typeof r.pid !== 'number' || !Number.isInteger(r.pid) || r.pid <= 0) return undefined;
    if (typeof r.started_at !== 'string') return undefined;
    return r as PidRecord;
  } catch {
    // A bare number (another tool's PID file format) is not ours to trust either.
    return undefined;
  }
}
