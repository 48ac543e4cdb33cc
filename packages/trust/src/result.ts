/**
 * Outcome of an operation that can fail for expected reasons (bad input). Pure layers return this
 * instead of throwing; throwing is reserved for bugs.
 */
export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };
