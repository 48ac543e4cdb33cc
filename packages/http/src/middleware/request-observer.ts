import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { UNMATCHED_ROUTE, type RequestFacts } from '../metrics.js';
import type { AuthVariables } from './guards.js';

/**
 * Tells `observe` of every request once it is answered: method, matched route pattern, status,
 * time taken and the accepted service account. Runs first, so refusals by the other middleware
 * (413, 401, 503 while starting) are seen too. A throwing observer is reported to `onError` and
 * never changes the answer.
 */
export function observeRequests(observe: (facts: RequestFacts) => void, onError: (error: unknown) => void): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    const started = performance.now();
    let status = 500;
    try {
      await next();
      status = c.res.status;
    } finally {
      // The principal is read after the guards ran; a bearer is never part of what is told.
      const principal = (c.get('principal') as AuthVariables['principal'] | undefined) ?? null;
      const facts: RequestFacts = {
        method: c.req.method,
        route: routePattern(c),
        status,
        ms: performance.now() - started,
        principal: principal && principal.token_id !== 'none' ? principal.sa_id : null,
      };
      try {
        observe(facts);
      } catch (e) {
        onError(e);
      }
    }
  };
}

/**
 * The pattern of the route that matched the request (the router matches before any handler
 * runs, so a request refused by a guard still names its route); app-wide middleware is not a route.
 */
function routePattern(c: Context): string {
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) {
    const r = routes[i]!;
    if (r.method !== 'ALL') return r.path;
  }
  return UNMATCHED_ROUTE;
}
