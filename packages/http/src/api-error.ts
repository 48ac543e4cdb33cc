import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { isAuthError, type AuthErrorCode } from '@syncropel/auth';
import { isFederationError } from '@syncropel/federation';
import { isKernelError, type KernelErrorCode } from '@syncropel/kernel';

/** Error codes only the HTTP layer produces (request shape, routing). */
export type HttpErrorCode =
  | 'INVALID_JSON'
  | 'INVALID_ENCODING'
  | 'BAD_REQUEST'
  | 'VALIDATION_FAILED'
  | 'NOT_FOUND'
  | 'PAYLOAD_TOO_LARGE'
  | 'HEADERS_TOO_LARGE'
  | 'RESERVED_THREAD'
  | 'FORBIDDEN_ORIGIN'
  | 'EXPRESSION_TOO_COSTLY'
  | 'INTERNAL';

/** The JSON every non-2xx answer carries. */
export interface ErrorEnvelope {
  readonly error: { readonly code: string; readonly message: string; readonly field?: string; readonly detail?: unknown };
}

/** A refusal raised by a route, carrying its status. Recognised by brand in the error handler. */
export class HttpError extends Error {
  readonly brand = 'syncropel.HttpError' as const;
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: HttpErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** The one table from kernel error codes to HTTP statuses. */
export const KERNEL_STATUS: { readonly [C in KernelErrorCode]: ContentfulStatusCode } = {
  VALIDATION_FAILED: 422,
  CLOCK_CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  NOT_FOUND: 404,
  STARTING: 503,
  STOPPED: 503,
  STORE_FAILED: 500,
  RESERVED_THREAD: 403,
  DID_CLAIM_DENIED: 403,
  DECISION_DENIED: 403,
  EXPRESSION_TOO_COSTLY: 422,
};

/** The one table from auth error codes to HTTP statuses. */
export const AUTH_STATUS: { readonly [C in AuthErrorCode]: ContentfulStatusCode } = {
  AUTH_REQUIRED: 401,
  SCOPE_FORBIDDEN: 403,
  BOOTSTRAP_CLOSED: 409,
  BOOTSTRAP_FORBIDDEN: 403,
  VALIDATION_FAILED: 422,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  PERMISSION_DENIED: 403,
  PREFLIGHT_FAILED: 409,
};

/** Turns any thrown value into a status and envelope; unknown errors become a bare 500 (details stay in the log). */
export function toErrorResponse(e: unknown): { status: ContentfulStatusCode; body: ErrorEnvelope } {
  if (isHttpError(e)) return { status: e.status, body: envelope(e.code, e.message, e.field) };
  if (isAuthError(e)) {
    const body = envelope(e.code, e.message, e.field);
    return { status: AUTH_STATUS[e.code], body: e.detail === undefined ? body : { error: { ...body.error, detail: e.detail } } };
  }
  if (isKernelError(e)) return { status: KERNEL_STATUS[e.code], body: envelope(e.code, e.message, e.field) };
  if (isFederationError(e)) return { status: e.status as ContentfulStatusCode, body: envelope(e.code, e.message, e.field) };
  // decodeURIComponent of a path parameter or query value with malformed percent-encoding.
  if (e instanceof URIError) return { status: 400, body: envelope('INVALID_ENCODING', 'the request path or query has malformed percent-encoding (a % not followed by two hex digits)') };
  return { status: 500, body: envelope('INTERNAL', 'internal error; see the daemon log') };
}

/** Builds an error envelope. */
export function envelope(code: string, message: string, field?: string): ErrorEnvelope {
  return { error: { code, message, ...(field === undefined ? {} : { field }) } };
}

/** True for an {@link HttpError}, from this copy of the package or another (ESM and CommonJS builds alike). */
export function isHttpError(e: unknown): e is HttpError {
  return typeof e === 'object' && e !== null && (e as { brand?: unknown }).brand === 'syncropel.HttpError';
}
