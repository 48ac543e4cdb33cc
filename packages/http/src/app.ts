import type { Kernel } from '@syncropel/kernel';
import { Hono } from 'hono';
import { envelope, toErrorResponse } from './api-error.js';
import { engineRoutes, type DaemonInfo } from './routes/engine.js';
import { recordRoutes } from './routes/records.js';

/** What {@link createApp} needs. */
export interface AppOptions {
  readonly kernel: Kernel;
  /** Daemon facts for the health surface, read on every request (the bind address is known only after listen). */
  readonly info?: () => DaemonInfo;
  /** Receives unexpected errors (the response says only "internal error"). */
  readonly onError?: (error: unknown) => void;
}

const NO_INFO: DaemonInfo = { version: '0.0.0', instance_did: null, bind: null, db_path: null, backup_dir: null };

/**
 * Builds the HTTP API over a kernel: `GET /health`, `/v1/records`, `/v1/engine/health`.
 * Every non-2xx answer is `{"error":{"code","message","field"?}}`.
 *
 * @example
 * const app = createApp({ kernel });
 * const res = await app.request('/health'); // 200 "ok"
 */
export function createApp(options: AppOptions): Hono {
  const { kernel } = options;
  const info = options.info ?? (() => NO_INFO);
  const app = new Hono();

  // Liveness: answers while the process is alive and bound, whatever the kernel is doing.
  app.get('/health', (c) => c.text('ok'));
  app.route('/v1/records', recordRoutes(kernel));
  app.route('/v1/engine', engineRoutes(kernel, info));

  app.notFound((c) => c.json(envelope('NOT_FOUND', `no route ${c.req.method} ${c.req.path}`), 404));
  app.onError((e, c) => {
    const { status, body } = toErrorResponse(e);
    if (status === 500) options.onError?.(e);
    return c.json(body, status);
  });
  return app;
}
