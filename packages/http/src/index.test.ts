import { expect, it } from 'vitest';
import * as api from '@syncropel/http';

// The public surface is checked by machine, so any API change shows up in review.
it('exports exactly the public API', () => {
  expect(Object.keys(api).sort()).toEqual([
    'AUTH_STATUS',
    'CORS_MAX_AGE_SECS',
    'HttpError',
    'INSECURE_PRINCIPAL',
    'KERNEL_STATUS',
    'MAX_REQUEST_BYTES',
    'MAX_REQUEST_DEPTH',
    'METRICS_PUBLIC_TOPIC',
    'PUBLIC_HEALTH_KEYS',
    'UNMATCHED_ROUTE',
    'createApp',
    'createMetrics',
    'describeRoutes',
    'envelope',
    'isHttpError',
    'kernelStarting',
    'listen',
    'toErrorResponse',
  ]);
});
