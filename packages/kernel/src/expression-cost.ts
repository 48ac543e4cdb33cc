/*
 * What a CEL expression may cost. CEL has no loops, but comprehensions (`all`, `exists`,
 * `exists_one`, `map`, `filter`) iterate, nested ones multiply, `cel.bind` can double a value
 * per level, and `matches` runs a backtracking regular expression. An expression is admitted
 * only when its cost is provably linear in the size of its inputs, and each evaluation checks
 * that linear bound against the actual inputs before it runs.
 */

/** Longest expression accepted, in characters. */
export const MAX_EXPRESSION_CHARS = 4096;

/** The parser's structural limits (cel-js `limits`). */
export const CEL_PARSE_LIMITS = Object.freeze({ maxAstNodes: 512, maxDepth: 32, maxListElements: 256, maxMapEntries: 64, maxCallArguments: 8 });

/** Most `cel.bind` uses in one expression (each can double a value). */
export const MAX_CEL_BINDS = 4;

/** Longest `matches` pattern, in characters. */
export const MAX_PATTERN_CHARS = 256;

/**
 * Most work one evaluation may do: the nodes evaluated per element of a comprehension times the
 * size of the largest input (list, map or string). An evaluation over this is refused before it runs.
 */
export const CEL_EVALUATION_BUDGET = 500_000;

/** The error code of every cost refusal, at compile time or evaluation time. */
export const EXPRESSION_TOO_COSTLY = 'expression_too_costly';

/** What analysis learned: the nodes evaluated per element of any input (0 without comprehensions). */
export interface ExpressionCost {
  readonly perElement: number;
}

/** A node of cel-js's AST, as far as the analysis reads it. */
interface AstNode {
  readonly op: string;
  readonly args: unknown;
  readonly start?: number;
  readonly meta?: { readonly alternate?: AstNode };
}

/**
 * Proves an expression's cost linear, or says why it cannot: a comprehension inside another, too
 * many `cel.bind`s, a `matches` whose pattern is not a literal or could backtrack
 * catastrophically. Iterative; the parser has already bounded the tree's size and depth.
 */
export function analyseCost(root: unknown): { ok: true; value: ExpressionCost } | { ok: false; message: string; start: number } {
  let perElement = 0;
  let binds = 0;
  const stack: { node: AstNode; inside: boolean }[] = [{ node: root as AstNode, inside: false }];
  while (stack.length > 0) {
    const { node, inside } = stack.pop() as { node: AstNode; inside: boolean };
    if (inside) perElement++;
    const refuse = (message: string) => ({ ok: false as const, message, start: node.start ?? 0 });
    // Macros (all, exists, map, …) are expanded into an alternate tree: analyse that one.
    if (node.meta?.alternate) {
      stack.push({ node: node.meta.alternate, inside });
      continue;
    }
    if (node.op === 'comprehension') {
      if (inside) return refuse('one comprehension (all, exists, exists_one, map, filter) inside another multiplies the work; write them one after the other');
      const parts = node.args as { [part: string]: unknown };
      for (const [part, child] of Object.entries(parts)) {
        // The per-element parts run once per element of the iterable; the rest once.
        if (isNode(child)) stack.push({ node: child, inside: part === 'step' || part === 'condition' });
      }
      continue;
    }
    const call = callOf(node);
    if (call?.name === 'bind' && ++binds > MAX_CEL_BINDS) return refuse(`more than ${MAX_CEL_BINDS} cel.bind in one expression`);
    if (call?.name === 'matches') {
      const pattern = call.args[call.args.length - 1];
      if (!isNode(pattern) || pattern.op !== 'value' || typeof pattern.args !== 'string') return refuse('matches needs its pattern written as a string literal, so it can be checked');
      const problem = patternProblem(pattern.args);
      if (problem) return refuse(`the matches pattern ${problem}`);
    }
    for (const child of children(node.args)) stack.push({ node: child, inside });
  }
  return { ok: true, value: { perElement } };
}

