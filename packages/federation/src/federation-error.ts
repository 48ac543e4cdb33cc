/** The refusals the federation layer produces; `http` maps each to a status (see FEDERATION_STATUS). */
export const FEDERATION_ERROR_CODES = {
  /** A request or response field is missing or malformed. */
  VALIDATION_FAILED: 422,
  /** A manifest, handshake or record signature does not verify. */
  BAD_SIGNATURE: 401,
  /** The peer's manifest has expired (or is not yet valid). */
  MANIFEST_EXPIRED: 422,
  /** A handshake nonce was used before: replays are refused. */
  NONCE_REPLAYED: 410,
  /** A handshake message older than the accepted clock skew. */
  STALE_REQUEST: 422,
  NOT_FOUND: 404,
  /** The pair is revoked (terminal) or in a state that forbids the request. */
  PAIR_REVOKED: 403,
  PAIR_NOT_ACTIVE: 409,
  ALREADY_PAIRED: 409,
  /** The operator rejected the pair request. */
  PAIR_REJECTED: 403,
  /** A one-shot credential was already collected. */
  GONE: 410,
  /** Too many pair requests wait for the operator already. */
  TOO_MANY_PENDING: 429,
  /** The peer could not be reached or answered something unusable. */
  PEER_UNREACHABLE: 502,
} as const;

/** One of {@link FEDERATION_ERROR_CODES}. */
export type FederationErrorCode = keyof typeof FEDERATION_ERROR_CODES;

/** A federation refusal. Its message never contains a token. */
export class FederationError extends Error {
  readonly brand = 'syncropel.FederationError' as const;
  constructor(
    readonly code: FederationErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'FederationError';
  }

  /** The HTTP status this refusal is answered with. */
  get status(): number {
    return FEDERATION_ERROR_CODES[this.code];
  }
}

/** True when `e` is a {@link FederationError} from any copy of this package (checked by brand). */
export function isFederationError(e: unknown): e is FederationError {
  return typeof e === 'object' && e !== null && (e as { brand?: unknown }).brand === 'syncropel.FederationError';
}
