import { existsSync, readFileSync } from 'node:fs';
import { CliError } from './cli-error.js';

/**
 * Refuses when a daemon answers at `url` or a live process holds the PID file: offline
 * operations (restore, vacuum, permissions-unlock) must never run under a daemon.
 */
export async function refuseIfDaemonRunning(url: string, pidFile: string, what: string): Promise<void> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
    if (res.ok) throw new CliError(`${what} refuses to run while the daemon is running at ${url}; stop it first (spl serve --stop)`);
  } catch (e) {
    if ((e as CliError).brand === 'syncropel.CliError') throw e;
  }
  if (!existsSync(pidFile)) return;
  const text = readFileSync(pidFile, 'utf8');
  const pid = Number((/"pid"\s*:\s*(\d+)/.exec(text) ?? /^(\d+)/.exec(text.trim()))?.[1]);
  if (!Number.isSafeInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 0);
  } catch {
    return; // a stale PID file: no such process
  }
  throw new CliError(`${what} refuses to run: a daemon process (pid ${pid}) holds ${pidFile}; stop it first (spl serve --stop)`);
}
