import { AuthError, type Auth } from '@syncropel/auth';
import { Hono } from 'hono';
import { readJson } from '../read-json.js';

/** `/v1/service-accounts` and `/v1/tokens`: service-account and token administration (admin scope). */
export function authAdminRoutes(auth: Auth): Hono {
  const app = new Hono();
  app.get('/service-accounts', (c) => c.json({ object: 'list', data: auth.listServiceAccounts(), next_cursor: null }));
  app.post('/service-accounts', async (c) => c.json(await auth.createServiceAccount(await readJson(c)), 201));
  app.patch('/service-accounts/:id', async (c) => c.json(await auth.updateServiceAccount(c.req.param('id'), await readJson(c))));
  app.delete('/service-accounts/:id', async (c) => c.json(await auth.revokeServiceAccount(c.req.param('id'))));
  app.post('/service-accounts/:id/tokens', async (c) => {
    const body = c.req.header('content-length') === '0' ? {} : await readJson(c, {});
    return c.json(await auth.mintToken(c.req.param('id'), body), 201);
  });
  app.get('/tokens', (c) => c.json({ object: 'list', data: auth.listTokens(c.req.query('sa_id')), next_cursor: null }));
  app.delete('/tokens/:id', async (c) => c.json(await auth.revokeToken(c.req.param('id'))));
  app.post('/tokens/:id/rotate', async (c) => c.json(await auth.rotateToken(c.req.param('id')), 201));
  return app;
}

/** `/v1/bootstrap/service-account`: Path B, open only with auth off and while no service account exists. */
export function bootstrapRoutes(auth: Auth, authRequired: () => boolean): Hono {
  const app = new Hono();
  app.post('/service-account', async (c) => {
    const body = await readJson(c);
    if (authRequired() && auth.bootstrapOpen()) {
      throw new AuthError('BOOTSTRAP_FORBIDDEN', 'bootstrap over HTTP needs the daemon started with --insecure-localhost; or start it with SPL_BOOTSTRAP_TOKEN set');
    }
    return c.json(await auth.bootstrapServiceAccount(body), 201);
  });
  return app;
}

/** `/v1/config/auth_cors_origins`: the CORS allowlist. */
export function corsConfigRoutes(auth: Auth): Hono {
  const app = new Hono();
  app.get('/auth_cors_origins', (c) => c.json({ origins: auth.corsOrigins() }));
  app.post('/auth_cors_origins', async (c) => c.json({ origins: await auth.setCorsOrigins(await readJson(c)) }));
  return app;
}
