import { isDid } from '@syncropel/algebra';
import { principalActor } from '@syncropel/auth';
import type { Kernel } from '@syncropel/kernel';
import { Hono } from 'hono';
import { HttpError } from '../api-error.js';
import type { AuthVariables } from '../middleware/authenticate.js';
import { readJson } from '../read-json.js';

/** `/v1/aitl`: decisions waiting for a human, and the decision itself (a DO by the deciding account). */
export function aitlRoutes(kernel: Kernel): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();
  app.get('/', (c) => c.json({ object: 'list', data: kernel.pendingDecisions(), next_cursor: null }));
  app.post('/:id/decide', async (c) => {
    const input = (await readJson(c)) as Record<string, unknown> | null;
    if (typeof input !== 'object' || input === null) throw new HttpError(422, 'VALIDATION_FAILED', 'the body must be a JSON object with decision', 'body');
    const { decision, reason, target } = input;
    if (decision !== 'approve' && decision !== 'reject') throw new HttpError(422, 'VALIDATION_FAILED', 'decision must be approve or reject', 'decision');
    if (reason !== undefined && (typeof reason !== 'string' || reason.length > 500)) throw new HttpError(422, 'VALIDATION_FAILED', 'reason must be a string of at most 500 characters', 'reason');
    if (target !== undefined && (typeof target !== 'string' || !isDid(target))) throw new HttpError(422, 'VALIDATION_FAILED', 'target must be a DID', 'target');
    const principal = c.get('principal');
    const result = await kernel.decide(c.req.param('id'), {
      approve: decision === 'approve',
      actor: principal ? principalActor(principal) : `did:sync:sa:anonymous`,
      ...(typeof reason === 'string' ? { reason } : {}),
      ...(typeof target === 'string' ? { target } : {}),
    });
    return c.json(result.record, 201);
  });
  return app;
}

/** `/v1/drain`: stop starting dispatches (POST), resume (DELETE), and watch in-flight work (GET). */
export function drainRoutes(kernel: Kernel): Hono {
  const app = new Hono();
  app.get('/', (c) => c.json(kernel.drain.status()));
  app.post('/', (c) => c.json(kernel.drain.start()));
  app.delete('/', (c) => c.json(kernel.drain.stop()));
  return app;
}
