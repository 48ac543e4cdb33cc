import type { Auth, Principal } from '@syncropel/auth';
import { isAuthError } from '@syncropel/auth';
import type { Context, MiddlewareHandler } from 'hono';
import { HttpError } from '../api-error.js';
import { guardFor } from '../route-scopes.js';

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The one thread a per-thread grain may open on this route: the `thread` filter of
 * `GET /v1/records`, or the path id of `/v1/threads/:id/…`. Other routes span threads, so a
 * grain never opens them.
 */
function grainThreadOf(method: string, path: string, query: string | undefined): string | undefined {
  if (method !== 'GET') return undefined;
  if (path === '/v1/records') return query;
  const m = /^\/v1\/threads\/([^/]+)\/(records|state)$/.exec(path);
  return m ? decodeURIComponent(m[1] as string) : undefined;
}

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
    const insecure = !required();
    if (insecure && !(c.req.method === 'GET' && c.req.path === '/health')) {
      // Auth is off, so the only protection is that nothing but this machine's own clients get in:
      // refuse browsers on other origins (cross-site requests) and foreign Host names (DNS rebinding).
      // The node server builds the request URL from the Host header.
      const host = new URL(c.req.url).hostname;
      if (!LOCAL_HOSTS.has(host)) throw new HttpError(403, 'FORBIDDEN_ORIGIN', `with auth off, only requests to 127.0.0.1 or localhost are served (Host ${host.slice(0, 100)})`);
      const origin = c.req.header('origin');
      if (origin && !auth.corsOrigins().includes(origin)) throw new HttpError(403, 'FORBIDDEN_ORIGIN', `with auth off, cross-origin requests are refused (Origin ${origin.slice(0, 100)})`);
    }
    if (guard?.open) return next();
    if (insecure) {
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
      const grainThread = grainThreadOf(c.req.method, c.req.path, c.req.query('thread'));
      // Record writes by grain holders pass here and are checked record by record in the route.
      const grainWrite =
        c.req.method === 'POST' && c.req.path === '/v1/records' && principal.scopes.some((s) => s.startsWith('thread:') && s.endsWith(':write'));
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
