import { z } from '@hono/zod-openapi';
import { isDid } from '@syncropel/algebra';
import type { Auth } from '@syncropel/auth';
import { HOST_WRITER, type Kernel } from '@syncropel/kernel';
import { Hono } from 'hono';
import { source, type AuthVariables, type Guards } from '../middleware/guards.js';
import { validated } from '../request-schema.js';

const REASON = 'reason must be a string of at most 500 characters';

/** `POST /v1/aitl/:id/decide`. */
const DECISION = z.object(
  {
    decision: z.enum(['approve', 'reject'], { error: 'decision must be approve or reject' }),
    reason: z.string({ error: REASON }).max(500, { error: REASON }).optional(),
    target: z.string({ error: 'target must be a DID' }).refine(isDid, { error: 'target must be a DID' }).optional().openapi({ description: 'a DID' }),
  },
  { error: 'the body must be a JSON object with decision' },
);

/**
 * `/v1/aitl`: decisions waiting for a human, and the decision itself: a DO by the deciding
 * account, written through the same writer check as any record (it needs aitl:decide).
 */
export function aitlRoutes(kernel: Kernel, auth: Auth | undefined, guard: Guards): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();
  app.get('/', guard.requires('records:read'), validated({ summary: 'decisions waiting for a human' }), (c) => c.json({ object: 'list', data: kernel.pendingDecisions(), next_cursor: null }));
  // The aitl_decide permission is checked at ingest, where the rule can see the decision record.
  app.post('/:id/decide', guard.requires('aitl:decide', { resource: null }), validated({ summary: 'decide a pending decision (a DO by the caller)', body: DECISION, status: 201 }), async (c) => {
    const { decision, reason, target } = c.req.valid('json');
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
  app.get('/', admin, validated({ summary: 'drain status' }), (c) => c.json(kernel.drain.status()));
  app.post('/', admin, validated({ summary: 'start draining (every daemon on the log)' }), async (c) => c.json(await kernel.drain.start()));
  app.delete('/', admin, validated({ summary: 'stop draining' }), async (c) => c.json(await kernel.drain.stop()));
  return app;
}
