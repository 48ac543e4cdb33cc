/** The closed set of refusals the auth layer produces; `http` maps each to a status. */
export const AUTH_ERROR_CODES = {
  AUTH_REQUIRED: 'AUTH_REQUIRED',
  SCOPE_FORBIDDEN: 'SCOPE_FORBIDDEN',
  BOOTSTRAP_CLOSED: 'BOOTSTRAP_CLOSED',
  BOOTSTRAP_FORBIDDEN: 'BOOTSTRAP_FORBIDDEN',
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  NOT_FOUND: 'NOT_FOUND',
  ALREADY_EXISTS: 'ALREADY_EXISTS',
  PERMISSION_DENIED: 'PERMISSION_DENIED',
  PREFLIGHT_FAILED: 'PREFLIGHT_FAILED',
} as const;

/** One of {@link AUTH_ERROR_CODES}. */
export type AuthErrorCode = keyof typeof AUTH_ERROR_CODES;

/** An auth refusal. Its message never contains a secret or a bearer. */
export class AuthError extends Error {
  readonly brand = 'syncropel.AuthError' as const;
  constructor(
    readonly code: AuthErrorCode,
    message: string,
    readonly field?: string,
    /** Structured detail for the client (e.g. the preflight's fix commands); never secrets. */
    readonly detail?: unknown,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}

/** True when `e` is an {@link AuthError} from any copy of this package (checked by brand). */
export function isAuthError(e: unknown): e is AuthError {
  return typeof e === 'object' && e !== null && (e as { brand?: unknown }).brand === 'syncropel.AuthError';
}
