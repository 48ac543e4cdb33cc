import { readFileSync } from 'node:fs';
import { parse } from 'smol-toml';
import { CliError } from './cli-error.js';

/**
 * `~/.syncro/config.toml`: the operator's defaults for `spl serve` and for finding the daemon.
 *
 * ```toml
 * [server]
 * host = "127.0.0.1"     # address to bind; clients connect here (0.0.0.0 / :: → loopback)
 * port = 9100            # 0 picks a free port
 * durability = "full"    # or "normal"
 * store = "sqlite"       # or "postgres://user@db-host:5432/spl": one log shared by several daemons
 * ```
 * Flags override the file. Unknown sections or keys are refused (a typo must not be ignored
 * silently), and every error is one line naming the file, the key and its line.
 */
export interface SplConfig {
  readonly server: {
    readonly host?: string;
    readonly port?: number;
    readonly durability?: 'full' | 'normal';
    /** `sqlite` (hub.db in the home) or a `postgres://` URL. */
    readonly store?: string;
  };
}

/** Reads and checks the config file; a missing file is an empty config. */
export function loadConfig(path: string): SplConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { server: {} };
    throw new CliError(`cannot read ${path}: ${(e as Error).message}`);
  }
  return parseConfig(text, path);
}

/** Parses config text; `origin` names the file in error messages. */
export function parseConfig(text: string, origin: string): SplConfig {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (e) {
    const { line, message } = e as { line?: number; message: string };
    // smol-toml's message carries a code excerpt after the first line; the reason is the first line.
    const reason = message.split('\n')[0]?.replace(/^Invalid TOML document: /, '') ?? 'invalid TOML';
    throw new CliError(`${origin}${line ? `:${line}` : ''}: ${reason}`);
  }
  const fail = (key: string, problem: string): never => {
    const line = lineOf(text, key);
    throw new CliError(`${origin}${line ? `:${line}` : ''}: ${key} ${problem}`);
  };
  for (const section of Object.keys(doc)) {
    if (section !== 'server') fail(section, 'is not a known section (known: [server])');
  }
  const server = doc.server ?? {};
  if (typeof server !== 'object' || server === null || Array.isArray(server)) return fail('server', 'must be a table ([server])');
  const out: { host?: string; port?: number; durability?: 'full' | 'normal'; store?: string } = {};
  for (const [key, value] of Object.entries(server)) {
    const name = `server.${key}`;
    if (key === 'host') {
      if (typeof value !== 'string' || value.trim() === '') fail(name, 'must be a non-empty string, e.g. host = "127.0.0.1"');
      out.host = value as string;
    } else if (key === 'port') {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 65535) fail(name, 'must be an integer from 0 to 65535');
      out.port = value as number;
    } else if (key === 'durability') {
      if (value !== 'full' && value !== 'normal') fail(name, 'must be "full" or "normal"');
      out.durability = value as 'full' | 'normal';
    } else if (key === 'store') {
      if (typeof value !== 'string' || storeProblem(value) !== null) fail(name, `must be "sqlite" or a postgres:// URL`);
      out.store = value as string;
    } else {
      fail(name, 'is not a known key (known: host, port, durability, store)');
    }
  }
  return { server: out };
}

/** Why `value` names no store `spl serve` can open, or null: `sqlite`, or a `postgres://` / `postgresql://` URL with a host. */
export function storeProblem(value: string): string | null {
  if (value === 'sqlite') return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is neither "sqlite" nor a URL';
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') return `has scheme ${url.protocol.replace(/:$/, '')}; use "sqlite" or postgres://`;
  if (!url.hostname) return 'names no host';
  return null;
}

/** The 1-based line where `section.key` (or a `[section]` header) is written, if it can be found. */
function lineOf(text: string, dotted: string): number | undefined {
  const [section, key] = dotted.split('.') as [string, string | undefined];
  const lines = text.split(/\r?\n/);
  let current = '';
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    const header = /^\[\s*([^\]]+?)\s*\]/.exec(line);
    if (header) {
      current = header[1] as string;
      if (key === undefined && current === section) return i + 1;
      continue;
    }
    // Dotted keys at top level: server.port = 1
    if (key !== undefined && current === '' && new RegExp(`^${escapeRe(section)}\\s*\\.\\s*${escapeRe(key)}\\s*=`).test(line)) return i + 1;
    const m = /^["']?([A-Za-z0-9_-]+)["']?\s*=/.exec(line);
    if (!m) continue;
    if (key === undefined && current === '' && m[1] === section) return i + 1;
    if (key !== undefined && current === section && m[1] === key) return i + 1;
  }
  return undefined;
}

/** The URL a client uses to reach a daemon bound to `host:port`; wildcard binds are reached over loopback. */
export function urlForBind(host: string, port: number): string {
  const connect = host === '0.0.0.0' ? '127.0.0.1' : host === '::' || host === '[::]' ? '::1' : host;
  const bare = connect.replace(/^\[(.*)\]$/, '$1');
  return `http://${bare.includes(':') ? `[${bare}]` : bare}:${port}`;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
