import { MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE } from '@syncropel/log';
import { isReservedThread } from '@syncropel/algebra';
import type { Auth } from '@syncropel/auth';
import type { Kernel } from '@syncropel/kernel';
import { Hono, type Context } from 'hono';
import { HttpError } from '../api-error.js';
import { source, type AuthVariables } from '../middleware/authenticate.js';
import { readJson } from '../read-json.js';
import { integerParam } from '../query-params.js';

/** Reserved threads only the daemon itself writes; config LEARNs go to th_engine_config with config:write. */
const DAEMON_ONLY_THREADS = new Set(['th_service_accounts', 'th_audit', 'th_federation_pairs']);

const THREAD = /^(th_[0-9a-f]{64}|th_[a-z_]+)$/;

/** `/v1/records`: append (one or a batch) and read back. */
export function recordRoutes(kernel: Kernel, auth: Auth | undefined, engineActor: () => string | undefined): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();

  app.post(
    '/',
    async (c) => {
      const input = await readJson(c);
      if (isBatch(input)) {
        if (!Array.isArray(input.records)) throw new HttpError(422, 'VALIDATION_FAILED', 'records must be an array of records', 'records');
        input.records.forEach((r: unknown, i: number) => checkThread(c, auth, engineActor(), r, `records[${i}]`));
        const results = await kernel.ingestBatch(input.records);
        const data = results.map((r) => ({ status: r.status, id: r.record.id, record: r.record }));
        return c.json({ object: 'list', data, next_cursor: null }, results.some((r) => r.status === 'created') ? 201 : 200);
      }
      checkThread(c, auth, engineActor(), input, '');
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
function checkThread(c: Context<{ Variables: AuthVariables }>, auth: Auth | undefined, engine: string | undefined, record: unknown, prefix: string): void {
  const at = (name: string) => (prefix ? `${prefix}.${name}` : name);
  const r = (typeof record === 'object' && record !== null ? record : {}) as { thread?: unknown; actor?: unknown; body?: unknown };
  // The engine's own DID writes results, notices and decisions; a client writing as it could
  // forge outcomes or exhaust its clocks.
  if (engine !== undefined && r.actor === engine) throw new HttpError(403, 'RESERVED_THREAD', `${at('actor')} is the daemon's own DID; only the daemon writes as it`, at('actor'));
  const thread = r.thread;
  if (typeof thread !== 'string') return; // validation names the field
  const field = at('thread');
  if (DAEMON_ONLY_THREADS.has(thread)) throw new HttpError(403, 'RESERVED_THREAD', `${field} ${thread} is written only by the daemon`, field);
  const principal = c.get('principal');
  if (!auth || !principal) return;
  if (isReservedThread(thread)) {
    auth.authorize(principal, 'config:write');
    auth.guardConfigChange(principal, r.body);
  } else auth.authorize(principal, 'records:write', thread);
  auth.checkPermission(principal, 'record_write', { record, source: source(c), route: 'POST /v1/records' });
}

/** A batch is an object with `records` and none of a record's own fields. */
function isBatch(input: unknown): input is { records: unknown } {
  return typeof input === 'object' && input !== null && !Array.isArray(input) && 'records' in input && !('act' in input);
}
