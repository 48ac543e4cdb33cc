import { err, ok, type Result } from './result.js';

/** Why a value has no canonical JSON form, with the JSON path of the offending value. */
export interface CanonicalError {
  readonly path: string;
  readonly message: string;
}

/**
 * Serialises a JSON value canonically: object keys sorted by UTF-16 code units at every depth,
 * no whitespace, numbers in ECMAScript's shortest round-trip form, strings as JSON.stringify
 * writes them (non-ASCII raw). Refuses NaN, ±Infinity, undefined, functions, symbols, bigints
 * and non-plain objects, since none of them round-trip through JSON.
 *
 * @example canonicalJson({ b: 1, a: [true, null] }) // ok('{"a":[true,null],"b":1}')
 */
export function canonicalJson(value: unknown, path = '$'): Result<string, CanonicalError> {
  const parts: string[] = [];
  const problem = write(value, path, parts);
  return problem ? err(problem) : ok(parts.join(''));
}

function write(value: unknown, path: string, out: string[]): CanonicalError | undefined {
  switch (typeof value) {
    case 'string':
      out.push(JSON.stringify(value));
      return undefined;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return undefined;
    case 'number':
      if (!Number.isFinite(value)) return { path, message: `${path} must be a finite number` };
      // JSON.stringify uses Number::toString: the shortest form that round-trips; -0 becomes 0.
      out.push(JSON.stringify(value));
      return undefined;
    case 'object': {
      if (value === null) {
        out.push('null');
        return undefined;
      }
      if (Array.isArray(value)) {
        out.push('[');
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out.push(',');
          const problem = write(value[i], `${path}[${i}]`, out);
          if (problem) return problem;
        }
        out.push(']');
        return undefined;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) {
        return { path, message: `${path} must be a plain JSON object` };
      }
      // Default sort compares UTF-16 code units, which is exactly the canonical order.
      const keys = Object.keys(value).sort();
      out.push('{');
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as string;
        if (i > 0) out.push(',');
        out.push(JSON.stringify(key), ':');
        const problem = write((value as { [k: string]: unknown })[key], `${path}.${key}`, out);
        if (problem) return problem;
      }
      out.push('}');
      return undefined;
    }
    default:
      return { path, message: `${path} is not a JSON value (${typeof value})` };
  }
}
