/**
 * @syncropel/http — the HTTP API as a Hono app over a kernel, the error envelope, and the Node
 * server binding.
 */
export { createApp, kernelStarting } from './app.js';
export type { AppOptions } from './app.js';
export type { StartingStatus } from './middleware/starting-gate.js';
export { listen } from './serve.js';
export type { RunningServer } from './serve.js';
export { AUTH_STATUS, HttpError, KERNEL_STATUS, envelope, isHttpError, toErrorResponse } from './api-error.js';
export { describeRoutes } from './route-access.js';
export type { DescribedRoute, GrainSource, RouteAccess } from './route-access.js';
export { INSECURE_PRINCIPAL } from './middleware/guards.js';
export type { AuthVariables } from './middleware/guards.js';
export { CORS_MAX_AGE_SECS } from './middleware/cors-allowlist.js';
export type { ErrorEnvelope, HttpErrorCode } from './api-error.js';
export type { DaemonInfo } from './routes/engine.js';
export type { BackupLister, BackupSummary } from './routes/backups.js';
export type { ConsoleOptions } from './routes/console.js';
export { MAX_REQUEST_BYTES, MAX_REQUEST_DEPTH } from './limits.js';
export { createMetrics, UNMATCHED_ROUTE } from './metrics.js';
export type { AppMetrics, RequestFacts } from './metrics.js';
export { PUBLIC_HEALTH_KEYS } from './routes/engine.js';
export { METRICS_PUBLIC_TOPIC } from './routes/metrics.js';
