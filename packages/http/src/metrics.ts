import type { Kernel } from '@syncropel/kernel';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DaemonInfo } from './routes/engine.js';

/**
 * What the app tells its observers about each request it answered (for an access log, metrics).
 * `route` is the matched route pattern (`/v1/records/:id`, with the mount prefix when the app is
 * routed under one), never the raw path, so its values stay few; {@link UNMATCHED_ROUTE} when no
 * route matched. `principal` is the service account of the bearer that was accepted, or null
 * (no token, a refused one, a public route, auth off): never the bearer itself.
 */
export interface RequestFacts {
  readonly method: string;
  readonly route: string;
  readonly status: number;
  /** From the request's arrival at the app until its response was ready (the body may still stream). */
  readonly ms: number;
  readonly principal: string | null;
}

/** The `route` of a request no route matched (a 404, or one refused before routing). */
export const UNMATCHED_ROUTE = '(unmatched)';

/**
 * One app's Prometheus metrics (`GET /metrics`), in a registry of its own rather than
 * prom-client's global one, so two apps in one process never clash. Give the same object to the
 * kernel (`onCommit`) and to one `createApp` (`metrics`); an app given none makes its own,
 * without commit latencies.
 *
 * @example
 * const metrics = createMetrics();
 * const kernel = createKernel({ store, onCommit: metrics.observeCommit });
 * const app = createApp({ kernel, metrics });
 */
export interface AppMetrics {
  /** The prom-client registry `/metrics` renders; an embedder may register metrics of its own in it. */
  readonly registry: Registry;
  /** Records one committed group: pass as `KernelOptions.onCommit`. */
  readonly observeCommit: (records: number, ms: number) => void;
  /** Records one answered request (the app calls it; a host need not). */
  readonly observeRequest: (facts: RequestFacts) => void;
}

/** Creates an {@link AppMetrics} with its own registry. */
export function createMetrics(): AppMetrics {
  const registry = new Registry();
  const registers = [registry];
  const counter = (name: string, help: string) => new Counter({ name, help, registers });
  const gauge = (name: string, help: string) => new Gauge({ name, help, registers });
  // Figures the kernel and host already keep are copied in at scrape time (see renderMetrics).
  const figures: Figures = {
    ingested: counter('syncropel_records_ingested_total', 'Records this process has committed to the log'),
    reconciled: counter('syncropel_reconciled_total', 'Records RECONCILE has routed'),
    queue: gauge('syncropel_reconcile_queue_depth', 'Records waiting for RECONCILE'),
    inFlight: gauge('syncropel_dispatches_in_flight', 'Dispatches to adapters running now'),
    aitl: gauge('syncropel_aitl_pending', 'AITL decisions waiting for a human'),
    ready: gauge('syncropel_ready', '1 when the kernel is ready (started, not stopping)'),
    draining: gauge('syncropel_draining', '1 while dispatching is drained'),
    cacheHits: counter('syncropel_expression_cache_hits_total', 'CEL expression cache hits'),
    cacheMisses: counter('syncropel_expression_cache_misses_total', 'CEL expression cache misses'),
    cacheErrors: counter('syncropel_expression_cache_compile_errors_total', 'CEL expressions that failed to compile'),
    cacheSize: gauge('syncropel_expression_cache_size', 'Compiled CEL expressions held'),
    cacheCapacity: gauge('syncropel_expression_cache_capacity', 'Compiled CEL expressions the cache may hold'),
    backupAge: gauge('syncropel_backup_age_seconds', 'Seconds since the newest good backup this daemon took; -1 when it has taken none (PostgreSQL, embedded)'),
    backupWarning: gauge('syncropel_backup_warning', '1 when the backup guard kept an older backup (the store holds less) or a backup failed: see backup_warning in /v1/engine/health'),
  };
  const commits = new Histogram({
    name: 'syncropel_commit_duration_seconds',
    help: 'Time the log took to commit one group of records (one transaction)',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });
  const requests = new Counter({ name: 'syncropel_http_requests_total', help: 'HTTP requests answered, by method, route pattern and status', labelNames: ['method', 'route', 'status'], registers });
  const latency = new Histogram({
    name: 'syncropel_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method and route pattern',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const metrics: AppMetrics = {
    registry,
    observeCommit: (_records, ms) => commits.observe(ms / 1000),
    observeRequest: (r) => {
      requests.inc({ method: r.method, route: r.route, status: String(r.status) });
      latency.observe({ method: r.method, route: r.route }, r.ms / 1000);
    },
  };
  internals.set(metrics, figures);
  return metrics;
}

/** Copies the kernel's and the host's current figures into the metrics, then renders the registry as Prometheus text. */
export async function renderMetrics(metrics: AppMetrics, kernel: Kernel, info: DaemonInfo, now: number = Date.now()): Promise<string> {
  const f = internals.get(metrics);
  if (f) {
    const h = kernel.health();
    const cache = kernel.expressions.stats();
    setTotal(f.ingested, h.ingested_total);
    setTotal(f.reconciled, h.reconciled_total);
    f.queue.set(h.reconcile_queue_depth);
    f.inFlight.set(h.in_flight);
    f.aitl.set(h.aitl_pending);
    f.ready.set(h.status === 'ready' ? 1 : 0);
    f.draining.set(h.draining ? 1 : 0);
    setTotal(f.cacheHits, cache.hits);
    setTotal(f.cacheMisses, cache.misses);
    setTotal(f.cacheErrors, cache.compile_errors);
    f.cacheSize.set(cache.size);
    f.cacheCapacity.set(cache.capacity);
    const at = info.last_backup ? Date.parse(info.last_backup.at) : Number.NaN;
    f.backupAge.set(Number.isFinite(at) ? Math.max(0, Math.round((now - at) / 1000)) : -1);
    f.backupWarning.set(info.backup_warning ? 1 : 0);
  }
  return metrics.registry.metrics();
}

/** The metrics filled from kernel and host figures at scrape time. */
interface Figures {
  readonly ingested: Counter;
  readonly reconciled: Counter;
  readonly queue: Gauge;
  readonly inFlight: Gauge;
  readonly aitl: Gauge;
  readonly ready: Gauge;
  readonly draining: Gauge;
  readonly cacheHits: Counter;
  readonly cacheMisses: Counter;
  readonly cacheErrors: Counter;
  readonly cacheSize: Gauge;
  readonly cacheCapacity: Gauge;
  readonly backupAge: Gauge;
  readonly backupWarning: Gauge;
}

const internals = new WeakMap<AppMetrics, Figures>();

/** A counter whose running total someone else keeps (the kernel): prom-client counters only add, so start over from it. */
function setTotal(counter: Counter, total: number): void {
  counter.reset();
  counter.inc(total);
}
