/**
 * Deepest nesting of arrays and objects a record body may have (the body itself is level 1).
 * Real bodies nest a few levels; the bound keeps every recursive walk over a stored body (canonical
 * JSON, CEL conversion, JSON.stringify) far from the engine's stack limit.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * The path of the first array or object nested deeper than `limit` levels in `value`, or
 * undefined when it is within bounds. Iterative, so a hostile value of any depth cannot overflow
 * the stack while it is being checked.
 */
export function jsonTooDeep(value: unknown, limit: number, root = '$'): string | undefined {
  const stack: { value: unknown; depth: number; path: string }[] = [{ value, depth: 1, path: root }];
  while (stack.length > 0) {
    const item = stack.pop() as { value: unknown; depth: number; path: string };
    const v = item.value;
    if (typeof v !== 'object' || v === null) continue;
    if (item.depth > limit) return item.path;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], depth: item.depth + 1, path: `${item.path}[${i}]` });
    } else {
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i] as string;
        stack.push({ value: (v as { [k: string]: unknown })[key], depth: item.depth + 1, path: `${item.path}.${key}` });
      }
    }
  }
  return undefined;
}
