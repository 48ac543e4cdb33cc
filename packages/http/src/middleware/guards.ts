import type { Auth, Principal, Resource, Scope } from '@syncropel/auth';
import { allows, isAuthError } from '@syncropel/auth';
import type { Context, MiddlewareHandler } from 'hono';
import { HttpError } from '../api-error.js';
import { declareAccess, type GrainSource } from '../route-access.js';

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The principal of requests served with auth off (`--insecure-localhost`): everything is allowed. */
export const INSECURE_PRINCIPAL: Principal = Object.freeze({ sa_id: 'insecure-localhost', token_id: 'none', scopes: ['admin'], actors: 'any' as const });

/** Hono context variables set by the route guards. */
export interface AuthVariables {
  principal: Principal;
  /** Set by a probe guard for an anonymous caller: answer with counters only. */
  withheld: boolean;
}

// The permission resource each scope's routes touch unless the route names another; record
// writes and decisions are checked per record at ingest instead.
const RESOURCE_OF: { readonly [S in Scope]?: Resource } = {
  'records:read': 'record_read',
  'config:read': 'config_read',
  'config:write': 'config_write',
  admin: 'admin',
};

/** The guards routes declare their access with; see {@link RouteAccess}. */
export interface Guards {
  /** Nothing is checked. */
  public(): MiddlewareHandler<{ Variables: AuthVariables }>;
  /** Open; with auth off only this machine's own clients get in. */
  bootstrap(): MiddlewareHandler<{ Variables: AuthVariables }>;
  /**
   * A valid bearer whose token allows `scope` (a thread grain counts where `grain` says where the
   * thread is), then the permission resource (default: the scope's; `null` for none) when
   * permission rules are on. Sets the `principal` variable.
   */
  requires(scope: Scope, options?: { readonly resource?: Resource | null; readonly grain?: GrainSource }): MiddlewareHandler<{ Variables: AuthVariables }>;
  /**
   * A probe: a caller without an `Authorization` header passes with `withheld` set (the route
   * answers counters only), unless `wantsDetail` says the request asks for more; otherwise as
   * {@link requires}(`scope`). `detail` names what needs the token, for {@link describeRoutes}.
   */
  probe(scope: Scope, detail?: { readonly name: string; readonly wanted: (c: Context) => boolean }): MiddlewareHandler<{ Variables: AuthVariables }>;
  /** As {@link requires}(`scope`) without a permission resource, but public while `isOpen()` (config `topic` set to true). */
  switchable(scope: Scope, topic: string, isOpen: () => boolean): MiddlewareHandler<{ Variables: AuthVariables }>;
}

/**
 * Builds the guards for an app. Without `auth` (an embedded, open API) they check nothing but
 * still declare each route's access. Every refusal is counted for the audit trail.
 */
export function createGuards(auth: Auth | undefined, required: () => boolean): Guards {
  const guards: Guards = {
    public: () => declareAccess(async (_c, next) => next(), { kind: 'public' }),
    bootstrap: () =>
      declareAccess(
        async (c, next) => {
          if (auth && !required()) localOnly(c, auth);
          return next();
        },
        { kind: 'bootstrap' },
      ),
    requires(scope, options = {}) {
      const resource = options.resource === null ? undefined : (options.resource ?? RESOURCE_OF[scope]);
      const { grain } = options;
      const guard: MiddlewareHandler<{ Variables: AuthVariables }> = async (c, next) => {
        if (!auth) return next();
        if (!required()) {
          localOnly(c, auth);
          c.set('principal', INSECURE_PRINCIPAL);
          return next();
        }
        const principal = authenticated(c, auth);
        try {
          if (grain === 'records') {
            // Each record is checked against its own thread at ingest; here any write grain will do.
            if (!allows(principal.scopes, scope) && !principal.scopes.some((s) => s.startsWith('thread:') && s.endsWith(':write'))) auth.authorize(principal, scope);
          } else auth.authorize(principal, scope, grain === 'path' ? c.req.param('id') : grain === 'query' ? c.req.query('thread') : undefined);
        } catch (e) {
          auth.noteFailure(source(c), 'scope', `${c.req.method} ${c.req.path}`);
          throw e;
        }
        if (resource) auth.checkPermission(principal, resource, { source: source(c), route: `${c.req.method} ${c.req.path}` });
        c.set('principal', principal);
        return next();
      };
      return declareAccess(guard, { kind: 'scope', scope, ...(resource ? { resource } : {}), ...(grain ? { grain } : {}) });
    },
    probe(scope, detail) {
      const full = guards.requires(scope);
      const guard: MiddlewareHandler<{ Variables: AuthVariables }> = async (c, next) => {
        // Anonymous and asking for nothing more: let through, marked, before any token check.
        if (auth && required() && c.req.header('authorization') === undefined && !(detail?.wanted(c) ?? false)) {
          c.set('withheld', true);
          return next();
        }
        return full(c, next);
      };
      return declareAccess(guard, { kind: 'probe', scope, ...(detail ? { detail: detail.name } : {}) });
    },
    switchable(scope, topic, isOpen) {
      const closed = guards.requires(scope, { resource: null });
      const guard: MiddlewareHandler<{ Variables: AuthVariables }> = async (c, next) => (isOpen() ? next() : closed(c, next));
      return declareAccess(guard, { kind: 'scope', scope, openWhen: topic });
    },
  };
  return guards;
}

/** Resolves the request's bearer to a principal, counting a refusal (missing, malformed, unknown) for the audit. */
export function authenticated(c: Context, auth: Auth): Principal {
  const header = c.req.header('authorization');
  try {
    return auth.authenticate(header);
  } catch (e) {
    if (isAuthError(e)) auth.noteFailure(source(c), header ? (/^Bearer /i.test(header) ? 'unknown_or_revoked' : 'malformed') : 'missing', `${c.req.method} ${c.req.path}`);
    throw e;
  }
}

/** The peer address of a request (the node server's socket), for audit aggregation. */
export function source(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? 'unknown';
}

/**
 * With auth off the only protection is that nothing but this machine's own clients get in:
 * refuse browsers on other origins (cross-site requests) and foreign Host names (DNS
 * rebinding). The node server builds the request URL from the Host header.
 */
function localOnly(c: Context, auth: Auth): void {
  // Both the Host header and the request target count: an absolute-form target
  // (`GET http://127.0.0.1/…`) must not hide a foreign Host, nor the other way round.
  const header = c.req.header('host');
  for (const host of [...(header === undefined ? [] : [hostnameOf(header)]), new URL(c.req.url).hostname]) {
    if (!LOCAL_HOSTS.has(host)) throw new HttpError(403, 'FORBIDDEN_ORIGIN', `with auth off, only requests to 127.0.0.1 or localhost are served (Host ${host.slice(0, 100)})`);
  }
  // The daemon's own origin is no cross-site request: the web console it serves sends it on
  // every POST. Safe only after the Host check above: a rebinding page has a foreign Host.
  const origin = c.req.header('origin');
  if (origin && origin !== new URL(c.req.url).origin && !auth.corsOrigins().includes(origin)) {
    throw new HttpError(403, 'FORBIDDEN_ORIGIN', `with auth off, cross-origin requests are refused (Origin ${origin.slice(0, 100)})`);
  }
}

/** The host name of a Host header (`name[:port]`, `[v6]:port`); `''` when it is malformed. */
function hostnameOf(header: string): string {
  try {
    const url = new URL(`http://${header}`);
    return url.username || url.password || url.pathname !== '/' ? '' : url.hostname;
  } catch {
    return '';
  }
}
