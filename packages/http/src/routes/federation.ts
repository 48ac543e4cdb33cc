import { z } from '@hono/zod-openapi';
import type { Federation } from '@syncropel/federation';
import { Hono } from 'hono';
import type { AuthVariables, Guards } from '../middleware/guards.js';
import { validated } from '../request-schema.js';

const OBJECT = 'the body must be a JSON object';
const REASON = 'reason must be a string of at most 500 characters';
const STRICT = 'strict must be true or false';
const SHARED = 'shared must be true or false';

const PAIR = z.object({
  url: z.string({ error: 'url must be the base URL of the instance to pair with' }),
  strict: z.boolean({ error: STRICT }).optional().openapi({ description: 'default true' }),
}, { error: OBJECT });
const REVOKE = z.object({ reason: z.string({ error: REASON }).max(500, { error: REASON }).optional() }, { error: OBJECT });
const SHARE = z.object({
  thread: z.string({ error: 'thread must be the id of a thread this instance owns' }),
  shared: z.boolean({ error: SHARED }).optional().openapi({ description: 'default true; false stops sharing' }),
}, { error: OBJECT });
/** The handshake and peer messages: signed JSON the federation layer checks in full. */
const SIGNED = z.unknown().openapi({ description: 'a signed federation message, checked by the federation layer' });
const CHANGES_QUERY = z.object({
  since: z.string().optional().openapi({ description: 'the cursor of the previous page (checked by the federation layer)' }),
  limit: z.string().optional().openapi({ description: 'page size (checked by the federation layer)' }),
  thread: z.string().optional(),
});

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

  app.post('/pairs', manage, validated({ summary: 'pair with an instance (201 active, 202 establishing)', body: PAIR, status: 201 }), async (c) => {
    const body = c.req.valid('json');
    const pair = await federation.pair(body.url, { strict: body.strict !== false });
    return c.json(pair, pair.state === 'active' ? 201 : 202);
  });
  app.get('/pairs', manage, validated({ summary: 'list pairs' }), (c) => c.json({ object: 'list', data: federation.list(), next_cursor: null }));
  app.get('/pairs/:id', manage, validated({ summary: 'one pair (by pair id or peer DID)' }), (c) => c.json(federation.get(c.req.param('id'))));
  app.delete('/pairs/:id', manage, validated({ summary: 'revoke a pair', body: REVOKE, emptyBody: {} }), async (c) => {
    const body = c.req.valid('json');
    return c.json(await federation.revoke(c.req.param('id'), body.reason));
  });
  app.post('/pairs/:id/threads', manage, validated({ summary: 'share a thread with the peer', body: SHARE }), async (c) => {
    const body = c.req.valid('json');
    return c.json(await federation.share(c.req.param('id'), body.thread, body.shared !== false));
  });
  app.post('/pairs/:id/sync', manage, validated({ summary: 'pull from the peer now' }), async (c) => c.json(await federation.sync(c.req.param('id'))));

  app.post('/pair', guard.public(), validated({ summary: 'handshake: a signed pair request', body: SIGNED }), async (c) => {
    const answer = await federation.receivePairRequest(c.req.valid('json'));
    return c.json(answer.body, answer.status);
  });
  app.post('/pair/:id/poll', guard.public(), validated({ summary: 'handshake: poll with the nonce', body: SIGNED }), async (c) => {
    const answer = await federation.poll(c.req.param('id'), c.req.valid('json'));
    return c.json(answer.body, answer.status);
  });
  app.post('/pair/:id/confirm', peer, validated({ summary: "the peer's confirmation", body: SIGNED }), async (c) =>
    c.json(await federation.confirm(c.get('principal'), c.req.param('id'), c.req.valid('json'))),
  );
  app.post('/notify-revoke', peer, validated({ summary: "the peer's revocation notice", body: SIGNED }), async (c) => c.json(await federation.peerRevoked(c.get('principal'), c.req.valid('json'))));
  return app;
}

/** `GET /v1/sync/changes?since=&limit=[&thread=]`: the change feed a paired peer pulls with its token. */
export function syncRoutes(federation: Federation, guard: Guards): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();
  app.get('/changes', guard.requires('federation:sync', { resource: null }), validated({ summary: 'the change feed', query: CHANGES_QUERY }), async (c) => {
    const { since, limit, thread } = c.req.valid('query');
    return c.json(await federation.changes(c.get('principal'), since, limit, thread));
  });
  return app;
}

/** `GET /.well-known/syncropel` (no auth, any origin: it is public by design) and `GET /v1/identity`. */
export function identityRoutes(federation: Federation, guard: Guards): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();
  app.get('/.well-known/syncropel', guard.public(), validated({ summary: 'the signed federation manifest' }), (c) => {
    c.header('access-control-allow-origin', '*');
    return c.json(federation.wellKnown());
  });
  app.get('/v1/identity', guard.requires('records:read'), validated({ summary: 'the instance DID and public key' }), (c) => c.json(federation.identity()));
  return app;
}
