import { HttpError } from './api-error.js';

/** Reads an optional integer query parameter within bounds; a bad value is a 422 naming it. */
export function integerParam(raw: string | undefined, name: string, min: number, max: number): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new HttpError(422, 'VALIDATION_FAILED', `${name} must be an integer from ${min} to ${max}`, name);
  }
  return n;
}
