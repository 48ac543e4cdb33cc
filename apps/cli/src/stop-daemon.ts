import { readIdentity } from '@syncropel/kernel';
import { CliError } from './cli-error.js';
import { callDaemon } from './daemon-client.js';
import { answersHealth } from './detach.js';
import type { SplPaths } from './paths.js';
import { inspectPidFile, releasePidFile, removeStalePidFile } from './pid-file.js';
import { isSplServeOf, listeningPid, portOwnerHint, processState } from './process-probe.js';

/** How `spl serve --stop` ended. */
export type StopOutcome =
  | { readonly kind: 'stopped'; readonly pid: number; readonly found_by: 'pid-file' | 'port'; readonly clean: boolean }
  | { readonly kind: 'not-running'; readonly url: string | null };

/**
 * `spl serve --stop`: finds this home's daemon and sends it SIGTERM, then waits (up to
 * `timeoutMs`) for it to exit. `url` is where to look when there is no usable PID file
 * (undefined when the address is not fixed, e.g. port 0). The PID file is used only once the OS confirms the pid is an
 * `spl serve` of this home; a stale file is removed. Without a usable PID file the daemon is found
 * through the port it holds at `url`, and acted on only if that process is provably ours (its
 * command line and home, and — with a token — the instance DID its /v1/engine/health reports).
 * Anything less ends in a one-line error saying how to find and stop the process by hand.
 */
export async function stopDaemon(paths: SplPaths, url: string | undefined, token: string | undefined, timeoutMs: number, note: (line: string) => void): Promise<StopOutcome> {
  const found = inspectPidFile(paths);
  let pid: number;
  let foundBy: 'pid-file' | 'port';
  if (found.state === 'running') {
    pid = found.record.pid;
    foundBy = 'pid-file';
  } else {
    if (found.state === 'stale') {
      removeStalePidFile(paths, found.record);
      note(`removed a stale PID file (${found.reason})`);
    }
    // No fixed address to look at (port 0), or nothing answers there: nothing to stop.
    if (url === undefined || !(await answersHealth(url))) return { kind: 'not-running', url: url ?? null };
    pid = await findByPort(paths, url, token);
    foundBy = 'port';
    note(`no PID file; found the daemon through ${url}: pid ${pid}`);
  }

  try {
    process.kill(pid, 'SIGTERM');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw new CliError(`cannot signal pid ${pid}: ${(e as Error).message}`);
  }
  const deadline = Date.now() + timeoutMs;
  while (processState(pid) !== 'dead') {
    if (Date.now() >= deadline) {
      throw new CliError(`pid ${pid} did not exit within ${Math.round(timeoutMs / 1000)} s of SIGTERM (still finishing?); wait, or force it with: kill -KILL ${pid}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  // A clean shutdown removes its own PID file last; one still naming the pid means it died hard.
  const after = inspectPidFile(paths);
  const leftover = after.state === 'stale' && after.record?.pid === pid;
  if (leftover) releasePidFile(paths, pid);
  return { kind: 'stopped', pid, found_by: foundBy, clean: !leftover };
}

/** The pid of this home's daemon answering at `url`, proven by the OS and, with a token, its DID. */
async function findByPort(paths: SplPaths, url: string, token: string | undefined): Promise<number> {
  const parsed = new URL(url);
  const port = Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80));
  const howTo = `find it with: ${portOwnerHint(port)}, then stop it with: kill -TERM <pid>`;
  const holder = listeningPid(port);
  if (holder === undefined) throw new CliError(`something answers at ${url} but no PID file names it and its process is not visible to this user; ${howTo}`);
  const verdict = isSplServeOf(holder, paths.home);
  if (!verdict.ours) throw new CliError(`no PID file, and the process on port ${port} is not this home's daemon (${verdict.reason}); not stopping it. If it is yours: kill -TERM ${holder}`);
  if (token) {
    const ours = readIdentity(paths.identity)?.did;
    const answer = await callDaemon<{ instance_did?: string }>(url, '/v1/engine/health', { headers: { authorization: `Bearer ${token}` } }).catch(() => undefined);
    const theirs = answer && answer.status < 500 && typeof answer.body === 'object' ? answer.body.instance_did : undefined;
    if (ours && theirs && ours !== theirs) throw new CliError(`the daemon at ${url} (pid ${holder}) is instance ${theirs}, not this home's ${ours}; not stopping it`);
  }
  return holder;
}
