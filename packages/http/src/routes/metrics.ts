import type { Kernel } from '@syncropel/kernel';
import { Hono } from 'hono';
import { renderMetrics, type AppMetrics } from '../metrics.js';
import type { AuthVariables, Guards } from '../middleware/guards.js';
import { validated } from '../request-schema.js';
import type { DaemonInfo } from './engine.js';

/** The config topic that opens `GET /metrics` to anyone: `{"topic":"metrics_public","name":"default","value":true}`. */
export const METRICS_PUBLIC_TOPIC = 'metrics_public';

/** `GET /metrics`: Prometheus text; needs `metrics:read` unless config `metrics_public` is true. */
export function metricsRoutes(metrics: AppMetrics, kernel: Kernel, info: () => DaemonInfo, guard: Guards): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();
  const open = guard.switchable('metrics:read', METRICS_PUBLIC_TOPIC, () => metricsPublic(kernel));
  app.get('/metrics', open, validated({ summary: 'Prometheus text' }), async (c) =>
    c.body(await renderMetrics(metrics, kernel, info()), 200, { 'content-type': metrics.registry.contentType }),
  );
  return app;
}

/** Whether the newest `metrics_public` entry (whatever its name) says `value: true`. */
function metricsPublic(kernel: Kernel): boolean {
  let newest: { seq: number; value: unknown } | undefined;
  for (const e of kernel.config()) if (e.topic === METRICS_PUBLIC_TOPIC && (!newest || e.seq > newest.seq)) newest = { seq: e.seq, value: e.body.value };
  return newest?.value === true;
}
