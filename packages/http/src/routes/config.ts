import { z } from '@hono/zod-openapi';
import type { Principal } from '@syncropel/auth';
import { EXPRESSION_TOO_COSTLY, isCelContext, type CelContext, type ExpressionOutcome, type Kernel } from '@syncropel/kernel';
import { Hono } from 'hono';
import { HttpError } from '../api-error.js';
import type { AuthVariables, Guards } from '../middleware/guards.js';
import { validated } from '../request-schema.js';

const NAME_MESSAGE = 'name must be 1-100 letters, digits, or _ . : -';
const NAME = z.string({ error: NAME_MESSAGE }).regex(/^[A-Za-z0-9_.:-]{1,100}$/, { error: NAME_MESSAGE });

/** `POST /v1/config/rules`: the rest of the rule is checked when the LEARN record is ingested. */
const RULE = z.object(
  {
    name: NAME,
    expression: z.unknown().optional().openapi({ type: 'string', description: 'CEL over the record (checked at ingest)' }),
    target: z.unknown().optional().openapi({ type: 'string', description: 'where matching records go (checked at ingest)' }),
    priority: z.unknown().optional().openapi({ type: 'integer', description: 'higher first; default 0 (checked at ingest)' }),
  },
  { error: 'the body must be a JSON object with name, expression and target' },
);

/** `POST /v1/config/entries`: any config entry; the whole body becomes the LEARN record's body. */
const ENTRY = z.looseObject(
  {
    topic: z.string({ error: 'topic must be lowercase letters and _' }).regex(/^[a-z_]{1,64}$/, { error: 'topic must be lowercase letters and _' }),
    name: NAME,
  },
  { error: 'the body must be a JSON object with topic and name' },
);

const EXPRESSION_MESSAGE = 'expression must be a CEL string';
const CONTEXT_MESSAGE = 'context must be routing, permission or aitl';

/** `POST /v1/expr/check` and `/eval`; the other fields are the evaluation's inputs. */
const EXPRESSION = z.looseObject(
  {
    expression: z.string({ error: EXPRESSION_MESSAGE }).min(1, { error: EXPRESSION_MESSAGE }),
    context: z
      .string({ error: CONTEXT_MESSAGE })
      .refine(isCelContext, { error: CONTEXT_MESSAGE })
      .default('routing')
      .openapi({ enum: ['routing', 'permission', 'aitl'] }),
    record: z.unknown().optional().openapi({ description: 'the record the expression sees (eval)' }),
    resource: z.unknown().optional().openapi({ type: 'string', description: 'the permission resource (eval)' }),
    actor: z.unknown().optional().openapi({ type: 'string', description: "the actor (eval); default the caller's account" }),
  },
  { error: 'the body must be a JSON object' },
);

