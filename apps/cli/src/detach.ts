import { spawn } from 'node:child_process';
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { CliError } from './cli-error.js';
import { LOG_ROTATE_BYTES } from './defaults.js';
import type { LogLine } from './daemon-log.js';
import type { SplPaths } from './paths.js';
import { inspectPidFile, removeStalePidFile } from './pid-file.js';
import { processState } from './process-probe.js';

/** The environment variable that makes `spl serve --foreground` log JSON lines instead of a banner. */
export const LOG_FORMAT_ENV = 'SPL_LOG_FORMAT';

/** The log format a `--daemon` parent gives its child: JSON lines into logs/spl.log, which the child rotates by size. */
export const DETACHED_LOG_FORMAT = 'file';

/** What `spl serve --daemon` reports once the detached daemon answers. */
export interface DetachedDaemon {
  readonly pid: number;
  readonly url: string;
  readonly logFile: string;
}

/**
 * `spl serve --daemon`: re-runs this binary as `spl serve --foreground <serveArgs>` in a new
 * session with stdin closed and stdout/stderr appended to `logs/spl.log` (it logs JSON lines
 * there), then waits until the PID file names the child as `running` (ready, not just bound) with
 * its URL, and that URL answers `/health`. If the child exits first, the reason is the last error
 * line it logged.
 */
export async function startDetached(paths: SplPaths, serveArgs: readonly string[], timeoutMs: number, note: (line: string) => void): Promise<DetachedDaemon> {
  const existing = inspectPidFile(paths);
  if (existing.state === 'running') {
    throw new CliError(`already running, pid ${existing.record.pid}${existing.record.url ? ` at ${existing.record.url}` : ' (starting)'}; stop it with: spl serve --stop`);
  }
  if (existing.state === 'stale') {
    removeStalePidFile(paths, existing.record);
    note(`removed a stale PID file (${existing.reason})`);
  }

  mkdirSync(paths.logDir, { recursive: true, mode: 0o700 });
  rotateLog(paths.logFile);
  const fd = openSync(paths.logFile, 'a', 0o600);
  const offset = fstatSync(fd).size;
  const script = process.argv[1];
  if (!script) throw new CliError('cannot tell which script to re-run for --daemon');
  // The daemon leaves the caller's directory (so it holds no mount busy); paths that were
  // relative to it are pinned first so it resolves the same home.
  const env: NodeJS.ProcessEnv = { ...process.env, [LOG_FORMAT_ENV]: DETACHED_LOG_FORMAT, SYNCROPEL_HOME: paths.home };
  if (env.XDG_DATA_HOME) env.XDG_DATA_HOME = resolve(env.XDG_DATA_HOME);
  let exit: string | undefined;
  const child = spawn(process.execPath, ['--no-warnings', resolve(script), 'serve', '--foreground', ...serveArgs], {
    detached: true,
    stdio: ['ignore', fd, fd],
    cwd: paths.home,
    env,
  });
  closeSync(fd);
  child.on('exit', (code, signal) => (exit = signal ? `killed by ${signal}` : `exited with code ${code}`));
  child.on('error', (e) => (exit = `could not start: ${e.message}`));
  child.unref();
  const pid = child.pid;

  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exit !== undefined || pid === undefined) break;
    const state = inspectPidFile(paths);
    // The port opens before the daemon is ready; the PID file says `running` only once it is.
    if (state.state === 'running' && state.record.pid === pid && state.record.state === 'running' && state.record.url && (await answersHealth(state.record.url))) {
      return { pid, url: state.record.url, logFile: paths.logFile };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  if (exit !== undefined || pid === undefined || processState(pid) === 'dead') {
    throw new CliError(`${lastError(paths.logFile, offset) ?? `the daemon ${exit ?? 'exited'}`} (log: ${paths.logFile})`);
  }
  throw new CliError(
    `the daemon (pid ${pid}) was not ready within ${Math.round(timeoutMs / 1000)} s; it is still running (a large log takes a while to fold and check: spl status shows the progress) — see ${paths.logFile}, or stop it with: spl serve --stop`,
  );
}

/** True when `url/health` answers 200 `ok`. */
export async function answersHealth(url: string, timeoutMs = 1000): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    return res.status === 200 && (await res.text()).trim() === 'ok';
  } catch {
    return false;
  }
}

/** The message of the last error the daemon logged after `offset` (else its last line of any kind). */
export function lastError(logFile: string, offset = 0): string | undefined {
  let text: string;
  try {
    text = readFileSync(logFile).subarray(offset).toString('utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  let last: string | undefined;
  for (const line of lines) {
    try {
      const parsed = JSON.parse(line) as Partial<LogLine>;
      if (parsed.level === 'error' && typeof parsed.msg === 'string') last = parsed.msg;
    } catch {
      // Not one of ours (e.g. a native crash report): better than nothing.
      last ??= line.trim();
    }
  }
  return last;
}

/** Moves a log past LOG_ROTATE_BYTES to `<log>.1` (replacing the previous one). */
function rotateLog(logFile: string): void {
  const size = statSync(logFile, { throwIfNoEntry: false })?.size ?? 0;
  if (size > LOG_ROTATE_BYTES) renameSync(logFile, `${logFile}.1`);
}
