import { CLIENT_TIMEOUT_MS, DEFAULT_HOST, DEFAULT_PORT } from './defaults.js';
import { CliError } from './cli-error.js';
import { resolveToken } from './saved-token.js';
import { loadConfig, urlForBind } from './config-file.js';
import { resolvePaths } from './paths.js';
import { inspectPidFile } from './pid-file.js';

/**
 * Picks the daemon URL: `--url`, then `SPL_URL`, then the bind address in `config.toml`
 * (`[server] host`/`port`; with `port = 0`, the address in the running daemon's run/spl.json), then,
 * with nothing configured, the address in this home's running daemon's run/spl.json, then
 * `http://127.0.0.1:9100`.
 */
export function daemonUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  let raw: string;
  let origin: string;
  if (flag) [raw, origin] = [flag, '--url'];
  else if (env.SPL_URL) [raw, origin] = [env.SPL_URL, 'SPL_URL'];
  else {
    const paths = resolvePaths(env);
    const { server } = loadConfig(paths.config);
    origin = server.host !== undefined || server.port !== undefined ? paths.config : 'the default';
    if (server.port === 0) {
      // A free port picked at start: only the running daemon's spl.json knows which.
      const pid = inspectPidFile(paths);
      if (pid.state !== 'running' || !pid.record.url) throw new CliError(`the daemon is not running (${paths.config} sets port 0, so only a running daemon's run/spl.json names its address; or pass --url)`);
      raw = pid.record.url;
    } else if (server.host === undefined && server.port === undefined) {
      // Nothing configured: this home's running daemon (started with --host/--port, say) is
      // the one meant; its spl.json names where it listens. Else the default address.
      const pid = inspectPidFile(paths);
      if (pid.state === 'running' && pid.record.url) [raw, origin] = [pid.record.url, paths.infoFile];
      else raw = urlForBind(DEFAULT_HOST, DEFAULT_PORT);
    } else raw = urlForBind(server.host ?? DEFAULT_HOST, server.port ?? DEFAULT_PORT);
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(`invalid daemon URL ${JSON.stringify(raw)} (from ${origin})`);
  }
  return url.origin;
}

/** The result of a request the daemon answered. */
export interface DaemonAnswer<T> {
  readonly status: number;
  readonly body: T;
}

/** Flags every client command takes. */
export interface ClientFlags {
  readonly url?: string;
  readonly token?: string;
  readonly json?: boolean;
}

/**
 * Calls the daemon's API with the resolved URL and token; any non-2xx answer becomes a one-line
 * CliError with the daemon's code and message.
 */
export async function api<T>(flags: ClientFlags, method: string, path: string, body?: unknown): Promise<T> {
  const base = daemonUrl(flags.url);
  const token = resolveToken(flags.token);
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const answer = await callDaemon<T | { error?: { code?: string; message?: string } }>(base, path, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (answer.status >= 200 && answer.status < 300) return answer.body as T;
  const error = (answer.body as { error?: { code?: string; message?: string; detail?: unknown } })?.error;
  const hint = answer.status === 401 ? (token ? ' (check the saved token: spl token save <bearer>)' : ' (no token: use --token, SPL_TOKEN or spl token save <bearer>)') : '';
  throw new CliError(`${answer.status} ${error?.code ?? 'ERROR'}: ${error?.message ?? 'the daemon refused the request'}${hint}`, 1, error?.detail);
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
