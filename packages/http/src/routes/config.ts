import type { Principal } from '@syncropel/auth';
import { EXPRESSION_TOO_COSTLY, isCelContext, type ExpressionOutcome, type Kernel } from '@syncropel/kernel';
import { Hono, type Context } from 'hono';
import { HttpError } from '../api-error.js';
import type { AuthVariables, Guards } from '../middleware/guards.js';
import { readJson } from '../read-json.js';

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
  app.get('/', read, (c) => {
    const health = kernel.healthDetails();
    return c.json({ object: 'list', data: kernel.config(), next_cursor: null, skipped: health.config.skipped, last_problem: health.config.last_problem });
  });
  app.get('/rules', read, (c) => c.json({ object: 'list', data: kernel.routingRules(), next_cursor: null }));
  app.post('/rules', write, async (c) => {
    const input = await readJson(c);
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new HttpError(422, 'VALIDATION_FAILED', 'the body must be a JSON object with name, expression and target', 'body');
    const { name, expression, target, priority } = input as Record<string, unknown>;
    if (typeof name !== 'string' || !/^[A-Za-z0-9_.:-]{1,100}$/.test(name)) throw new HttpError(422, 'VALIDATION_FAILED', 'name must be 1-100 letters, digits, or _ . : -', 'name');
    const body = { topic: 'routing_rule', name, expression, target, priority: priority ?? 0, ...by(c) };
    const result = await kernel.emit(actor(), { thread: 'th_engine_config', act: 'LEARN', body: body as never });
    return c.json({ rule: kernel.routingRules().find((r) => r.name === name), record: result.record }, 201);
  });
  app.post('/entries', write, async (c) => {
    const input = await readJson(c);
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new HttpError(422, 'VALIDATION_FAILED', 'the body must be a JSON object with topic and name', 'body');
    const { topic, name } = input as Record<string, unknown>;
    if (typeof topic !== 'string' || !/^[a-z_]{1,64}$/.test(topic)) throw new HttpError(422, 'VALIDATION_FAILED', 'topic must be lowercase letters and _', 'topic');
    if (typeof name !== 'string' || !/^[A-Za-z0-9_.:-]{1,100}$/.test(name)) throw new HttpError(422, 'VALIDATION_FAILED', 'name must be 1-100 letters, digits, or _ . : -', 'name');
    checkChange?.(c.get('principal'), input);
    const result = await kernel.emit(actor(), { thread: 'th_engine_config', act: 'LEARN', body: { ...(input as object), ...by(c) } as never });
    return c.json({ entry: kernel.config().find((e) => e.topic === topic && e.name === name), record: result.record }, 201);
  });
  app.delete('/entries/:topic/:name', write, async (c) => {
    const { topic, name } = c.req.param();
    if (!kernel.config().some((e) => e.topic === topic && e.name === name)) throw new HttpError(404, 'NOT_FOUND', `no ${topic.slice(0, 64)} named ${name.slice(0, 100)}`, 'name');
    const result = await kernel.emit(actor(), { thread: 'th_engine_config', act: 'LEARN', body: { topic, name, enabled: false, ...by(c) } });
    return c.json({ removed: { topic, name }, record: result.record });
  });
  app.delete('/rules/:name', write, async (c) => {
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
  const parse = async (c: Context<{ Variables: AuthVariables }>) => {
    const input = (await readJson(c)) as Record<string, unknown> | null;
    if (typeof input !== 'object' || input === null) throw new HttpError(422, 'VALIDATION_FAILED', 'the body must be a JSON object', 'body');
    const { expression, context = 'routing' } = input;
    if (typeof expression !== 'string' || expression === '') throw new HttpError(422, 'VALIDATION_FAILED', 'expression must be a CEL string', 'expression');
    if (typeof context !== 'string' || !isCelContext(context)) throw new HttpError(422, 'VALIDATION_FAILED', 'context must be routing, permission or aitl', 'context');
    return { input, expression, context };
  };
  app.post('/check', guard.requires('config:read'), async (c) => {
    const { expression, context } = await parse(c);
    return c.json(refuseCostly(kernel.expression(context, expression)));
  });
  app.post('/eval', guard.requires('records:read'), async (c) => {
    const { input, expression, context } = await parse(c);
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
