import {
  CEL_EVALUATION_BUDGET,
  CEL_PARSE_LIMITS,
  EXPRESSION_TOO_COSTLY,
  ExpressionCache,
  MAX_CEL_BINDS,
  MAX_EXPRESSION_CHARS,
  createKernel,
  isKernelError,
  patternProblem,
} from '@syncropel/kernel';
import { createMemoryLogStore } from '@syncropel/log';
import { describe, expect, it } from 'vitest';

const list = (n: number) => `[${Array.from({ length: n }, (_, i) => i).join(',')}]`;
const compile = (expression: string) => new ExpressionCache().compile('routing', expression);
const refusal = (expression: string) => {
  const r = compile(expression);
  return r.ok ? 'compiled' : r.error.code;
};

describe('CEL expressions must be provably cheap to compile', () => {
  it('refuses the expressions that stalled or crashed the daemon: nested comprehensions over big lists', () => {
    const three = `${list(1000)}.all(a, ${list(1000)}.all(b, ${list(1000)}.all(c, a + b + c >= 0)))`;
    expect(refusal(three)).toBe(EXPRESSION_TOO_COSTLY);
    const small = `${list(10)}.all(a, ${list(10)}.exists(b, a == b))`;
    const nested = compile(small);
    expect(nested.ok ? '' : nested.error.message).toContain('inside another');
    expect(refusal(`${list(10)}.map(a, ${list(10)}.map(b, a * b)).size() > 0`)).toBe(EXPRESSION_TOO_COSTLY);
    expect(refusal(`record.body.items.filter(x, x > 1).exists(y, y == 3)`)).toBe('compiled');
  });

  it(`enforces the parser limits: ${MAX_EXPRESSION_CHARS} characters, ${CEL_PARSE_LIMITS.maxDepth} levels, ${CEL_PARSE_LIMITS.maxListElements} list elements`, () => {
    expect(refusal(`record.act == "${'x'.repeat(MAX_EXPRESSION_CHARS)}"`)).toBe(EXPRESSION_TOO_COSTLY);
    expect(refusal(`${'('.repeat(40)}true${')'.repeat(40)}`)).toBe(EXPRESSION_TOO_COSTLY);
    expect(refusal(`record.clock in ${list(CEL_PARSE_LIMITS.maxListElements + 1)}`)).toBe(EXPRESSION_TOO_COSTLY);
    expect(refusal(`record.clock in ${list(CEL_PARSE_LIMITS.maxListElements)}`)).toBe('compiled');
  });

  it(`allows at most ${MAX_CEL_BINDS} cel.bind (each can double a value)`, () => {
    const binds = (n: number) => {
      let e = 'size(v0) > 0';
      for (let i = n; i >= 1; i--) e = `cel.bind(v${i - 1}, ${i === 1 ? '"ab"' : `v${i - 2} + v${i - 2}`}, ${e})`;
      return e.replace(/v-1/g, '"x"');
    };
    expect(refusal(binds(MAX_CEL_BINDS))).toBe('compiled');
    expect(refusal(binds(MAX_CEL_BINDS + 1))).toBe(EXPRESSION_TOO_COSTLY);
  });

  it('takes matches only with a literal pattern that cannot backtrack catastrophically', () => {
    expect(refusal('record.body.s.matches("^[a-z0-9-]+$")')).toBe('compiled');
    expect(refusal('record.body.s.matches("(a+)+$")')).toBe(EXPRESSION_TOO_COSTLY);
    expect(refusal('record.body.s.matches("(a|aa)*b")')).toBe(EXPRESSION_TOO_COSTLY);
    expect(refusal('record.body.s.matches(record.body.p)')).toBe(EXPRESSION_TOO_COSTLY);
    expect(patternProblem('(x)\\1')).toContain('backreference');
    expect(patternProblem('[(a+)+]*')).toBeUndefined();
    expect(patternProblem('(ab)+c?')).toBeUndefined();
  });
});

describe('each evaluation stays within its budget', () => {
  it('refuses before running when the inputs would make an iterating expression too costly; small inputs evaluate', () => {
    const r = compile('record.body.items.exists(x, x == 7)');
    if (!r.ok) throw new Error('setup');
    expect(r.value.evaluate({ record: { body: { items: [1n, 7n, 9n] } } })).toBe(true);
    const huge = Array.from({ length: CEL_EVALUATION_BUDGET }, () => 0n);
    expect(() => r.value.evaluate({ record: { body: { items: huge } } })).toThrow(/budget/);
    try {
      r.value.evaluate({ record: { body: { items: huge } } });
    } catch (e) {
      expect((e as { code: string }).code).toBe(EXPRESSION_TOO_COSTLY);
    }
    // An expression that does not iterate costs the same whatever the input.
    const flat = compile('record.act == "DO"');
    if (!flat.ok) throw new Error('setup');
    expect(flat.value.evaluate({ record: { act: 'DO', body: { items: huge } } })).toBe(true);
  });

  it('refuses a costly routing rule when it is written, with EXPRESSION_TOO_COSTLY naming body.expression', async () => {
    const k = createKernel({ store: createMemoryLogStore() });
    await k.start();
    const rule = { parents: [], thread: 'th_engine_config', actor: 'did:sync:user:op', act: 'LEARN', clock: 0, data_type: 'SCALAR' };
    try {
      await k.ingest({ ...rule, body: { topic: 'routing_rule', name: 'slow', target: 'did:sync:agent:x', expression: `${list(5)}.all(a, ${list(5)}.all(b, a != b || a == b))` } });
      throw new Error('expected a refusal');
    } catch (e) {
      expect(isKernelError(e) && { code: e.code, field: e.field }).toEqual({ code: 'EXPRESSION_TOO_COSTLY', field: 'body.expression' });
    }
    expect(k.health().record_count).toBe(0);
    await k.stop();
  });
});
