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

/** {@link readJson} for routes whose body must be a JSON object: anything else is a 422 naming `body`. */
export async function readJsonObject(c: Context, fallback?: Record<string, unknown>): Promise<Record<string, unknown>> {
  const value = await readJson(c, fallback);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpError(422, 'VALIDATION_FAILED', 'the body must be a JSON object', 'body');
  return value as Record<string, unknown>;
}
