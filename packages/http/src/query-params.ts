import { z } from '@hono/zod-openapi';

/**
 * An optional integer query parameter within bounds (empty counts as absent); a bad value is a 422
 * naming it. Described in the document as an integer, though it travels as a string.
 */
export function integerQuery(name: string, min: number, max: number) {
  const message = `${name} must be an integer from ${min} to ${max}`;
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return undefined;
      const n = Number(raw);
      if (/^\d+$/.test(raw) && Number.isSafeInteger(n) && n >= min && n <= max) return n;
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    })
    .openapi({ type: 'integer', minimum: min, maximum: max, description: message });
}
