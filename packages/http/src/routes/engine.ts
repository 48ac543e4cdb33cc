import { z } from '@hono/zod-openapi';
import type { Kernel } from '@syncropel/kernel';
import { Hono, type Context } from 'hono';
import type { AuthVariables, Guards } from '../middleware/guards.js';
import { validated } from '../request-schema.js';

/** Facts about the running daemon that the kernel does not own (the host supplies them). */
export interface DaemonInfo {
  readonly version: string;
  readonly instance_did: string | null;
  readonly bind: string | null;
  readonly db_path: string | null;
  readonly backup_dir: string | null;
  readonly auth_required: boolean;
  /** The daemon's process id, when it runs as a process of its own. */
  readonly pid?: number;
  /** The newest good backup this daemon took, if any. */
  readonly last_backup?: { readonly at: string; readonly path: string; readonly record_count: number } | null;
  /** Set when the backup guard kept an older backup (the store holds less): says what and how to restore. */
  readonly backup_warning?: string | null;
}

/**
 * What an anonymous caller of `GET /v1/engine/health` is told: the kernel's counters and states,
 * nothing that names a path, a store URL, a DID, the version or the bind address. An allowlist,
 * so a field added to the health answer stays behind the token until it is listed here.
 */
export const PUBLIC_HEALTH_KEYS = [
  'status',
  'started_at',
  'uptime_secs',
  'ingested_total',
  'reconciled_total',
  'reconcile_queue_depth',
  'in_flight',
  'draining',
  'aitl_pending',
  'intelligence_enabled',
  'record_count',
  'head_seq',
  'pending_commit',
  'config_skipped',
  'leader',
  'start_progress',
] as const;

/**
 * `/v1/engine`: readiness with the kernel's counters (503 unless the kernel is ready, with the
 * same JSON), the per-loop breakdown with `?details=true`, and the expression-cache stats. The
 * probes answer without a token (counters only, see {@link PUBLIC_HEALTH_KEYS}); a bearer gets
 * the daemon's facts too, and `details=true` needs one.
 */
export function engineRoutes(kernel: Kernel, info: () => DaemonInfo, guard: Guards): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();
  const details = { name: 'details=true', wanted: (c: Context) => c.req.query('details') === 'true' };
  const query = z.object({ details: z.string().optional().openapi({ description: '`true` for the per-loop breakdown (needs a bearer)' }) });
  app.get('/health', guard.probe('records:read', details), validated({ summary: 'readiness with the counters (503 unless ready)', query }), (c) => {
    const health = details.wanted(c) ? kernel.healthDetails() : kernel.health();
    // Draining answers 503 too, so a load balancer stops sending work; /health stays 200.
    const code = health.status === 'ready' && !health.draining ? 200 : 503;
    if (c.get('withheld') === true) return c.json(Object.fromEntries(PUBLIC_HEALTH_KEYS.map((k) => [k, health[k]])), code);
    return c.json({ ...health, ...info() }, code);
  });
  // Counters only, so the same answer with or without a token.
  app.get('/expression_cache/stats', guard.probe('records:read'), validated({ summary: 'expression-cache counters' }), (c) => c.json(kernel.expressions.stats()));
  return app;
}
