import type { Federation } from '@syncropel/federation';
import { Hono } from 'hono';
import { HttpError } from '../api-error.js';
import type { AuthVariables, Guards } from '../middleware/guards.js';
import { readJson, readJsonObject } from '../read-json.js';

/**
 * The federation surface. For operators (federation:manage): pair, list, show, share a thread,
 * sync now, revoke. For peers: the unauthenticated handshake (`/pair`, `/pair/:id/poll`: the
 * signature and the nonce authenticate), and with the token a peer was issued (federation:sync):
 * the confirmation, the revocation notice and `GET /v1/sync/changes` (mounted by `syncRoutes`).
 */
export function federationRoutes(federation: Federation, guard: Guards): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();
  const manage = guard.requires('federation:manage', { resource: null });
  const peer = guard.requires('federation:sync', { resource: null });

  app.post('/pairs', manage, async (c) => {
    const body = await readJsonObject(c);
    if (typeof body.url !== 'string') throw new HttpError(422, 'VALIDATION_FAILED', 'url must be the base URL of the instance to pair with', 'url');
    if (body.strict !== undefined && typeof body.strict !== 'boolean') throw new HttpError(422, 'VALIDATION_FAILED', 'strict must be true or false', 'strict');
    const pair = await federation.pair(body.url, { strict: body.strict !== false });
    return c.json(pair, pair.state === 'active' ? 201 : 202);
  });
  app.get('/pairs', manage, (c) => c.json({ object: 'list', data: federation.list(), next_cursor: null }));
  app.get('/pairs/:id', manage, (c) => c.json(federation.get(c.req.param('id'))));
  app.delete('/pairs/:id', manage, async (c) => {
    const body = await readJsonObject(c, {});
    if (body.reason !== undefined && (typeof body.reason !== 'string' || body.reason.length > 500)) throw new HttpError(422, 'VALIDATION_FAILED', 'reason must be a string of at most 500 characters', 'reason');
    return c.json(await federation.revoke(c.req.param('id'), body.reason as string | undefined));
  });
  app.post('/pairs/:id/threads', manage, async (c) => {
    const body = await readJsonObject(c);
    if (typeof body.thread !== 'string') throw new HttpError(422, 'VALIDATION_FAILED', 'thread must be the id of a thread this instance owns', 'thread');
    if (body.shared !== undefined && typeof body.shared !== 'boolean') throw new HttpError(422, 'VALIDATION_FAILED', 'shared must be true or false', 'shared');
    return c.json(await federation.share(c.req.param('id'), body.thread, body.shared !== false));
  });
  app.post('/pairs/:id/sync', manage, async (c) => c.json(await federation.sync(c.req.param('id'))));

  app.post('/pair', guard.public(), async (c) => {
    const answer = await federation.receivePairRequest(await readJson(c));
    return c.json(answer.body, answer.status);
  });
  app.post('/pair/:id/poll', guard.public(), async (c) => {
    const answer = await federation.poll(c.req.param('id'), await readJson(c));
    return c.json(answer.body, answer.status);
  });
  app.post('/pair/:id/confirm', peer, async (c) => c.json(await federation.confirm(c.get('principal'), c.req.param('id'), await readJson(c))));
  app.post('/notify-revoke', peer, async (c) => c.json(await federation.peerRevoked(c.get('principal'), await readJson(c))));
  return app;
}

/** `GET /v1/sync/changes?since=&limit=[&thread=]`: the change feed a paired peer pulls with its token. */
export function syncRoutes(federation: Federation, guard: Guards): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();
  app.get('/changes', guard.requires('federation:sync', { resource: null }), async (c) => c.json(await federation.changes(c.get('principal'), c.req.query('since'), c.req.query('limit'), c.req.query('thread'))));
  return app;
}

/** `GET /.well-known/syncropel` (no auth, any origin: it is public by design) and `GET /v1/identity`. */
export function identityRoutes(federation: Federation, guard: Guards): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();
  app.get('/.well-known/syncropel', guard.public(), (c) => {
    c.header('access-control-allow-origin', '*');
    return c.json(federation.wellKnown());
  });
  app.get('/v1/identity', guard.requires('records:read'), (c) => c.json(federation.identity()));
  return app;
}
