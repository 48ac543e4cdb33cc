import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * JSON text for a response. `JSON.stringify` recurses and throws on values nested a few thousand
 * levels deep; records stored by older versions (before bodies were bounded) can be that deep, so
 * on that failure the value is written again without recursion. Same output either way.
 */
export function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    return stringifyIteratively(value);
  }
}

/** A JSON response whose body may hold arbitrarily deep records (see {@link jsonText}). */
export function jsonResponse(c: Context, value: unknown, status: ContentfulStatusCode = 200): Response {
  return c.body(jsonText(value), status, { 'content-type': 'application/json' });
}

/** JSON.stringify for plain JSON values with an explicit stack instead of recursion. */
function stringifyIteratively(root: unknown): string {
  const out: string[] = [];
  // Work items: a value to write, or a literal to emit (closing brackets, commas, keys).
  const stack: ({ value: unknown } | { text: string })[] = [{ value: root }];
  while (stack.length > 0) {
    const item = stack.pop() as { value: unknown } | { text: string };
    if ('text' in item) {
      out.push(item.text);
      continue;
    }
    let v = item.value;
    if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') v = (v as { toJSON(): unknown }).toJSON();
    if (v === null || typeof v !== 'object') {
      out.push(JSON.stringify(v) ?? 'null');
      continue;
    }
    const next: ({ value: unknown } | { text: string })[] = [];
    if (Array.isArray(v)) {
      next.push({ text: '[' });
      v.forEach((x, i) => {
        if (i > 0) next.push({ text: ',' });
        next.push({ value: x === undefined || typeof x === 'function' ? null : x });
      });
      next.push({ text: ']' });
    } else {
      next.push({ text: '{' });
      let first = true;
      for (const [k, x] of Object.entries(v)) {
        if (x === undefined || typeof x === 'function') continue;
        next.push({ text: `${first ? '' : ','}${JSON.stringify(k)}:` }, { value: x });
        first = false;
      }
      next.push({ text: '}' });
    }
    for (let i = next.length - 1; i >= 0; i--) stack.push(next[i] as { value: unknown } | { text: string });
  }
  return out.join('');
}
