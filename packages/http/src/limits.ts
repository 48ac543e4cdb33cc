import { MAX_JSON_DEPTH } from '@syncropel/algebra';

/** Largest request body accepted, in bytes: room for a full batch of ordinary records. */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

/**
 * Deepest nesting of a request body: a record body's own limit plus the levels of a batch around
 * it (`{"records":[{"body":…}]}`), so the record check names the field when a body is too deep.
 */
export const MAX_REQUEST_DEPTH = MAX_JSON_DEPTH + 4;
