import { OpenAPIHono, z } from '@hono/zod-openapi';
import { declaredSchema, type RequestSchema } from './request-schema.js';
import { describeRoutes, type RouteAccess } from './route-access.js';

/** The OpenAPI document's `info.title`. */
export const OPENAPI_TITLE = 'Syncropel API';

/** An OpenAPI 3.1 document as plain JSON. */
export type OpenApiDocument = ReturnType<OpenAPIHono['getOpenAPI31Document']>;

/**
 * The OpenAPI 3.1 document of an app, read from its own routing table: every route, its declared
 * access (as `security` and `x-syncropel-access`) and the {@link RequestSchema} its `validated`
 * middleware enforces. A route that declares no schema is still listed, marked
 * `x-syncropel-undescribed` (a test refuses that).
 */
export function openApiDocument(app: { readonly routes: readonly { method: string; path: string; handler: unknown }[] }, version: string): OpenApiDocument {
  const schemas = new Map<string, RequestSchema>();
  for (const r of app.routes) {
    const schema = declaredSchema(r.handler);
    if (schema) schemas.set(`${r.method} ${r.path}`, schema);
  }
  const doc = new OpenAPIHono();
  doc.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: 'a service-account token (`spl token mint`)' });
  const envelope = doc.openAPIRegistry.register('ErrorEnvelope', ERROR_ENVELOPE);
  const failure = { description: 'refused: `{"error":{"code","message","field"?}}`', content: { 'application/json': { schema: envelope } } };
  for (const route of describeRoutes(app)) {
    const schema = schemas.get(`${route.method} ${route.path}`);
    const path = route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const names = [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1] as string);
    const declared = (schema?.params as z.ZodObject | undefined)?.shape ?? {};
    const params = z.object(Object.fromEntries(names.map((n) => [n, (declared[n] as z.ZodType | undefined) ?? z.string()])));
    doc.openAPIRegistry.registerPath({
      method: route.method.toLowerCase() as 'get',
      path,
      summary: schema?.summary ?? 'not yet described',
      ...(schema ? {} : { 'x-syncropel-undescribed': true }),
      'x-syncropel-access': route.access ?? null,
      security: securityOf(route.access),
      request: {
        ...(names.length > 0 ? { params } : {}),
        ...(schema?.query ? { query: schema.query as z.ZodObject } : {}),
        ...(schema?.body ? { body: { required: schema.emptyBody === undefined, content: { 'application/json': { schema: schema.body } } } } : {}),
      },
      responses: { [schema?.status ?? 200]: { description: 'success' }, default: failure },
    });
  }
  return doc.getOpenAPI31Document({
    openapi: '3.1.0',
    info: { title: OPENAPI_TITLE, version, description: 'Every non-2xx answer is an ErrorEnvelope; 422 VALIDATION_FAILED names the first bad field.' },
  });
}

const ERROR_ENVELOPE = z.object({
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional(), detail: z.unknown().optional() }),
});

/** Who may call a route: `[]` for none, `[{}, bearer]` where a bearer is optional. */
function securityOf(access: RouteAccess | undefined): Record<string, string[]>[] {
  const bearer = { bearer: [] };
  if (!access || access.kind === 'public' || access.kind === 'bootstrap') return [];
  if (access.kind === 'probe' || access.openWhen !== undefined) return [{}, bearer];
  return [bearer];
}
