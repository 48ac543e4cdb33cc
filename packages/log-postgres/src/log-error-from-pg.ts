import { LogError, isLogError } from '@syncropel/log';
import { CLOCK_CONFLICT_SQLSTATE } from './create-schema.js';

/**
 * The {@link LogError} a failure from `pg` stands for: a duplicate id, a clock conflict, or an
 * unreachable server. Anything else (a bug in our SQL, say) is returned as it is, so it is not
 * mistaken for an expected failure. `where` is the redacted URL: messages never hold a password.
 */
export function logErrorFromPg(e: unknown, where: string): unknown {
  if (isLogError(e)) return e;
  const { code, constraint, detail } = (e ?? {}) as { code?: unknown; constraint?: unknown; detail?: unknown };
  const message = e instanceof Error ? e.message : String(e);
  if (code === '23505' && constraint === 'records_id_key') {
    return new LogError('DUPLICATE_ID', `a record in this append is already in the log${typeof detail === 'string' ? ` (${detail})` : ''}`, { cause: e });
  }
  if (code === CLOCK_CONFLICT_SQLSTATE) return new LogError('CLOCK_CONFLICT', message, { cause: e });
  if (isConnectionFailure(code, message)) return new LogError('STORE_UNAVAILABLE', `the log at ${where} is unavailable: ${message}`, { cause: e });
  return e;
}

// Socket-level failures as Node reports them.
const NETWORK_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOENT']);
// Server-side SQLSTATEs meaning "no usable session": connection exceptions (08), insufficient
// resources (53, e.g. too many connections), operator intervention (57P0x: shutdown, terminated
// backend), invalid authorization (28), and a database that does not exist (3D000).
const UNAVAILABLE_SQLSTATE = /^(08|53|57P0|28)|^3D000$/;
// pg's own errors for a dead or closed client carry no code.
const PG_CONNECTION_MESSAGES = /connection terminated|connection error|not queryable|client was closed|timeout exceeded when trying to connect|connection timeout/i;

function isConnectionFailure(code: unknown, message: string): boolean {
  if (typeof code === 'string') return NETWORK_ERRNOS.has(code) || UNAVAILABLE_SQLSTATE.test(code);
  return PG_CONNECTION_MESSAGES.test(message);
}
