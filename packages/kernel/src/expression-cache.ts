import { celEnvironment, CEL_CONTEXTS, withCelScope, type CelContext, type CelScope } from './cel-environments.js';
import { analyseCost, CEL_EVALUATION_BUDGET, EXPRESSION_TOO_COSTLY, inputSize, MAX_EXPRESSION_CHARS } from './expression-cost.js';

/** How many compiled programs the cache keeps. */
export const EXPRESSION_CACHE_CAPACITY = 1024;

/** Why an expression does not compile: a message and where (1-based line and column). */
export interface CompileError {
  readonly code: string;
  readonly message: string;
  readonly line: number;
  readonly column: number;
}

/** Counters operators watch on the CEL hot path. */
export interface ExpressionCacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly compile_errors: number;
  readonly hit_rate_pct: number;
  readonly avg_compile_micros: number;
  readonly size: number;
  readonly capacity: number;
}

/** A compiled, type-checked expression. */
export interface CompiledExpression {
  readonly context: CelContext;
  readonly expression: string;
  /** Evaluates with the given variables; throws the evaluator's error (e.g. a missing key). */
  evaluate(variables: Record<string, unknown>, scope?: CelScope): unknown;
}

type Entry = { ok: true; program: CompiledExpression } | { ok: false; error: CompileError };

/**
 * The one compiled-CEL cache every context shares: an LRU of parsed and type-checked programs
 * (capacity {@link EXPRESSION_CACHE_CAPACITY}), keyed by context and source. Failed compiles are
 * cached too, so a bad rule does not cost a compile per record.
 */
export class ExpressionCache {
  private readonly entries = new Map<string, Entry>();
  private hits = 0;
  private misses = 0;
  private compileErrors = 0;
  private compiles = 0;
  private compileMicros = 0;

  constructor(readonly capacity = EXPRESSION_CACHE_CAPACITY) {}

  /** The compiled program for `expression` in `context`, or why it does not compile. */
  compile(context: CelContext, expression: string): { ok: true; value: CompiledExpression } | { ok: false; error: CompileError } {
    const key = `${context}\u0000${expression}`;
    const cached = this.entries.get(key);
    if (cached) {
      this.hits++;
      // Re-insert to mark it most recently used (Map keeps insertion order).
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached.ok ? { ok: true, value: cached.program } : { ok: false, error: cached.error };
    }
    this.misses++;
    const started = performance.now();
    const entry = compileNow(context, expression);
    this.compileMicros += (performance.now() - started) * 1000;
    this.compiles++;
    if (!entry.ok) this.compileErrors++;
    this.entries.set(key, entry);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    return entry.ok ? { ok: true, value: entry.program } : { ok: false, error: entry.error };
  }

  /**
   * Builds every context's environment and runs the parser and type checker once, outside the
   * stats: the first compile in a fresh process pays for JIT warm-up (milliseconds) and would
   * otherwise dominate the average compile time operators watch.
   */
  warmUp(): void {
    for (const context of CEL_CONTEXTS) {
      for (const source of WARM_UP_EXPRESSIONS) compileNow(context, source);
    }
  }

  /** A snapshot of the counters. */
  stats(): ExpressionCacheStats {
    const lookups = this.hits + this.misses;
    return {
      hits: this.hits,
      misses: this.misses,
      compile_errors: this.compileErrors,
      hit_rate_pct: lookups === 0 ? 0 : round2((this.hits / lookups) * 100),
      avg_compile_micros: this.compiles === 0 ? 0 : round2(this.compileMicros / this.compiles),
      size: this.entries.size,
      capacity: this.capacity,
    };
  }
}

/** True for a known CEL context name. */
export function isCelContext(value: string): value is CelContext {
  return (CEL_CONTEXTS as readonly string[]).includes(value);
}

const WARM_UP_EXPRESSIONS = [
  'record.act == "INTEND" && record.body.domain == "code" && record.clock > 3 && trust(record.actor, "code") >= 0.5',
  'record.body.to != "" || (has(record.body.x) && record.body.n in [1, 2, 3]) || now() > timestamp("2020-01-01T00:00:00Z")',
];

function compileNow(context: CelContext, expression: string): Entry {
  if (expression.length > MAX_EXPRESSION_CHARS) {
    return { ok: false, error: { code: EXPRESSION_TOO_COSTLY, message: `the expression is ${expression.length} characters; at most ${MAX_EXPRESSION_CHARS}`, line: 1, column: 1 } };
  }
  const env = celEnvironment(context);
  try {
    const parsed = env.parse(expression);
    const cost = analyseCost(parsed.ast);
    if (!cost.ok) return { ok: false, error: toCompileError(expression, { code: EXPRESSION_TOO_COSTLY, summary: cost.message, range: { start: cost.start } }) };
    const { perElement } = cost.value;
    // Check the parsed program itself: env.check(source) would parse a second time.
    const checked = parsed.check();
    if (!checked.valid) return { ok: false, error: toCompileError(expression, checked.error) };
    if (checked.type !== 'bool' && checked.type !== 'dyn') {
      return { ok: false, error: { code: 'not_boolean', message: `the expression must be a condition (bool), not ${checked.type}`, line: 1, column: 1 } };
    }
    const program: CompiledExpression = {
      context,
      expression,
      evaluate: (variables, scope) => {
        // Only an expression that iterates can grow with its inputs: check its bound first.
        if (perElement > 0) {
          const size = inputSize(Object.values(variables), Math.ceil(CEL_EVALUATION_BUDGET / perElement));
          if (perElement * size > CEL_EVALUATION_BUDGET) throw new ExpressionTooCostly(perElement, size);
        }
        return scope ? withCelScope(scope, () => parsed(variables)) : parsed(variables);
      },
    };
    return { ok: true, program };
  } catch (e) {
    return { ok: false, error: toCompileError(expression, e) };
  }
}

/** Thrown by `evaluate` when the inputs would make an iterating expression cost more than the budget. */
export class ExpressionTooCostly extends Error {
  readonly code = EXPRESSION_TOO_COSTLY;
  readonly summary: string;
  constructor(perElement: number, size: number) {
    super(`evaluating would take about ${perElement * size} steps (${perElement} per element × inputs of ${size}); the budget is ${CEL_EVALUATION_BUDGET}`);
    this.summary = this.message;
    this.name = 'ExpressionTooCostly';
  }
}

function toCompileError(expression: string, e: unknown): CompileError {
  const err = e as { code?: string; summary?: string; message?: string; range?: { start?: number } };
  // The parser's structural limits (nodes, depth, list sizes) are cost refusals too.
  if (err.code === 'limit_exceeded') return { ...toCompileError(expression, { ...err, code: EXPRESSION_TOO_COSTLY }) };
  const offset = Math.max(0, Math.min(err.range?.start ?? 0, expression.length));
  const before = expression.slice(0, offset).split('\n');
  return {
    code: err.code ?? 'compile_error',
    message: err.summary ?? err.message ?? 'the expression does not compile',
    line: before.length,
    column: (before[before.length - 1] as string).length + 1,
  };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
