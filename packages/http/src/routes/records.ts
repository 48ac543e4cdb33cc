import { z } from '@hono/zod-openapi';
import { MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE } from '@syncropel/log';
import type { Auth } from '@syncropel/auth';
import type { Kernel } from '@syncropel/kernel';
import { Hono, type Context } from 'hono';
import { HttpError } from '../api-error.js';
import { source, type AuthVariables, type Guards } from '../middleware/guards.js';
import { jsonResponse } from '../json-text.js';
import { integerQuery } from '../query-params.js';
import { validated } from '../request-schema.js';
import { assertReadable } from './threads.js';

const THREAD = /^(th_[0-9a-f]{64}|th_[a-z_]+)$/;

/** One record or `{"records":[...]}`; the kernel checks each record at ingest. */
const RECORD_OR_BATCH = z
  .unknown()
  .superRefine((input, ctx) => {
    if (isBatch(input) && !Array.isArray(input.records)) ctx.addIssue({ code: 'custom', message: 'records must be an array of records', path: ['records'] });
  })
  .openapi({ description: 'a record (`parents`, `thread`, `actor`, `act`, `body`, …), or `{"records":[...]}` with up to 1000; each is checked at ingest' });

const RECORDS_QUERY = z.object({
  thread: z.string().regex(THREAD, { error: 'thread must be a thread id' }).optional(),
  actor: z.string().optional(),
  after: integerQuery('after', 0, Number.MAX_SAFE_INTEGER),
  limit: integerQuery('limit', 1, MAX_PAGE_SIZE),
});

/**
 * `/v1/records`: append (one or a batch) and read back. Every record is checked at ingest against
 * the writer of the request's principal: who it may write as, which threads, what it may answer.
 */
export function recordRoutes(kernel: Kernel, auth: Auth | undefined, guard: Guards): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();
  const read = guard.requires('records:read');

  const write = guard.requires('records:write', { resource: null, grain: 'records' });
  app.post('/', write, validated({ summary: 'append one record, or a batch atomically', body: RECORD_OR_BATCH }), async (c) => {
    const input = c.req.valid('json');
    const options = writerOf(c, auth);
    if (isBatch(input) && Array.isArray(input.records)) {
      const results = await kernel.ingestBatch(input.records, options);
      const data = results.map((r) => ({ status: r.status, id: r.record.id, record: r.record }));
      return c.json({ object: 'list', data, next_cursor: null }, results.some((r) => r.status === 'created') ? 201 : 200);
    }
    const result = await kernel.ingest(input, options);
    return c.json(result.record, result.status === 'created' ? 201 : 200);
  });

  app.get('/:id', read, validated({ summary: 'one record' }), async (c) => {
    const id = c.req.param('id');
    const record = await kernel.record(id);
    const principal = c.get('principal');
    // A record the caller may not read answers exactly like one that does not exist.
    if (!record || (auth && principal && !auth.mayRead(principal, record.thread))) throw new HttpError(404, 'NOT_FOUND', `no record with id ${id.slice(0, 64)}`, 'id');
    return jsonResponse(c, record);
  });

  app.get('/', guard.requires('records:read', { grain: 'query' }), validated({ summary: 'records in log order', query: RECORDS_QUERY }), async (c) => {
    const { thread, actor, after = 0, limit = DEFAULT_PAGE_SIZE } = c.req.valid('query');
    const principal = c.get('principal');
    if (thread !== undefined) assertReadable(auth, principal, thread);
    const hidden = auth && principal && thread === undefined ? auth.unreadableThreads(principal) : [];
    const data = await kernel.records({ after, limit, ...(thread ? { thread } : {}), ...(actor ? { actor } : {}), ...(hidden.length > 0 ? { excludeThreads: hidden } : {}) });
    const last = data[data.length - 1];
    return jsonResponse(c, { object: 'list', data, next_cursor: data.length === limit && last ? String(last.seq) : null });
  });

  return app;
}

/** The ingest options for a request: its principal's writer (none without auth: the API is the host's). */
function writerOf(c: Context<{ Variables: AuthVariables }>, auth: Auth | undefined) {
  const principal = c.get('principal');
  return auth && principal ? { writer: auth.writer(principal, { source: source(c), route: 'POST /v1/records' }) } : {};
}

/** A batch is an object with `records` and none of a record's own fields. */
function isBatch(input: unknown): input is { records: unknown } {
  return typeof input === 'object' && input !== null && !Array.isArray(input) && 'records' in input && !('act' in input);
}
