import type { z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { COMPOSED_HANDLER } from 'hono/utils/constants';
import { HttpError } from './api-error.js';
import { readJson } from './read-json.js';

/**
 * What a route accepts, declared once: the middleware {@link validated} builds from it refuses
 * every request it does not describe, and `GET /openapi.json` describes the route from the same
 * object, so the document cannot drift from the validation.
 */
export interface RequestSchema<B extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, P extends z.ZodType = z.ZodType> {
  /** One line for the document. */
  readonly summary: string;
  /** The JSON body, read by `readJson` first (malformed JSON, hostile nesting) and then checked. */
  readonly body?: B;
  /** What an empty body stands for; without it an empty body is INVALID_JSON. */
  readonly emptyBody?: unknown;
  /** The query parameters (values are strings; a schema may transform them). */
  readonly query?: Q;
  /** The path parameters; undeclared ones are described as plain strings. */
  readonly params?: P;
  /** The success status (default 200). */
  readonly status?: 200 | 201 | 202;
}

type Out<S> = S extends z.ZodType ? z.output<S> : never;
type In<S> = S extends z.ZodType ? z.input<S> : never;

/**
 * The middleware that checks a request against `schema` (after the route's guard, before its
 * handler), refusing with 422 `VALIDATION_FAILED` naming the first bad field, and hands the handler
 * the parsed values through `c.req.valid('json' | 'query' | 'param')`.
 *
 * @example
 * app.post('/pairs', manage, validated({ summary: 'pair', body: z.object({ url: z.string() }) }), (c) => c.json(c.req.valid('json')));
 */
export function validated<B extends z.ZodType = never, Q extends z.ZodType = never, P extends z.ZodType = never>(
  schema: RequestSchema<B, Q, P>,
): MiddlewareHandler<
  any,
  string,
  { in: { json: In<B>; query: In<Q>; param: In<P> }; out: { json: Out<B>; query: Out<Q>; param: Out<P> } }
> {
  const middleware: MiddlewareHandler = async (c, next) => {
    if (schema.params) c.req.addValidatedData('param', check(schema.params, c.req.param()) as object);
    if (schema.query) c.req.addValidatedData('query', check(schema.query, c.req.query()) as object);
    if (schema.body) c.req.addValidatedData('json', check(schema.body, await readJson(c, schema.emptyBody)) as object);
    return next();
  };
  declared.set(middleware, schema);
  return middleware;
}

/** The request schema a route handler declares, if it is a {@link validated} middleware. */
export function declaredSchema(handler: unknown): RequestSchema | undefined {
  const h = handler as { [COMPOSED_HANDLER]?: object };
  return declared.get((h[COMPOSED_HANDLER] ?? h) as object);
}

/**
 * The document name of an issue path: `rules[0].name`; `body` for the body itself. Messages may
 * say `{field}` for it (an array element's index is known only here).
 */
export function fieldOf(path: readonly PropertyKey[]): string {
  let field = '';
  for (const key of path) field += typeof key === 'number' ? `[${key}]` : `${field === '' ? '' : '.'}${String(key)}`;
  return field === '' ? 'body' : field;
}

const declared = new WeakMap<object, RequestSchema>();

function check(schema: z.ZodType, value: unknown): unknown {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = fieldOf(issue?.path ?? []);
  throw new HttpError(422, 'VALIDATION_FAILED', (issue?.message ?? 'invalid request').replaceAll('{field}', field), field);
}
