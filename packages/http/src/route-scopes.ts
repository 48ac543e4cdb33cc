import type { Resource, Scope } from '@syncropel/auth';

/** How a route is guarded: open to all, or needing a scope (SPEC §8) and, when permission rules are on, a resource. */
export type RouteGuard = { readonly open: true } | { readonly open?: false; readonly scope: Scope; readonly resource?: Resource };

interface RouteRule {
  readonly method: string;
  readonly path: RegExp;
  readonly guard: RouteGuard;
}

const OPEN: RouteGuard = { open: true };
// Each scope implies the permission resource its routes touch; record writes are checked per record.
const RESOURCE_OF: { readonly [S in Scope]?: Resource } = {
  'records:read': 'record_read',
  'config:read': 'config_read',
  'config:write': 'config_write',
  admin: 'admin',
};
const need = (scope: Scope, resource: Resource | undefined = RESOURCE_OF[scope]): RouteGuard => (resource ? { scope, resource } : { scope });

/**
 * The route → scope table, the single place where access to a route is decided. Routes not
 * listed still need a valid token (so unknown paths answer 401, not 404, to strangers).
 */
export const ROUTE_SCOPES: readonly RouteRule[] = [
  { method: 'GET', path: /^\/health$/, guard: OPEN },
  { method: 'POST', path: /^\/v1\/bootstrap\/service-account$/, guard: OPEN },
  { method: 'GET', path: /^\/v1\/engine\/health$/, guard: need('records:read') },
  { method: 'GET', path: /^\/v1\/engine\/expression_cache\/stats$/, guard: need('records:read') },
  { method: 'GET', path: /^\/v1\/threads(\/[^/]+\/(records|state))?$/, guard: need('records:read', 'thread_read') },
  { method: 'GET', path: /^\/v1\/trust$/, guard: need('records:read') },
  { method: 'GET', path: /^\/v1\/config$/, guard: need('config:read') },
  { method: 'DELETE', path: /^\/v1\/config\/rules\/[^/]+$/, guard: need('config:write') },
  { method: 'DELETE', path: /^\/v1\/config\/entries\/[^/]+\/[^/]+$/, guard: need('config:write') },
  { method: 'GET', path: /^\/v1\/aitl$/, guard: need('records:read') },
  { method: 'POST', path: /^\/v1\/aitl\/[^/]+\/decide$/, guard: need('records:write', 'aitl_decide') },
  { method: 'GET', path: /^\/v1\/config\/permissions$/, guard: need('config:read') },
  { method: 'POST', path: /^\/v1\/config\/permissions\/(enable|disable)$/, guard: need('config:write') },
  { method: 'POST', path: /^\/v1\/config\/permissions\/dry-run$/, guard: need('config:read') },
  { method: 'GET', path: /^\/v1\/drain$/, guard: need('admin') },
  { method: 'POST', path: /^\/v1\/drain$/, guard: need('admin') },
  { method: 'DELETE', path: /^\/v1\/drain$/, guard: need('admin') },
  { method: 'POST', path: /^\/v1\/expr\/check$/, guard: need('config:read') },
  { method: 'POST', path: /^\/v1\/expr\/eval$/, guard: need('records:read') },
  { method: 'GET', path: /^\/v1\/records(\/[^/]+)?$/, guard: need('records:read') },
  { method: 'POST', path: /^\/v1\/records$/, guard: need('records:write') },
  { method: 'GET', path: /^\/v1\/config\/[^/]+$/, guard: need('config:read') },
  { method: 'POST', path: /^\/v1\/config\/[^/]+$/, guard: need('config:write') },
  { method: 'GET', path: /^\/v1\/service-accounts$/, guard: need('admin') },
  { method: 'POST', path: /^\/v1\/service-accounts$/, guard: need('admin') },
  { method: 'PATCH', path: /^\/v1\/service-accounts\/[^/]+$/, guard: need('admin') },
  { method: 'DELETE', path: /^\/v1\/service-accounts\/[^/]+$/, guard: need('admin') },
  { method: 'POST', path: /^\/v1\/service-accounts\/[^/]+\/tokens$/, guard: need('admin') },
  { method: 'GET', path: /^\/v1\/tokens$/, guard: need('admin') },
  { method: 'DELETE', path: /^\/v1\/tokens\/[^/]+$/, guard: need('admin') },
  { method: 'POST', path: /^\/v1\/tokens\/[^/]+\/rotate$/, guard: need('admin') },
];

/** The guard for a request; undefined for routes that are not in the table (they need any valid token). */
export function guardFor(method: string, path: string): RouteGuard | undefined {
  const m = method === 'HEAD' ? 'GET' : method;
  return ROUTE_SCOPES.find((r) => r.method === m && r.path.test(path))?.guard;
}
