/** Fields attached to a log line (plain JSON values). */
export type LogFields = Readonly<Record<string, string | number | boolean | null>>;

/**
 * Where the daemon reports progress and problems. In the foreground it writes human lines to the
 * terminal; detached (`--daemon`) it writes JSON lines to `logs/spl.log`. Both redact secrets.
 */
export interface DaemonLog {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/** One line of `logs/spl.log`. */
export interface LogLine {
  readonly ts: string;
  readonly level: 'info' | 'warn' | 'error';
  readonly pid: number;
  readonly msg: string;
  readonly [field: string]: string | number | boolean | null;
}

/**
 * JSON lines (`{"ts","level","pid","msg",…fields}`), one per call, through `write` (the log file).
 * Every string passes {@link redact} with the given secrets first.
 */
export function jsonLog(write: (line: string) => void, secrets: readonly (string | undefined)[] = []): DaemonLog {
  const scrub = (s: string) => redact(s, secrets);
  const emit = (level: LogLine['level'], msg: string, fields: LogFields = {}) => {
    const clean: Record<string, string | number | boolean | null> = {};
    for (const [k, v] of Object.entries(fields)) clean[k] = typeof v === 'string' ? scrub(v) : v;
    write(`${JSON.stringify({ ts: new Date().toISOString(), level, pid: process.pid, msg: scrub(msg), ...clean })}\n`);
  };
  return {
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
  };
}

/** Human lines for the terminal: `spl: msg`, with `warning:`/`error:` marking problems. */
export function terminalLog(write: (line: string) => void, secrets: readonly (string | undefined)[] = []): DaemonLog {
  const emit = (prefix: string, msg: string) => write(`spl: ${prefix}${redact(msg, secrets)}\n`);
  return {
    info: (msg) => emit('', msg),
    warn: (msg) => emit(msg.startsWith('warning') ? '' : 'warning: ', msg),
    error: (msg) => emit(msg.startsWith('error') ? '' : 'error: ', msg),
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
