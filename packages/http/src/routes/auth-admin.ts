import { z } from '@hono/zod-openapi';
import { AuthError, type Auth, type PermissionRule, type Principal } from '@syncropel/auth';
import type { AuthVariables, Guards } from '../middleware/guards.js';
import { Hono, type MiddlewareHandler } from 'hono';
import { validated } from '../request-schema.js';

/** A body the auth layer checks in full (its messages name the field). */
const checkedByAuth = (description: string) => z.unknown().openapi({ description: `${description}; checked by the auth layer` });

const SERVICE_ACCOUNT = checkedByAuth('`{"sa_id","scopes"}`');
const SCOPES = checkedByAuth('`{"scopes"}`');
const TOKEN = checkedByAuth('`{"env"?,"label"?}`, or no body');
const ORIGINS = checkedByAuth('`{"origins":[...]}`');
const TOKENS_QUERY = z.object({ sa_id: z.string().optional() });

const RULES = 'rules must be an array of {name, action, priority, expression}';

/** `POST /v1/config/permissions/dry-run`: proposed rules, or none for the live ones. */
const DRY_RUN = z.object(
  {
    rules: z
      .array(
        z.object(
          {
            name: z.string({ error: '{field} must be a string' }).min(1, { error: '{field} must be a string' }),
            action: z.enum(['allow', 'deny'], { error: '{field} must be allow or deny' }),
            priority: z
              .int({ error: '{field} must be an integer' })
              .nullish()
              .transform((p) => p ?? 0)
              .openapi({ default: 0 }),
            expression: z.string({ error: '{field} must be CEL' }),
          },
          { error: '{field} must be an object {name, action, priority, expression}' },
        ),
        { error: RULES },
      )
      .optional(),
  },
  { error: 'the body must be a JSON object' },
);

/** `/v1/service-accounts` and `/v1/tokens`: service-account and token administration (admin scope). */
export function authAdminRoutes(auth: Auth, guard: Guards): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();
  const admin = guard.requires('admin');
  app.get('/service-accounts', admin, validated({ summary: 'list service accounts' }), (c) => c.json({ object: 'list', data: auth.listServiceAccounts(), next_cursor: null }));
  app.post('/service-accounts', admin, validated({ summary: 'create a service account', body: SERVICE_ACCOUNT, status: 201 }), async (c) =>
    c.json(await auth.createServiceAccount(c.req.valid('json')), 201),
  );
  app.patch('/service-accounts/:id', admin, validated({ summary: "change a service account's scopes", body: SCOPES }), async (c) =>
    c.json(await auth.updateServiceAccount(c.req.param('id'), c.req.valid('json'))),
  );
  app.delete('/service-accounts/:id', admin, validated({ summary: 'revoke a service account' }), async (c) => c.json(await auth.revokeServiceAccount(c.req.param('id'))));
  app.post('/service-accounts/:id/tokens', admin, validated({ summary: 'mint a token (the bearer is in this answer only)', body: TOKEN, emptyBody: {}, status: 201 }), async (c) =>
    c.json(await auth.mintToken(c.req.param('id'), c.req.valid('json')), 201),
  );
  app.get('/tokens', admin, validated({ summary: 'list tokens', query: TOKENS_QUERY }), (c) =>
    c.json({ object: 'list', data: auth.listTokens(c.req.valid('query').sa_id), next_cursor: null }),
  );
  app.delete('/tokens/:id', admin, validated({ summary: 'revoke a token' }), async (c) => c.json(await auth.revokeToken(c.req.param('id'))));
  app.post('/tokens/:id/rotate', admin, validated({ summary: 'rotate a token', status: 201 }), async (c) => c.json(await auth.rotateToken(c.req.param('id')), 201));
  return app;
}

/** `/v1/bootstrap/service-account`: Path B, open only with auth off and while no service account exists. */
export function bootstrapRoutes(auth: Auth, authRequired: () => boolean, guard: Guards): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();
  // Decide before reading the body: this route is open to anyone who can reach the port.
  const open: MiddlewareHandler = async (_c, next) => {
    if (!auth.bootstrapOpen()) throw new AuthError('BOOTSTRAP_CLOSED', 'bootstrap is closed: a service account already exists; use an admin token');
    if (authRequired()) {
      throw new AuthError('BOOTSTRAP_FORBIDDEN', 'bootstrap over HTTP needs the daemon started with --insecure-localhost; or start it with SPL_BOOTSTRAP_TOKEN set');
    }
    return next();
  };
  app.post('/service-account', guard.bootstrap(), open, validated({ summary: 'Path B: the first service account and its bearer', body: SERVICE_ACCOUNT, status: 201 }), async (c) =>
    c.json(await auth.bootstrapServiceAccount(c.req.valid('json')), 201),
  );
  return app;
}

/** `/v1/config/auth_cors_origins`: the CORS allowlist. */
export function corsConfigRoutes(auth: Auth, guard: Guards): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();
  app.get('/auth_cors_origins', guard.requires('config:read'), validated({ summary: 'the CORS allowlist' }), (c) => c.json({ origins: auth.corsOrigins() }));
  app.post('/auth_cors_origins', guard.requires('config:write'), validated({ summary: 'replace the CORS allowlist', body: ORIGINS }), async (c) =>
    c.json({ origins: await auth.setCorsOrigins(c.req.valid('json')) }),
  );
  return app;
}

/** `/v1/config/permissions`: enforcement state, enable (after the lockout preflight), disable, dry run. */
export function permissionRoutes(auth: Auth, guard: Guards): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();
  const caller = (c: { get(k: 'principal'): Principal | undefined }) => {
    const p = c.get('principal');
    return p && p.token_id !== 'none' ? p : null;
  };
  app.get('/', guard.requires('config:read'), validated({ summary: 'permission rules, enforcement and the lockout preflight' }), (c) => c.json({ enabled: auth.permissionsEnabled(), rules: auth.permissionRules(), preflight: auth.preflight(caller(c)) }));
  app.post('/enable', guard.requires('config:write'), validated({ summary: 'enforce permission rules (after the preflight)' }), async (c) => {
    await auth.enablePermissions(caller(c));
    return c.json({ enabled: true });
  });
  app.post('/disable', guard.requires('config:write'), validated({ summary: 'stop enforcing permission rules' }), async (c) => {
    await auth.disablePermissions();
    return c.json({ enabled: false });
  });
  app.post('/dry-run', guard.requires('config:read'), validated({ summary: 'what proposed (or the live) rules would allow and deny', body: DRY_RUN, emptyBody: {} }), async (c) => {
    const rules: PermissionRule[] | undefined = c.req.valid('json').rules?.slice();
    rules?.sort((a, b) => b.priority - a.priority || a.name.localeCompare(b.name));
    return c.json(await auth.dryRun(rules));
  });
  return app;
}
