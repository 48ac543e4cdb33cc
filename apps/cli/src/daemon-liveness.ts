import { CliError } from './cli-error.js';
import type { SplPaths } from './paths.js';
import { inspectPidFile } from './pid-file.js';

/**
 * Refuses when a daemon answers at `url` or the PID file names a live `spl serve` of this home:
 * offline operations (restore, vacuum, permissions-unlock) must never run under a daemon.
 */
export async function refuseIfDaemonRunning(url: string, paths: SplPaths, what: string): Promise<void> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
    if (res.ok) throw new CliError(`${what} refuses to run while the daemon is running at ${url}; stop it first (spl serve --stop)`);
  } catch (e) {
    if ((e as CliError).brand === 'syncropel.CliError') throw e;
  }
  const found = inspectPidFile(paths);
  if (found.state === 'running') {
    throw new CliError(`${what} refuses to run: this home's daemon (pid ${found.record.pid}) is running; stop it first (spl serve --stop)`);
  }
}
