import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '@syncropel/log';
import { AuthError, type Auth, type Principal } from '@syncropel/auth';
import type { Kernel, ThreadStatus } from '@syncropel/kernel';
import { Hono } from 'hono';
import { HttpError } from '../api-error.js';
import type { AuthVariables, Guards } from '../middleware/guards.js';
import { jsonResponse } from '../json-text.js';
import { integerParam } from '../query-params.js';

const STATUSES = new Set(['open', 'active', 'closed']);

/** `/v1/threads`: threads with their folded state (newest first, paged by a `first_seq` cursor), and a thread's records. */
export function threadRoutes(kernel: Kernel, auth: Auth | undefined, guard: Guards): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();
  app.get('/', guard.requires('records:read', { resource: 'thread_read' }), async (c) => {
    const status = c.req.query('status');
    if (status !== undefined && !STATUSES.has(status)) throw new HttpError(422, 'VALIDATION_FAILED', 'status must be open, active or closed', 'status');
    const limit = integerParam(c.req.query('limit'), 'limit', 1, MAX_PAGE_SIZE) ?? DEFAULT_PAGE_SIZE;
    // Newest first by first_seq; `cursor` is the previous page's next_cursor (threads older than it).
    const cursor = integerParam(c.req.query('cursor'), 'cursor', 1, Number.MAX_SAFE_INTEGER);
    const page = await kernel.threadsPage({ limit, cursor, status: status as ThreadStatus | undefined });
    return c.json({ object: 'list', data: page.data, total: page.total, next_cursor: page.next_cursor });
  });
  app.get('/:id/state', guard.requires('records:read', { resource: 'thread_read', grain: 'path' }), async (c) => {
    const state = await kernel.thread(c.req.param('id'));
    if (!state) throw new HttpError(404, 'NOT_FOUND', `no thread ${c.req.param('id').slice(0, 80)}`, 'id');
    return c.json(state);
  });
  app.get('/:id/records', guard.requires('records:read', { resource: 'thread_read', grain: 'path' }), async (c) => {
    const thread = c.req.param('id');
    if (!kernel.hasThread(thread)) throw new HttpError(404, 'NOT_FOUND', `no thread ${thread.slice(0, 80)}`, 'id');
    assertReadable(auth, c.get('principal'), thread);
    const after = integerParam(c.req.query('after'), 'after', 0, Number.MAX_SAFE_INTEGER) ?? 0;
    const limit = integerParam(c.req.query('limit'), 'limit', 1, MAX_PAGE_SIZE) ?? DEFAULT_PAGE_SIZE;
    const data = await kernel.records({ thread, after, limit });
    const last = data[data.length - 1];
    return jsonResponse(c, { object: 'list', data, next_cursor: data.length === limit && last ? String(last.seq) : null });
  });
  return app;
}

/** `/v1/trust`: the trust table, optionally for one actor and/or domain. */
export function trustRoutes(kernel: Kernel, guard: Guards): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();
  app.get('/', guard.requires('records:read'), (c) => {
    const actor = c.req.query('actor');
    const domain = c.req.query('domain');
    return c.json({ object: 'list', data: kernel.trust({ ...(actor ? { actor } : {}), ...(domain ? { domain } : {}) }), next_cursor: null });
  });
  return app;
}

/** Refuses to show records of a thread the principal may not read (the token registry, to non-admins). */
export function assertReadable(auth: Auth | undefined, principal: Principal | undefined, thread: string): void {
  if (auth && principal && !auth.mayRead(principal, thread)) {
    throw new AuthError('SCOPE_FORBIDDEN', `records on ${thread} are readable with the admin scope only`, 'thread');
  }
}
