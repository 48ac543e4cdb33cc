import type { Resource, Scope } from '@syncropel/auth';
import type { MiddlewareHandler } from 'hono';
import { COMPOSED_HANDLER } from 'hono/utils/constants';

/**
 * Where a per-thread grain (`thread:<id>:read|write`) finds the one thread it may open on a route:
 * the `:id` path parameter, the `thread` query parameter, or each record of a write (checked per
 * record at ingest).
 */
export type GrainSource = 'path' | 'query' | 'records';

/**
 * How a route is guarded, declared on the route itself (its first handler), so mounting the app
 * under any prefix keeps every check and no second table can drift from the routes.
 * - `public`: nothing is checked (`GET /health`);
 * - `bootstrap`: open, but with auth off only this machine's clients get in (Path B);
 * - `probe`: a counters-only answer to anyone without an `Authorization` header (the operator's
 *   `curl …/v1/engine/health`); a request that brings a bearer, or asks for what `detail` names
 *   (`?details=true`), needs `scope` as below and gets the full answer;
 * - `scope`: a valid bearer whose token allows `scope` (grains per `grain`), then the permission
 *   `resource` when rules are on; with `openWhen`, the route is public while that config topic
 *   says `{"value": true}` (`metrics_public`).
 */
export type RouteAccess =
  | { readonly kind: 'public' }
  | { readonly kind: 'bootstrap' }
  | { readonly kind: 'probe'; readonly scope: Scope; readonly detail?: string }
  | { readonly kind: 'scope'; readonly scope: Scope; readonly resource?: Resource; readonly grain?: GrainSource; readonly openWhen?: string };

/** One route of an app and the access it declares (undefined: none, which a test refuses). */
export interface DescribedRoute {
  readonly method: string;
  readonly path: string;
  readonly access: RouteAccess | undefined;
}

const declared = new WeakMap<object, RouteAccess>();

/** Records that `middleware` is the guard enforcing `access` (for {@link describeRoutes}). */
export function declareAccess<M extends MiddlewareHandler>(middleware: M, access: RouteAccess): M {
  declared.set(middleware, access);
  return middleware;
}

/**
 * Every route of an app with the access its guard declares, read from the app's own routing
 * table; app-wide middleware (`use`) is not a route. Works on a mounted app too: Hono wraps the
 * handlers of an app that has its own error handler, and keeps the original beside the wrapper.
 */
export function describeRoutes(app: { readonly routes: readonly { method: string; path: string; handler: unknown }[] }): DescribedRoute[] {
  const routes = new Map<string, { method: string; path: string; access: RouteAccess | undefined }>();
  for (const r of app.routes) {
    if (r.method === 'ALL') continue;
    const key = `${r.method} ${r.path}`;
    const entry = routes.get(key) ?? { method: r.method, path: r.path, access: undefined };
    const handler = r.handler as unknown as { [COMPOSED_HANDLER]?: object };
    entry.access ??= declared.get(handler[COMPOSED_HANDLER] ?? handler);
    routes.set(key, entry);
  }
  return [...routes.values()];
}
