import { isDid } from '@syncropel/algebra';
import type { Auth } from '@syncropel/auth';
import { HOST_WRITER, type Kernel } from '@syncropel/kernel';
import { Hono } from 'hono';
import { HttpError } from '../api-error.js';
import { source, type AuthVariables, type Guards } from '../middleware/guards.js';
import { readJson } from '../read-json.js';

/**
 * `/v1/aitl`: decisions waiting for a human, and the decision itself: a DO by the deciding
 * account, written through the same writer check as any record (it needs aitl:decide).
 */
export function aitlRoutes(kernel: Kernel, auth: Auth | undefined, guard: Guards): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();
  app.get('/', guard.requires('records:read'), (c) => c.json({ object: 'list', data: kernel.pendingDecisions(), next_cursor: null }));
  // The aitl_decide permission is checked at ingest, where the rule can see the decision record.
  app.post('/:id/decide', guard.requires('aitl:decide', { resource: null }), async (c) => {
    const input = (await readJson(c)) as Record<string, unknown> | null;
    if (typeof input !== 'object' || input === null) throw new HttpError(422, 'VALIDATION_FAILED', 'the body must be a JSON object with decision', 'body');
    const { decision, reason, target } = input;
    if (decision !== 'approve' && decision !== 'reject') throw new HttpError(422, 'VALIDATION_FAILED', 'decision must be approve or reject', 'decision');
    if (reason !== undefined && (typeof reason !== 'string' || reason.length > 500)) throw new HttpError(422, 'VALIDATION_FAILED', 'reason must be a string of at most 500 characters', 'reason');
    if (target !== undefined && (typeof target !== 'string' || !isDid(target))) throw new HttpError(422, 'VALIDATION_FAILED', 'target must be a DID', 'target');
    const principal = c.get('principal');
    const writer = auth && principal ? auth.writer(principal, { source: source(c), route: `POST ${c.req.path}` }) : HOST_WRITER;
    const result = await kernel.decide(
      c.req.param('id'),
      {
        approve: decision === 'approve',
        actor: writer.did,
        ...(typeof reason === 'string' ? { reason } : {}),
        ...(typeof target === 'string' ? { target } : {}),
      },
      { writer },
    );
    return c.json(result.record, 201);
  });
  return app;
}

/** `/v1/drain`: stop starting dispatches (POST), resume (DELETE), and watch in-flight work (GET). */
export function drainRoutes(kernel: Kernel, guard: Guards): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();
  const admin = guard.requires('admin');
  app.get('/', admin, (c) => c.json(kernel.drain.status()));
  app.post('/', admin, async (c) => c.json(await kernel.drain.start()));
  app.delete('/', admin, async (c) => c.json(await kernel.drain.stop()));
  return app;
}
