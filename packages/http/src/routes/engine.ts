import type { Kernel } from '@syncropel/kernel';
import { Hono } from 'hono';
import type { AuthVariables, Guards } from '../middleware/guards.js';

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
 * `/v1/engine`: readiness with the kernel's counters (503 unless the kernel is ready, with the
 * same JSON), the per-loop breakdown with `?details=true`, and the expression-cache stats.
 */
export function engineRoutes(kernel: Kernel, info: () => DaemonInfo, guard: Guards): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();
  app.get('/health', guard.requires('records:read'), (c) => {
    const details = c.req.query('details') === 'true';
    const health = details ? kernel.healthDetails() : kernel.health();
    // Draining answers 503 too, so a load balancer stops sending work; /health stays 200.
    return c.json({ ...health, ...info() }, health.status === 'ready' && !health.draining ? 200 : 503);
  });
  app.get('/expression_cache/stats', guard.requires('records:read'), (c) => c.json(kernel.expressions.stats()));
  return app;
}
