import { z } from '@hono/zod-openapi';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '@syncropel/log';
import { AuthError, type Auth, type Principal } from '@syncropel/auth';
import type { Kernel, ThreadStatus } from '@syncropel/kernel';
import { Hono } from 'hono';
import { HttpError } from '../api-error.js';
import type { AuthVariables, Guards } from '../middleware/guards.js';
import { jsonResponse } from '../json-text.js';
import { integerQuery } from '../query-params.js';
import { validated } from '../request-schema.js';

const THREADS_QUERY = z.object({
  status: z.enum(['open', 'active', 'closed'], { error: 'status must be open, active or closed' }).optional(),
  limit: integerQuery('limit', 1, MAX_PAGE_SIZE),
  // Newest first by first_seq; `cursor` is the previous page's next_cursor (threads older than it).
  cursor: integerQuery('cursor', 1, Number.MAX_SAFE_INTEGER),
});

const THREAD_RECORDS_QUERY = z.object({
  after: integerQuery('after', 0, Number.MAX_SAFE_INTEGER),
  limit: integerQuery('limit', 1, MAX_PAGE_SIZE),
});

const TRUST_QUERY = z.object({ actor: z.string().optional(), domain: z.string().optional() });

/** `/v1/threads`: threads with their folded state (newest first, paged by a `first_seq` cursor), and a thread's records. */
export function threadRoutes(kernel: Kernel, auth: Auth | undefined, guard: Guards): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();
  app.get('/', guard.requires('records:read', { resource: 'thread_read' }), validated({ summary: 'threads with their folded state, newest first', query: THREADS_QUERY }), async (c) => {
    const { status, limit = DEFAULT_PAGE_SIZE, cursor } = c.req.valid('query');
    const page = await kernel.threadsPage({ limit, cursor, status: status as ThreadStatus | undefined });
    return c.json({ object: 'list', data: page.data, total: page.total, next_cursor: page.next_cursor });
  });
  app.get('/:id/state', guard.requires('records:read', { resource: 'thread_read', grain: 'path' }), validated({ summary: "one thread's folded state" }), async (c) => {
    const state = await kernel.thread(c.req.param('id'));
    if (!state) throw new HttpError(404, 'NOT_FOUND', `no thread ${c.req.param('id').slice(0, 80)}`, 'id');
    return c.json(state);
  });
  app.get('/:id/records', guard.requires('records:read', { resource: 'thread_read', grain: 'path' }), validated({ summary: "one thread's records", query: THREAD_RECORDS_QUERY }), async (c) => {
    const thread = c.req.param('id');
    if (!kernel.hasThread(thread)) throw new HttpError(404, 'NOT_FOUND', `no thread ${thread.slice(0, 80)}`, 'id');
    assertReadable(auth, c.get('principal'), thread);
    const { after = 0, limit = DEFAULT_PAGE_SIZE } = c.req.valid('query');
    const data = await kernel.records({ thread, after, limit });
    const last = data[data.length - 1];
    return jsonResponse(c, { object: 'list', data, next_cursor: data.length === limit && last ? String(last.seq) : null });
  });
  return app;
}

/** `/v1/trust`: the trust table, optionally for one actor and/or domain. */
export function trustRoutes(kernel: Kernel, guard: Guards): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();
  app.get('/', guard.requires('records:read'), validated({ summary: 'the trust table', query: TRUST_QUERY }), (c) => {
    const { actor, domain } = c.req.valid('query');
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
