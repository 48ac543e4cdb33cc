/** The closed set of failures the log reports. */
export const LOG_ERROR_CODES = {
  DUPLICATE_ID: 'DUPLICATE_ID',
  /** A shared store's database refused a clock that does not increase for its (actor, thread). */
  CLOCK_CONFLICT: 'CLOCK_CONFLICT',
  STORE_CLOSED: 'STORE_CLOSED',
  STORE_UNAVAILABLE: 'STORE_UNAVAILABLE',
} as const;

/** One of {@link LOG_ERROR_CODES}. */
export type LogErrorCode = keyof typeof LOG_ERROR_CODES;

/**
 * The log's error. Recognise it with {@link isLogError} (by brand, not `instanceof`: an embedder
 * may load two copies of this package).
 */
export class LogError extends Error {
  readonly brand = 'syncropel.LogError' as const;
  constructor(
    readonly code: LogErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LogError';
  }
}

/** True when `e` is a {@link LogError} from any copy of this package. */
export function isLogError(e: unknown): e is LogError {
  return typeof e === 'object' && e !== null && (e as { brand?: unknown }).brand === 'syncropel.LogError';
}
