import type { Auth } from '@syncropel/auth';
import type { Federation } from '@syncropel/federation';
import type { Kernel } from '@syncropel/kernel';
import { Hono } from 'hono';
import { envelope, toErrorResponse } from './api-error.js';
import { authenticated, createGuards, type AuthVariables } from './middleware/guards.js';
import { corsAllowlist } from './middleware/cors-allowlist.js';
import { wellFormedEncoding } from './middleware/percent-encoding.js';
import { requestSizeLimit } from './middleware/request-size.js';
import { startingGate, type StartingStatus } from './middleware/starting-gate.js';
import { authAdminRoutes, bootstrapRoutes, corsConfigRoutes, permissionRoutes } from './routes/auth-admin.js';
import { engineRoutes, type DaemonInfo } from './routes/engine.js';
import { backupRoutes, type BackupLister } from './routes/backups.js';
import { consoleRoutes, type ConsoleOptions } from './routes/console.js';
import { configRoutes, exprRoutes } from './routes/config.js';
import { recordRoutes } from './routes/records.js';
import { threadRoutes, trustRoutes } from './routes/threads.js';
import { aitlRoutes, drainRoutes } from './routes/work.js';
import { federationRoutes, identityRoutes, syncRoutes } from './routes/federation.js';
import { metricsRoutes } from './routes/metrics.js';
import { createMetrics, type AppMetrics, type RequestFacts } from './metrics.js';
import { observeRequests } from './middleware/request-observer.js';
import { openApiDocument, type OpenApiDocument } from './openapi.js';
import { validated } from './request-schema.js';

/** What {@link createApp} needs. */
export interface AppOptions {
  readonly kernel: Kernel;
  /**
   * The auth layer. Without it the API is open and records are written with the host's
   * authority (embedding, tests); with it every route but `GET /health`, the bootstrap route and
   * the anonymous engine probes (counters only) needs a bearer with the route's scope, and records are checked against the bearer's
   * principal, unless `authRequired` says otherwise (`--insecure-localhost`).
   */
  readonly auth?: Auth;
  /** Whether auth is enforced; read per request. Default: true when `auth` is given. */
  readonly authRequired?: () => boolean;
  /** Daemon facts for the health surface, read on every request (the bind address is known only after listen). */
  readonly info?: () => DaemonInfo;
  /** Receives unexpected errors (the response says only "internal error"). */
  readonly onError?: (error: unknown) => void;
  /** The DID config changes made through the API are written as; default: the daemon's `instance_did` from `info`. */
  readonly actor?: string;
  /**
   * Whether the host is still starting, read per request: while it returns a status, every
   * route but the probes answers 503 `STARTING`. Default: while the kernel has not finished its
   * startup rebuild, with its progress. A daemon also counts store verification and bootstrap.
   */
  readonly starting?: () => StartingStatus | null;
  /** Federation (pairing, the change feed, the signed manifest); without it those routes do not exist. */
  readonly federation?: Federation;
  /**
   * The metrics `GET /metrics` serves (see `createMetrics`): pass the object whose
   * `observeCommit` the kernel was given, so commit latencies show. Default: a fresh set, in a
   * registry of this app's own. One app per metrics object.
   */
  readonly metrics?: AppMetrics;
  /**
   * Told of every request once it is answered, for an access log: method, the matched route
   * pattern (never the raw path), status, ms, and the service account whose bearer was accepted
   * (null otherwise; never the bearer). Called synchronously before the response leaves, so keep
   * it cheap; a throw goes to `onError` and does not change the answer.
   */
  readonly onRequest?: (r: RequestFacts) => void;
  /**
   * The web console's built files (`@syncropel/console`'s `dist/`), served at `/ui/` to anyone
   * (they hold no data; the console's API calls carry a bearer), with a strict CSP. Served while
   * the host starts too, so the console can show the start's progress. Without it, no `/ui` route.
   */
  readonly console?: ConsoleOptions;
  /** Lists the host's backup files for `GET /v1/engine/backups` (`records:read`); without it, no such route. */
  readonly backups?: BackupLister;
}

/** The kernel's own start as a {@link StartingStatus}: folding until its rebuild is done. */
export function kernelStarting(kernel: Kernel): StartingStatus | null {
  if (kernel.status !== 'created' && kernel.status !== 'starting') return null;
  const progress = kernel.health().start_progress;
  return { phase: 'folding', folded: progress?.folded ?? 0, total: progress?.total ?? 0 };
}

/** The actor of API-made config changes when the host names none. */
const EMBEDDED_ACTOR = 'did:sync:instance:embedded';

