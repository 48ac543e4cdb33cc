import { MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE } from '@syncropel/log';
import { isReservedThread } from '@syncropel/algebra';
import type { Auth } from '@syncropel/auth';
import type { Kernel } from '@syncropel/kernel';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { envelope, HttpError } from '../api-error.js';
import { MAX_REQUEST_BYTES } from '../limits.js';
import { source, type AuthVariables } from '../middleware/authenticate.js';
import { readJson } from '../read-json.js';
import { integerParam } from '../query-params.js';

/** Reserved threads only the daemon itself writes; config LEARNs go to th_engine_config with config:write. */
const DAEMON_ONLY_THREADS = new Set(['th_service_accounts', 'th_audit', 'th_federation_pairs']);

const THREAD = /^(th_[0-9a-f]{64}|th_[a-z_]+)$/;

/** `/v1/records`: append (one or a batch) and read back. */
export function recordRoutes(kernel: Kernel, auth?: Auth): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();

  const streamedLimit = bodyLimit({
    maxSize: MAX_REQUEST_BYTES,
    onError: (c) => tooLarge(c),
  });
  app.post(
    '/',
    // With a Content-Length (the usual case) the check is a header comparison and the body is read
    // on the server's fast path; hono's streaming bodyLimit is ~5x slower, so it is kept for
    // chunked uploads only. Node's parser guarantees the body matches the declared length.
    async (c, next) => {
      const declared = c.req.header('content-length');
      if (declared === undefined) return streamedLimit(c, next);
      if (Number(declared) > MAX_REQUEST_BYTES) return tooLarge(c);
      return next();
    },
    async (c) => {
      const input = await readJson(c);
      if (isBatch(input)) {
        if (!Array.isArray(input.records)) throw new HttpError(422, 'VALIDATION_FAILED', 'records must be an array of records', 'records');
        input.records.forEach((r: unknown, i: number) => checkThread(c, auth, r, `records[${i}].thread`));
        const results = await kernel.ingestBatch(input.records);
        const data = results.map((r) => ({ status: r.status, id: r.record.id, record: r.record }));
        return c.json({ object: 'list', data, next_cursor: null }, results.some((r) => r.status === 'created') ? 201 : 200);
      }
      checkThread(c, auth, input, 'thread');
      const result = await kernel.ingest(input);
      return c.json(result.record, result.status === 'created' ? 201 : 200);
    },
  );

  app.get('/:id', (c) => {
    const id = c.req.param('id');
    const record = kernel.record(id);
    if (!record) throw new HttpError(404, 'NOT_FOUND', `no record with id ${id.slice(0, 64)}`, 'id');
    return c.json(record);
  });

  app.get('/', (c) => {
    const thread = c.req.query('thread');
    const actor = c.req.query('actor');
    if (thread !== undefined && !THREAD.test(thread)) throw new HttpError(422, 'VALIDATION_FAILED', 'thread must be a thread id', 'thread');
    const after = integerParam(c.req.query('after'), 'after', 0, Number.MAX_SAFE_INTEGER) ?? 0;
    const limit = integerParam(c.req.query('limit'), 'limit', 1, MAX_PAGE_SIZE) ?? DEFAULT_PAGE_SIZE;
    const data = kernel.records({ after, limit, ...(thread ? { thread } : {}), ...(actor ? { actor } : {}) });
    const last = data[data.length - 1];
    return c.json({ object: 'list', data, next_cursor: data.length === limit && last ? String(last.seq) : null });
  });

  return app;
}

/**
 * Write rules that depend on the record's thread: daemon-only reserved threads are refused to
 * everyone (forging a service account would bypass auth), config needs config:write, and a
 * token holding only thread grains may write just those threads.
 */
function checkThread(c: Context<{ Variables: AuthVariables }>, auth: Auth | undefined, record: unknown, field: string): void {
  const thread = typeof record === 'object' && record !== null ? (record as { thread?: unknown }).thread : undefined;
  if (typeof thread !== 'string') return; // validation names the field
  if (DAEMON_ONLY_THREADS.has(thread)) throw new HttpError(403, 'RESERVED_THREAD', `${field} ${thread} is written only by the daemon`, field);
  const principal = c.get('principal');
  if (!auth || !principal) return;
  if (isReservedThread(thread)) auth.authorize(principal, 'config:write');
  else auth.authorize(principal, 'records:write', thread);
  auth.checkPermission(principal, 'record_write', { record, source: source(c), route: 'POST /v1/records' });
}

/** 413 for an oversized body. The rest of the body is never read, so the connection is not reused. */
function tooLarge(c: Context) {
  c.header('connection', 'close');
  return c.json(envelope('PAYLOAD_TOO_LARGE', `the request body is larger than ${MAX_REQUEST_BYTES} bytes`, 'body'), 413);
}

/** A batch is an object with `records` and none of a record's own fields. */
function isBatch(input: unknown): input is { records: unknown } {
  return typeof input === 'object' && input !== null && !Array.isArray(input) && 'records' in input && !('act' in input);
}
