import type { MiddlewareHandler } from 'hono';
import { HttpError } from '../api-error.js';

/**
 * Refuses a path or query with malformed percent-encoding (a `%` not followed by two hex digits,
 * or escapes that are not UTF-8) with 400, before any route decodes a parameter: the router
 * would otherwise pass some through undecoded and let others throw.
 */
export function wellFormedEncoding(): MiddlewareHandler {
  return async (c, next) => {
    const url = c.req.url;
    const target = url.slice(url.indexOf('/', url.indexOf('//') + 2));
    if (target.includes('%')) {
      try {
        decodeURIComponent(target);
      } catch {
        throw new HttpError(400, 'INVALID_ENCODING', 'the request path or query has malformed percent-encoding (a % not followed by two hex digits, or not UTF-8)');
      }
    }
    return next();
  };
}
