import { jsonTooDeep } from '@syncropel/algebra';
import type { Context } from 'hono';
import { HttpError } from './api-error.js';
import { MAX_REQUEST_DEPTH } from './limits.js';

/**
 * Reads a JSON request body; empty bodies give `fallback` when one is allowed, else INVALID_JSON.
 * Every body is checked once, up front and iteratively, against {@link MAX_REQUEST_DEPTH}, so no
 * route ever walks a hostile nesting.
 */
export async function readJson(c: Context, fallback?: unknown): Promise<unknown> {
  const text = await c.req.text();
  if (text === '' && fallback !== undefined) return fallback;
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (e) {
    throw new HttpError(400, 'INVALID_JSON', `the request body is not valid JSON: ${(e as Error).message}`, 'body');
  }
  const deep = jsonTooDeep(value, MAX_REQUEST_DEPTH, '');
  if (deep !== undefined) {
    const field = deep.replace(/^\./, '') || 'body';
    throw new HttpError(422, 'VALIDATION_FAILED', `the request body nests deeper than ${MAX_REQUEST_DEPTH} levels (at ${field.slice(0, 120)}${field.length > 120 ? '…' : ''})`, field.length > 200 ? 'body' : field);
  }
  return value;
}

