import type { Auth, Principal } from '@syncropel/auth';
import { isAuthError } from '@syncropel/auth';
import type { Context, MiddlewareHandler } from 'hono';
import { guardFor } from '../route-scopes.js';

/** The principal of requests served with auth off (`--insecure-localhost`): everything is allowed. */
export const INSECURE_PRINCIPAL: Principal = { sa_id: 'insecure-localhost', token_id: 'none', scopes: ['admin'] };

/** Hono context variables set by {@link authenticate}. */
export interface AuthVariables {
  principal: Principal;
}

/**
 * Resolves the bearer and enforces the route's scope from the route table. Thread grains are
 * honoured for record routes: a `thread:<id>:read` token may read `?thread=<id>`; writes with
 * grains are checked per record by the records route. Every refusal is counted for the audit.
 */
export function authenticate(auth: Auth, required: () => boolean): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    const guard = guardFor(c.req.method, c.req.path);
    if (guard?.open) return next();
    if (!required()) {
      c.set('principal', INSECURE_PRINCIPAL);
      return next();
    }
    let principal: Principal;
    try {
      principal = auth.authenticate(c.req.header('authorization'));
    } catch (e) {
      if (isAuthError(e)) {
        const header = c.req.header('authorization');
        auth.noteFailure(source(c), header ? (/^Bearer /i.test(header) ? 'unknown_or_revoked' : 'malformed') : 'missing', `${c.req.method} ${c.req.path}`);
      }
      throw e;
    }
    if (guard && !guard.open) {
      const grainThread = guard.scope === 'records:read' || guard.scope === 'records:write' ? c.req.query('thread') : undefined;
      // Writes by grain holders pass here and are checked record by record in the route.
      const grainWrite = guard.scope === 'records:write' && principal.scopes.some((s) => s.startsWith('thread:') && s.endsWith(':write'));
      try {
        if (!grainWrite) auth.authorize(principal, guard.scope, grainThread);
      } catch (e) {
        auth.noteFailure(source(c), 'scope', `${c.req.method} ${c.req.path}`);
        throw e;
      }
    }
    if (guard && !guard.open && guard.resource) {
      auth.checkPermission(principal, guard.resource, { source: source(c), route: `${c.req.method} ${c.req.path}` });
    }
    c.set('principal', principal);
    return next();
  };
}

/** The peer address of a request (the node server's socket), for audit aggregation. */
export function source(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? 'unknown';
}