const NO_INFO: DaemonInfo = { version: '0.0.0', instance_did: null, bind: null, db_path: null, backup_dir: null, auth_required: false };

/**
 * Builds the HTTP API over a kernel (and auth): `GET /health`, `GET /metrics`, `/v1/records`,
 * `/v1/engine/health`, service accounts and tokens, bootstrap, the CORS allowlist, and with the
 * options for them the web console at `/ui/` and `GET /v1/engine/backups`.
 * Every non-2xx answer is `{"error":{"code","message","field"?}}`. Each route declares its own
 * access (see `describeRoutes`), so the app keeps every check when mounted under a prefix
 * (`parent.route('/spl', app)`, `basePath`, `mount`).
 *
 * @example
 * const app = createApp({ kernel });
 * const res = await app.request('/health'); // 200 "ok"
 */
export function createApp(options: AppOptions): Hono<{ Variables: AuthVariables }> {
  const { kernel, auth } = options;
  const info = options.info ?? (() => NO_INFO);
  const required = options.authRequired ?? (() => auth !== undefined);
  const app = new Hono<{ Variables: AuthVariables }>();

  const guard = createGuards(auth, required);
  const metrics = options.metrics ?? createMetrics();
  const onRequest = options.onRequest;
  const report = options.onError ?? (() => undefined);

  // First, so every answer is seen, including the refusals of the middleware below.
  app.use('*', observeRequests(onRequest ? (r) => (metrics.observeRequest(r), onRequest(r)) : metrics.observeRequest, report));
  app.use('*', requestSizeLimit());
  app.use('*', wellFormedEncoding());
  if (auth) app.use('*', corsAllowlist(() => auth.corsOrigins()));
  // Before the starting gate: static files that need nothing from the kernel, and the page that shows the start's progress.
  if (options.console) app.route('/', consoleRoutes(options.console, guard));
  app.use('*', startingGate(options.starting ?? (() => kernelStarting(kernel))));
  // Liveness: answers while the process is alive and bound, whatever the kernel is doing.
  app.get('/health', guard.public(), validated({ summary: 'liveness: `ok` while the process is alive and bound' }), (c) => c.text('ok'));
  // Built from the routing table on first use (every route is registered by then), per version.
  let document: { version: string; doc: OpenApiDocument } | undefined;
  app.get('/openapi.json', guard.public(), validated({ summary: 'this document (OpenAPI 3.1)' }), (c) => {
    const { version } = info();
    if (document?.version !== version) document = { version, doc: openApiDocument(app, version) };
    return c.json(document.doc);
  });
  app.route('/', metricsRoutes(metrics, kernel, info, guard));
  app.route('/v1/records', recordRoutes(kernel, auth, guard));
  app.route('/v1/engine', engineRoutes(kernel, info, guard));
  if (options.backups) app.route('/v1/engine', backupRoutes(options.backups, guard));
  app.route('/v1/threads', threadRoutes(kernel, auth, guard));
  app.route('/v1/trust', trustRoutes(kernel, guard));
  app.route('/v1/expr', exprRoutes(kernel, guard));
  app.route('/v1/aitl', aitlRoutes(kernel, auth, guard));
  app.route('/v1/drain', drainRoutes(kernel, guard));
  app.route(
    '/v1/config',
    configRoutes(kernel, () => options.actor ?? info().instance_did ?? EMBEDDED_ACTOR, guard, auth ? (p, body) => auth.guardConfigChange(p && p.token_id !== 'none' ? p : null, body) : undefined),
  );
  if (options.federation) {
    app.route('/', identityRoutes(options.federation, guard));
    app.route('/v1/federation', federationRoutes(options.federation, guard));
    app.route('/v1/sync', syncRoutes(options.federation, guard));
  }
  if (auth) {
    app.route('/v1/bootstrap', bootstrapRoutes(auth, required, guard));
    app.route('/v1', authAdminRoutes(auth, guard));
    app.route('/v1/config', corsConfigRoutes(auth, guard));
    app.route('/v1/config/permissions', permissionRoutes(auth, guard));
  }

  app.notFound((c) => {
    // Strangers learn nothing about which paths exist: without a valid bearer, 401.
    if (auth && required()) authenticated(c, auth);
    return c.json(envelope('NOT_FOUND', `no route ${c.req.method} ${c.req.path}`), 404);
  });
  app.onError((e, c) => {
    const { status, body } = toErrorResponse(e);
    if (status === 500) report(e);
    return c.json(body, status);
  });
  return app;
}
