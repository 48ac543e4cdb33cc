import type { Context } from 'hono';
import { HttpError } from './api-error.js';

/** Reads a JSON request body; empty bodies give `fallback` when one is allowed, else INVALID_JSON. */
export async function readJson(c: Context, fallback?: unknown): Promise<unknown> {
  const text = await c.req.text();
  if (text === '' && fallback !== undefined) return fallback;
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new HttpError(400, 'INVALID_JSON', `the request body is not valid JSON: ${(e as Error).message}`, 'body');
  }
}
