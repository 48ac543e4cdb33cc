import { mkdirSync, openSync, closeSync, renameSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RequestFacts } from '@syncropel/http';
import { pino, type DestinationStream, type Logger } from 'pino';

/** Fields attached to a log line (plain JSON values). */
export type LogFields = Readonly<Record<string, string | number | boolean | null>>;

/** The levels, least severe first; a logger writes its level and the ones after it. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The level when neither `--log-level` nor SPL_LOG_LEVEL says otherwise. */
export const DEFAULT_LOG_LEVEL: LogLevel = 'info';

/** The environment variable that sets the level (`--log-level` wins). */
export const LOG_LEVEL_ENV = 'SPL_LOG_LEVEL';


/**
 * Where the daemon reports progress, problems and requests: one pino logger whatever the output.
 * On a terminal the lines are human (`spl: …`); otherwise JSON lines (`{"level","ts","pid","msg",…}`),
 * to stderr in the foreground or to `logs/spl.log` (rotated by size while running) when detached.
 * Every string passes {@link redact} first.
 */
export interface DaemonLog {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** One access-log line for a request (the app's `onRequest` facts: never a bearer). */
  access(r: RequestFacts): void;
}

/** One JSON line of the log. */
export interface LogLine {
  readonly ts: string;
  readonly level: LogLevel;
  readonly pid: number;
  readonly msg: string;
  readonly [field: string]: string | number | boolean | null;
}

/** Parses a level given by an operator; undefined for anything else. */
export function parseLogLevel(value: string | undefined): LogLevel | undefined {
  return (LOG_LEVELS as readonly string[]).includes(value ?? '') ? (value as LogLevel) : undefined;
}

/** JSON lines through `write` (stderr, a test's buffer). */
export function jsonLog(write: (line: string) => void, secrets: readonly (string | undefined)[] = [], level: LogLevel = DEFAULT_LOG_LEVEL): DaemonLog {
  return daemonLog({ write }, secrets, level);
}

/** Human lines for a terminal: `spl: msg`, with `warning:` / `error:` marking problems. */
export function terminalLog(write: (line: string) => void, secrets: readonly (string | undefined)[] = [], level: LogLevel = DEFAULT_LOG_LEVEL): DaemonLog {
  return daemonLog({ write: (json) => write(humanLine(JSON.parse(json) as LogLine)) }, secrets, level);
}

/**
 * JSON lines appended to `path` (mode 0600), moved to `<path>.1` once the file passes
 * `rotateBytes` while running, so a long-lived daemon's log never grows without bound.
 */
export function fileLog(path: string, rotateBytes: number, secrets: readonly (string | undefined)[] = [], level: LogLevel = DEFAULT_LOG_LEVEL): DaemonLog {
  return daemonLog(rotatingFile(path, rotateBytes), secrets, level);
}

function daemonLog(destination: DestinationStream, secrets: readonly (string | undefined)[], level: LogLevel): DaemonLog {
  const logger: Logger = pino(
    {
      level,
      base: { pid: process.pid },
      messageKey: 'msg',
      timestamp: () => `,"ts":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  const scrub = (fields: LogFields = {}) => {
    const clean: Record<string, string | number | boolean | null> = {};
    for (const [k, v] of Object.entries(fields)) clean[k] = typeof v === 'string' ? redact(v, secrets) : v;
    return clean;
  };
  const at = (lvl: LogLevel) => (msg: string, fields?: LogFields) => logger[lvl](scrub(fields), redact(msg, secrets));
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    access: (r) =>
      logger.info(
        { event: 'request', method: r.method, route: redact(r.route, secrets), status: r.status, ms: Math.round(r.ms * 10) / 10, principal: r.principal },
        `${r.method} ${redact(r.route, secrets)} ${r.status} ${Math.round(r.ms)} ms${r.principal ? ` (${r.principal})` : ''}`,
      ),
  };
}

/** A human line from a JSON one: problems are marked, fields are left to the JSON log. */
function humanLine(line: LogLine): string {
  const mark = line.level === 'warn' && !line.msg.startsWith('warning') ? 'warning: ' : line.level === 'error' && !line.msg.startsWith('error') ? 'error: ' : '';
  return `spl: ${mark}${line.msg}\n`;
}

/** An append-only file that moves itself aside past `rotateBytes` (synchronous: a line is on disk when the call returns). */
function rotatingFile(path: string, rotateBytes: number): DestinationStream {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let fd = openSync(path, 'a', 0o600);
  let size = statSync(path).size;
  return {
    write(line: string) {
      const bytes = Buffer.byteLength(line);
      if (size > 0 && size + bytes > rotateBytes) {
        closeSync(fd);
        renameSync(path, `${path}.1`);
        fd = openSync(path, 'a', 0o600);
        size = 0;
      }
      writeSync(fd, line);
      size += bytes;
    },
  };
}

/**
 * Removes secrets from a line: the exact values given (the bootstrap secret) and anything shaped
 * like a bearer (`spl_<env>_<sa>_<secret>` → `spl_<env>_<sa>_<redacted>`). A safety net: the
 * daemon's messages are written not to contain secrets in the first place.
 */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text.replace(/\bspl_([a-z0-9]+)_([a-z0-9-]{1,64})_(?!<)[!-~]+/g, 'spl_$1_$2_<redacted>');
  for (const secret of secrets) {
    // Very short values would redact ordinary words; the bootstrap secret is at least 16 characters.
    if (secret && secret.length >= 8) out = out.split(secret).join('<redacted>');
  }
  return out;
}