/** `/v1/config`: the live configuration, and routing rules written as LEARN records. */
export function configRoutes(
  kernel: Kernel,
  actor: () => string,
  guard: Guards,
  checkChange?: (principal: Principal | undefined, body: unknown) => void,
): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();
  const read = guard.requires('config:read');
  const write = guard.requires('config:write');
  app.get('/', read, validated({ summary: 'live config entries' }), (c) => {
    const health = kernel.healthDetails();
    return c.json({ object: 'list', data: kernel.config(), next_cursor: null, skipped: health.config.skipped, last_problem: health.config.last_problem });
  });
  app.get('/rules', read, validated({ summary: 'routing rules in order' }), (c) => c.json({ object: 'list', data: kernel.routingRules(), next_cursor: null }));
  app.post('/rules', write, validated({ summary: 'add a routing rule', body: RULE, status: 201 }), async (c) => {
    const { name, expression, target, priority } = c.req.valid('json');
    const body = { topic: 'routing_rule', name, expression, target, priority: priority ?? 0, ...by(c) };
    const result = await kernel.emit(actor(), { thread: 'th_engine_config', act: 'LEARN', body: body as never });
    return c.json({ rule: kernel.routingRules().find((r) => r.name === name), record: result.record }, 201);
  });
  app.post('/entries', write, validated({ summary: 'write any config entry', body: ENTRY, status: 201 }), async (c) => {
    const input = c.req.valid('json');
    const { topic, name } = input;
    checkChange?.(c.get('principal'), input);
    const result = await kernel.emit(actor(), { thread: 'th_engine_config', act: 'LEARN', body: { ...(input as object), ...by(c) } as never });
    return c.json({ entry: kernel.config().find((e) => e.topic === topic && e.name === name), record: result.record }, 201);
  });
  app.delete('/entries/:topic/:name', write, validated({ summary: 'retract a config entry' }), async (c) => {
    const { topic, name } = c.req.param();
    if (!kernel.config().some((e) => e.topic === topic && e.name === name)) throw new HttpError(404, 'NOT_FOUND', `no ${topic.slice(0, 64)} named ${name.slice(0, 100)}`, 'name');
    const result = await kernel.emit(actor(), { thread: 'th_engine_config', act: 'LEARN', body: { topic, name, enabled: false, ...by(c) } });
    return c.json({ removed: { topic, name }, record: result.record });
  });
  app.delete('/rules/:name', write, validated({ summary: 'retract a routing rule' }), async (c) => {
    const name = c.req.param('name');
    if (!kernel.routingRules().some((r) => r.name === name)) throw new HttpError(404, 'NOT_FOUND', `no routing rule named ${name.slice(0, 100)}`, 'name');
    const result = await kernel.emit(actor(), { thread: 'th_engine_config', act: 'LEARN', body: { topic: 'routing_rule', name, enabled: false, ...by(c) } });
    return c.json({ removed: name, record: result.record });
  });
  return app;
}

/** `/v1/expr`: check and evaluate CEL the way the daemon would. */
export function exprRoutes(kernel: Kernel, guard: Guards): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();
  app.post('/check', guard.requires('config:read'), validated({ summary: 'compile a CEL expression', body: EXPRESSION }), (c) => {
    const { expression, context } = c.req.valid('json');
    return c.json(refuseCostly(kernel.expression(context as CelContext, expression)));
  });
  app.post('/eval', guard.requires('records:read'), validated({ summary: 'evaluate a CEL expression', body: EXPRESSION }), (c) => {
    const input = c.req.valid('json');
    const { expression } = input;
    const context = input.context as CelContext;
    const principal = c.get('principal');
    const outcome = refuseCostly(kernel.expression(context, expression, {
      record: input.record ?? {},
      ...(typeof input.resource === 'string' ? { resource: input.resource } : {}),
      actor: typeof input.actor === 'string' ? input.actor : (principal?.sa_id ?? ''),
    }));
    // BigInt results (CEL ints) are not JSON: send them as numbers when safe, else strings.
    let text: string;
    try {
      text = JSON.stringify(outcome, (_k, v: unknown) => (typeof v === 'bigint' ? (Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()) : v));
    } catch (e) {
      // A value built inside the expression (dyn(bytes(s).json()), say) too deep to write out.
      if (e instanceof RangeError) throw new HttpError(422, 'EXPRESSION_TOO_COSTLY', 'the expression evaluated to a value nested too deeply to return', 'expression');
      throw e;
    }
    return c.body(text, 200, { 'content-type': 'application/json' });
  });
  return app;
}

/** An expression over the cost limits is a 422 naming the limit, not an ordinary failed check. */
function refuseCostly(outcome: ExpressionOutcome): ExpressionOutcome {
  if (!outcome.ok && outcome.error.code === EXPRESSION_TOO_COSTLY) throw new HttpError(422, 'EXPRESSION_TOO_COSTLY', `expression is too costly to run: ${outcome.error.message}`, 'expression');
  return outcome;
}

function by(c: { get(key: 'principal'): { sa_id: string } | undefined }): { by?: string } {
  const principal = c.get('principal');
  return principal ? { by: principal.sa_id } : {};
}
