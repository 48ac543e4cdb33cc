/** Largest request body accepted, in bytes: room for a full batch of ordinary records. */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;
