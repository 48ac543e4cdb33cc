/** The closed set of failures the kernel reports; `http` maps each to a status in one table. */
export const KERNEL_ERROR_CODES = {
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  CLOCK_CONFLICT: 'CLOCK_CONFLICT',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  NOT_FOUND: 'NOT_FOUND',
  STARTING: 'STARTING',
  STOPPED: 'STOPPED',
  STORE_FAILED: 'STORE_FAILED',
  RESERVED_THREAD: 'RESERVED_THREAD',
  DID_CLAIM_DENIED: 'DID_CLAIM_DENIED',
  DECISION_DENIED: 'DECISION_DENIED',
  EXPRESSION_TOO_COSTLY: 'EXPRESSION_TOO_COSTLY',
} as const;

/** One of {@link KERNEL_ERROR_CODES}. */
export type KernelErrorCode = keyof typeof KERNEL_ERROR_CODES;

/**
 * The kernel's error: a code from {@link KERNEL_ERROR_CODES}, the field at fault when there is
 * one, and a message fit to show a user (never a secret, never a request body).
 */
export class KernelError extends Error {
  readonly brand = 'syncropel.KernelError' as const;
  constructor(
    readonly code: KernelErrorCode,
    message: string,
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KernelError';
  }
}

/** True when `e` is a {@link KernelError} from any copy of this package (checked by brand). */
export function isKernelError(e: unknown): e is KernelError {
  return typeof e === 'object' && e !== null && (e as { brand?: unknown }).brand === 'syncropel.KernelError';
}