/**
 * The size the budget is measured against: the largest list, map or string among the values (a
 * comprehension iterates at most that many elements, and `split` makes at most that many).
 * Iterative, and it stops counting once the answer is over `cap`.
 */
export function inputSize(values: readonly unknown[], cap = Number.MAX_SAFE_INTEGER): number {
  let largest: number = CEL_PARSE_LIMITS.maxListElements; // literal lists in the expression itself
  const stack: unknown[] = [...values];
  while (stack.length > 0 && largest <= cap) {
    const v = stack.pop();
    if (typeof v === 'string') largest = Math.max(largest, v.length);
    else if (Array.isArray(v)) {
      largest = Math.max(largest, v.length);
      for (const x of v) if (typeof x === 'object' || typeof x === 'string') stack.push(x);
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.values(v);
      largest = Math.max(largest, entries.length);
      for (const x of entries) if (typeof x === 'object' || typeof x === 'string') stack.push(x);
    }
  }
  return largest;
}

/**
 * Why a regular expression could backtrack catastrophically, or undefined. Refuses
 * backreferences and a repeated group (`*`, `+`, `{…}`) that itself holds a quantifier or an
 * alternation, the shapes behind exponential matching in a backtracking engine.
 */
export function patternProblem(pattern: string): string | undefined {
  if (pattern.length > MAX_PATTERN_CHARS) return `is longer than ${MAX_PATTERN_CHARS} characters`;
  const groups: { quantified: boolean; alternation: boolean }[] = [{ quantified: false, alternation: false }];
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    const top = groups[groups.length - 1] as { quantified: boolean; alternation: boolean };
    if (ch === '\\') {
      if (/[1-9k]/.test(pattern[i + 1] ?? '')) return 'uses a backreference';
      i++;
    } else if (ch === '[') {
      // A character class is one atom: skip to its end.
      for (i++; i < pattern.length && pattern[i] !== ']'; i++) if (pattern[i] === '\\') i++;
    } else if (ch === '(') groups.push({ quantified: false, alternation: false });
    else if (ch === ')') {
      const closed = groups.length > 1 ? (groups.pop() as { quantified: boolean; alternation: boolean }) : top;
      const next = pattern[i + 1];
      const repeated = next === '*' || next === '+' || next === '{';
      if (repeated && (closed.quantified || closed.alternation)) return 'repeats a group that holds a quantifier or an alternation (catastrophic backtracking)';
      const parent = groups[groups.length - 1] as { quantified: boolean; alternation: boolean };
      parent.quantified ||= closed.quantified || repeated;
    } else if (ch === '*' || ch === '+' || ch === '?' || ch === '{') top.quantified = true;
    else if (ch === '|') top.alternation = true;
  }
  return undefined;
}

function isNode(v: unknown): v is AstNode {
  return typeof v === 'object' && v !== null && typeof (v as { op?: unknown }).op === 'string';
}

/** A function call's name and arguments: `rcall` is `[name, receiver, args]`, `call` is `[name, args]`. */
function callOf(node: AstNode): { name: string; args: unknown[] } | undefined {
  if (!Array.isArray(node.args) || typeof node.args[0] !== 'string') return undefined;
  if (node.op === 'rcall') return { name: node.args[0], args: Array.isArray(node.args[2]) ? node.args[2] : [] };
  if (node.op === 'call') return { name: node.args[0], args: Array.isArray(node.args[1]) ? node.args[1] : [] };
  return undefined;
}

/** The AST nodes directly below a node, wherever cel-js keeps them (arrays, nested arrays, records). */
function children(args: unknown): AstNode[] {
  const out: AstNode[] = [];
  const pending: unknown[] = [args];
  while (pending.length > 0) {
    const v = pending.pop();
    if (isNode(v)) out.push(v);
    else if (Array.isArray(v)) pending.push(...v);
    else if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) pending.push(...Object.values(v));
  }
  return out;
}
