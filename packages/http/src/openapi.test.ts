import { generateInstanceKeyPair, signText } from '@syncropel/algebra';
import { createAuth, type Auth } from '@syncropel/auth';
import { createFederation, memoryCredentials } from '@syncropel/federation';
import { createApp, describeRoutes } from '@syncropel/http';
import { createKernel, type Kernel } from '@syncropel/kernel';
import { createMemoryLogStore } from '@syncropel/log';
import { compileErrors, validate } from '@readme/openapi-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface Operation {
  summary: string;
  security: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean; schema: { type?: string } }[];
  requestBody?: { content: { 'application/json': { schema: { required?: string[] } } } };
  'x-syncropel-undescribed'?: boolean;
}
type Document = { openapi: string; info: { title: string; version: string }; paths: Record<string, Record<string, Operation>>; components: { securitySchemes: object } };

let kernel: Kernel;
let auth: Auth;
let app: ReturnType<typeof createApp>;
let admin: string;
let doc: Document;

beforeAll(async () => {
  const key = generateInstanceKeyPair();
  const sign = (text: string) => signText(text, key.secretKey);
  kernel = createKernel({ store: createMemoryLogStore(), actor: key.did, signer: sign });
  auth = createAuth({ kernel, actor: key.did, tokenKey: new Uint8Array(32).fill(7), auditWindowMs: 0 });
  const federation = createFederation({ kernel, auth, identity: { did: key.did, public_key: key.publicKey }, sign, version: 'test', publicUrl: () => 'http://127.0.0.1', credentials: memoryCredentials(), syncIntervalMs: 0 });
  await kernel.start();
  const info = { version: '9.8.7', instance_did: key.did, bind: null, db_path: null, backup_dir: null, auth_required: true };
  // Every optional route group is on, so the document describes each (the console's folder is never read here).
  app = createApp({ kernel, auth, federation, actor: key.did, info: () => info, console: { directory: '/nonexistent-console' }, backups: () => [] });
  admin = (await auth.bootstrapServiceAccount({ sa_id: 'sa-admin', scopes: ['admin'] })).bearer;
  const res = await app.request('/openapi.json');
  expect(res.status).toBe(200);
  doc = (await res.json()) as Document;
});
afterAll(async () => {
  await auth.stop();
  await kernel.stop();
});

/** Hono's `/a/:id` as OpenAPI's `/a/{id}`. */
const openApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
/** A concrete path for a templated one. */
const concrete = (path: string) => path.replace(/\{[^}]+\}/g, 'x');
const operations = () => Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })));

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3.1 document, open to anyone, titled and versioned from the app', async () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'Syncropel API', version: '9.8.7' });
    expect(doc.components.securitySchemes).toEqual({ bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }) });
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid ? 'valid' : compileErrors(result)).toBe('valid');
  });

  it('lists every route of the app, each with the schema its validator enforces, and its access as security', () => {
    const routes = describeRoutes(app);
    expect(routes.length).toBeGreaterThan(40);
    for (const r of routes) {
      const op = doc.paths[openApiPath(r.path)]?.[r.method.toLowerCase()];
      expect(op, `${r.method} ${r.path}`).toBeDefined();
      expect(op?.['x-syncropel-undescribed'], `${r.method} ${r.path} declares no request schema`).toBeUndefined();
      const access = r.access!;
      const security = access.kind === 'public' || access.kind === 'bootstrap' ? [] : access.kind === 'probe' || (access.kind === 'scope' && access.openWhen) ? [{}, { bearer: [] }] : [{ bearer: [] }];
      expect(op?.security, `${r.method} ${r.path}`).toEqual(security);
    }
    expect(operations()).toHaveLength(routes.length);
  });

  it('refuses what the document says a route needs: each required body field, and each integer query parameter', async () => {
    const headers = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' };
    let checked = 0;
    for (const { path, method, op } of operations()) {
      const required = op.requestBody?.content['application/json'].schema.required ?? [];
      if (required.length > 0) {
        const res = await app.request(concrete(path), { method: method.toUpperCase(), headers, body: '{}' });
        expect([res.status, ((await res.json()) as { error: { field?: string } }).error.field], `${method} ${path}`).toEqual([422, required[0]]);
        checked++;
      }
      for (const p of op.parameters?.filter((q) => q.in === 'query' && q.schema.type === 'integer') ?? []) {
        const res = await app.request(`${concrete(path)}?${p.name}=abc`, { method: method.toUpperCase(), headers });
        expect([res.status, ((await res.json()) as { error: { field?: string } }).error.field], `${method} ${path}?${p.name}`).toEqual([422, p.name]);
        checked++;
      }
    }
    // POST /v1/federation/pairs needs url, the rules need a name, and so on.
    expect(doc.paths['/v1/federation/pairs']?.post?.requestBody?.content['application/json'].schema.required).toEqual(['url']);
    expect(checked).toBeGreaterThan(10);
  });

  it('names an array element by its index, as the routes always did', async () => {
    const res = await app.request('/v1/config/permissions/dry-run', {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}` },
      body: JSON.stringify({ rules: [{ name: 'ok', action: 'allow', expression: 'true' }, { name: 'b', action: 'maybe', expression: 'true' }] }),
    });
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({ error: { code: 'VALIDATION_FAILED', message: 'rules[1].action must be allow or deny', field: 'rules[1].action' } });
  });
});
