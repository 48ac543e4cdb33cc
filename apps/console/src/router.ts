/** Hash navigation: `#/threads`, `#/threads/<id>`, … The hash never carries the bearer. */

/** The views and their parameters. */
export type Route =
  | { readonly view: 'health' }
  | { readonly view: 'threads' }
  | { readonly view: 'thread'; readonly id: string }
  | { readonly view: 'aitl' }
  | { readonly view: 'trust' }
  | { readonly view: 'backups' }
  | { readonly view: 'unknown'; readonly hash: string };

/** Thread ids as the API takes them (`th_` + hex, or a reserved name); anything else is no route. */
const THREAD_ID = /^[A-Za-z0-9_.:-]{1,200}$/;

/** The route a location hash names; an empty hash is the health view. */
export function parseHash(hash: string): Route {
  const path = hash.replace(/^#/, '').replace(/\/+$/, '');
  if (path === '' || path === '/' || path === '/health') return { view: 'health' };
  if (path === '/threads') return { view: 'threads' };
  if (path === '/aitl') return { view: 'aitl' };
  if (path === '/trust') return { view: 'trust' };
  if (path === '/backups') return { view: 'backups' };
  const thread = /^\/threads\/([^/]+)$/.exec(path);
  if (thread) {
    let id: string;
    try {
      id = decodeURIComponent(thread[1] as string);
    } catch {
      return { view: 'unknown', hash };
    }
    if (THREAD_ID.test(id)) return { view: 'thread', id };
  }
  return { view: 'unknown', hash };
}

/** The hash of a route (for links). */
export function hashOf(route: Exclude<Route, { view: 'unknown' }>): string {
  return route.view === 'thread' ? `#/threads/${encodeURIComponent(route.id)}` : `#/${route.view}`;
}
