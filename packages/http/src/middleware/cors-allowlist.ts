import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';

/** How long browsers may cache a preflight answer. */
export const CORS_MAX_AGE_SECS = 600;

/**
 * CORS from a live allowlist: a listed origin gets hono's CORS headers (and its preflight is
 * answered before authentication, as browsers send preflights without credentials); any other
 * origin gets no CORS header at all, and its preflight an empty 204 the browser will reject.
 */
export function corsAllowlist(origins: () => readonly string[]): MiddlewareHandler {
  const allowed = cors({
    origin: (origin) => origin,
    allowMethods: ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
    allowHeaders: ['authorization', 'content-type'],
    maxAge: CORS_MAX_AGE_SECS,
  });
  return async (c, next) => {
    const origin = c.req.header('origin');
    if (origin && origins().includes(origin)) return allowed(c, next);
    if (c.req.method === 'OPTIONS' && c.req.header('access-control-request-method')) return c.body(null, 204);
    return next();
  };
}
