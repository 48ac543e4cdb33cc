import { AuthError, type Auth, type PermissionRule, type Principal } from '@syncropel/auth';
import type { AuthVariables, Guards } from '../middleware/guards.js';
import { Hono } from 'hono';
import { readJson, readJsonObject } from '../read-json.js';

/** `/v1/service-accounts` and `/v1/tokens`: service-account and token administration (admin scope). */
export function authAdminRoutes(auth: Auth, guard: Guards): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();
  const admin = guard.requires('admin');
  app.get('/service-accounts', admin, (c) => c.json({ object: 'list', data: auth.listServiceAccounts(), next_cursor: null }));
  app.post('/service-accounts', admin, async (c) => c.json(await auth.createServiceAccount(await readJson(c)), 201));
  app.patch('/service-accounts/:id', admin, async (c) => c.json(await auth.updateServiceAccount(c.req.param('id'), await readJson(c))));
  app.delete('/service-accounts/:id', admin, async (c) => c.json(await auth.revokeServiceAccount(c.req.param('id'))));
  app.post('/service-accounts/:id/tokens', admin, async (c) => {
    const body = c.req.header('content-length') === '0' ? {} : await readJson(c, {});
    return c.json(await auth.mintToken(c.req.param('id'), body), 201);
  });
  app.get('/tokens', admin, (c) => c.json({ object: 'list', data: auth.listTokens(c.req.query('sa_id')), next_cursor: null }));
  app.delete('/tokens/:id', admin, async (c) => c.json(await auth.revokeToken(c.req.param('id'))));
  app.post('/tokens/:id/rotate', admin, async (c) => c.json(await auth.rotateToken(c.req.param('id')), 201));
  return app;
}

/** `/v1/bootstrap/service-account`: Path B, open only with auth off and while no service account exists. */
export function bootstrapRoutes(auth: Auth, authRequired: () => boolean, guard: Guards): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();
  app.post('/service-account', guard.bootstrap(), async (c) => {
    // Decide before reading the body: this route is open to anyone who can reach the port.
    if (!auth.bootstrapOpen()) throw new AuthError('BOOTSTRAP_CLOSED', 'bootstrap is closed: a service account already exists; use an admin token');
    if (authRequired()) {
      throw new AuthError('BOOTSTRAP_FORBIDDEN', 'bootstrap over HTTP needs the daemon started with --insecure-localhost; or start it with SPL_BOOTSTRAP_TOKEN set');
    }
    return c.json(await auth.bootstrapServiceAccount(await readJson(c)), 201);
  });
  return app;
}

/** `/v1/config/auth_cors_origins`: the CORS allowlist. */
export function corsConfigRoutes(auth: Auth, guard: Guards): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();
  app.get('/auth_cors_origins', guard.requires('config:read'), (c) => c.json({ origins: auth.corsOrigins() }));
  app.post('/auth_cors_origins', guard.requires('config:write'), async (c) => c.json({ origins: await auth.setCorsOrigins(await readJson(c)) }));
  return app;
}

/** `/v1/config/permissions`: enforcement state, enable (after the lockout preflight), disable, dry run. */
export function permissionRoutes(auth: Auth, guard: Guards): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();
  const caller = (c: { get(k: 'principal'): Principal | undefined }) => {
    const p = c.get('principal');
    return p && p.token_id !== 'none' ? p : null;
  };
  app.get('/', guard.requires('config:read'), (c) => c.json({ enabled: auth.permissionsEnabled(), rules: auth.permissionRules(), preflight: auth.preflight(caller(c)) }));
  app.post('/enable', guard.requires('config:write'), async (c) => {
    await auth.enablePermissions(caller(c));
    return c.json({ enabled: true });
  });
  app.post('/disable', guard.requires('config:write'), async (c) => {
    await auth.disablePermissions();
    return c.json({ enabled: false });
  });
  app.post('/dry-run', guard.requires('config:read'), async (c) => {
    const input = await readJsonObject(c, {});
    let rules: PermissionRule[] | undefined;
    if (input.rules !== undefined) {
      if (!Array.isArray(input.rules)) throw new AuthError('VALIDATION_FAILED', 'rules must be an array of {name, action, priority, expression}', 'rules');
      rules = input.rules.map((r: unknown, i: number) => proposedRule(r, i));
      rules.sort((a, b) => b.priority - a.priority || a.name.localeCompare(b.name));
    }
    return c.json(await auth.dryRun(rules));
  });
  return app;
}

function proposedRule(r: unknown, i: number): PermissionRule {
  const o = (typeof r === 'object' && r !== null ? r : {}) as Record<string, unknown>;
  if (typeof o.name !== 'string' || o.name === '') throw new AuthError('VALIDATION_FAILED', `rules[${i}].name must be a string`, `rules[${i}].name`);
  if (o.action !== 'allow' && o.action !== 'deny') throw new AuthError('VALIDATION_FAILED', `rules[${i}].action must be allow or deny`, `rules[${i}].action`);
  if (typeof o.expression !== 'string') throw new AuthError('VALIDATION_FAILED', `rules[${i}].expression must be CEL`, `rules[${i}].expression`);
  const priority = o.priority ?? 0;
  if (typeof priority !== 'number' || !Number.isSafeInteger(priority)) throw new AuthError('VALIDATION_FAILED', `rules[${i}].priority must be an integer`, `rules[${i}].priority`);
  return { name: o.name, action: o.action, expression: o.expression, priority };
}
