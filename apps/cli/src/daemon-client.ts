import { CLIENT_TIMEOUT_MS, DEFAULT_HOST, DEFAULT_PORT } from './defaults.js';
import { CliError } from './cli-error.js';

/** Picks the daemon URL: `--url`, then `SPL_URL`, then the default bind address. */
export function daemonUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const raw = flag ?? env.SPL_URL ?? `http://${DEFAULT_HOST}:${DEFAULT_PORT}`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(`invalid daemon URL ${JSON.stringify(raw)} (from ${flag ? '--url' : 'SPL_URL'})`);
  }
  return url.origin;
}

/** The result of a request the daemon answered. */
export interface DaemonAnswer<T> {
  readonly status: number;
  readonly body: T;
}

/** Sends a request to the daemon; a daemon that does not answer becomes a one-line CliError. */
export async function callDaemon<T>(base: string, path: string, init: RequestInit = {}): Promise<DaemonAnswer<T>> {
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
    throw new CliError(`the daemon is not running at ${base} (${cause})`);
  }
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Plain-text answers (like /health) stay strings.
  }
  return { status: res.status, body: body as T };
}
